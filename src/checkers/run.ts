// Runs the selected checkers over one history and assembles the Results: each checker with the
// same budget, each safely (a throw is that checker's `unknown`, the others still run); then ties
// every anomaly to the faults behind it (attribution.ts).

import type { History } from '../history/types.js';
import { historyStats, type Results } from '../report/results.js';
import { attributeAnomalies } from './attribution.js';
import type { CheckOptions, CheckResult, Checker } from './types.js';
import { checkedResult, crashedResult, overallVerdict } from './verdict.js';

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
    try {
      out[c.name] = checkedResult(c.name, await c.check(history, opts));
    } catch (e) {
      out[c.name] = crashedResult(c.name, e);
    }
  }
  // Once every checker is done: each anomaly gets the faults and replica state behind it.
  attributeAnomalies(history, out, opts.faultWindowMs);
  return { valid: overallVerdict(out), ...meta, stats: historyStats(history), checkers: out };
}

/** Results without checking: every checker `unknown` for one reason (e.g. the history is over the memory budget). */
export function unknownResults(checkers: Checker[], reason: string, meta: Partial<Results> & { stats: Results['stats'] }): Results {
  const out: Record<string, CheckResult> = {};
  for (const c of checkers) out[c.name] = { valid: 'unknown', count: 0, anomalies: [], reason };
  return { valid: overallVerdict(out), ...meta, checkers: out };
}
