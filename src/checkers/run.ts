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
  const settled = new Map<string, Promise<CheckResult>>();
  // (those that may work in another thread first, so that they do while the rest run here)
  for (const c of [...checkers.filter((c) => c.startsFirst), ...checkers.filter((c) => !c.startsFirst)]) {
    settled.set(c.name, c.appliesTo(history.workload) ? checkOne(c, history, opts) : Promise.resolve(notApplying(c, history)));
    // (one at a time in this thread: a checker's work here is done before the next begins)
    if (!c.startsFirst) await settled.get(c.name);
  }
  const out: Record<string, CheckResult> = {};
  for (const c of checkers) out[c.name] = await settled.get(c.name)!;
  // Once every checker is done: each anomaly gets the faults and replica state behind it.
  attributeAnomalies(history, out, opts.faultWindowMs);
  return { valid: overallVerdict(out), ...meta, stats: historyStats(history), checkers: out };
}

/** One checker's result: a throw (also a rejection) is its `unknown` with the error. */
function checkOne(c: Checker, history: History, opts: CheckOptions): Promise<CheckResult> {
  try {
    return Promise.resolve(c.check(history, opts)).then(
      (r) => checkedResult(c.name, r),
      (e: unknown) => crashedResult(c.name, e),
    );
  } catch (e) {
    return Promise.resolve(crashedResult(c.name, e));
  }
}

function notApplying(c: Checker, history: History): CheckResult {
  return { valid: 'unknown', count: 0, anomalies: [], reason: `does not apply to the ${history.workload} workload` };
}

/** Results without checking: every checker `unknown` for one reason (e.g. the history is over the memory budget). */
export function unknownResults(checkers: Checker[], reason: string, meta: Partial<Results> & { stats: Results['stats'] }): Results {
  const out: Record<string, CheckResult> = {};
  for (const c of checkers) out[c.name] = { valid: 'unknown', count: 0, anomalies: [], reason };
  return { valid: overallVerdict(out), ...meta, checkers: out };
}
