// Runs the selected checkers over one history and assembles the Results.

import type { History } from '../history/types.js';
import { historyStats, overallVerdict, type Results } from '../report/results.js';
import type { CheckOptions, CheckResult, Checker } from './types.js';

export async function runCheckers(
  history: History,
  checkers: Checker[],
  opts: CheckOptions = {},
  meta: Partial<Results> = {},
): Promise<Results> {
  const out: Record<string, CheckResult> = {};
  for (const c of checkers) {
    if (!c.appliesTo(history.workload)) {
      out[c.name] = {
        valid: 'unknown',
        count: 0,
        anomalies: [],
        reason: `does not apply to the ${history.workload} workload`,
      };
      continue;
    }
    out[c.name] = await c.check(history, opts);
  }
  return { valid: overallVerdict(out), ...meta, stats: historyStats(history), checkers: out };
}
