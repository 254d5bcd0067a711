// Merging verdicts (the checkers layer, Jepsen's check-safe and compose): a checker that throws
// becomes `unknown` with its error; the overall verdict of many checkers; its exit code (SPEC 2).

import type { CheckResult } from './types.js';

export type Verdict = boolean | 'unknown';

/** Overall verdict: false if any checker failed, else unknown if any is unknown, else true. */
export function overallVerdict(checkers: Record<string, CheckResult>): Verdict {
  const vs = Object.values(checkers).map((c) => c.valid);
  if (vs.includes(false)) return false;
  if (vs.includes('unknown')) return 'unknown';
  return true;
}

/** Exit code of SPEC section 2 for a verdict: 0 held, 1 anomaly, 3 inconclusive. */
export function exitCodeFor(v: Verdict): number {
  return v === true ? 0 : v === false ? 1 : 3;
}

/** The result of a checker that threw: inconclusive, with the error and its stack (a bug to report). */
export function crashedResult(name: string, e: unknown): CheckResult {
  const err = e instanceof Error ? e : undefined;
  const message = err ? `${err.name}: ${err.message}` : String(e);
  return {
    valid: 'unknown',
    count: 0,
    anomalies: [],
    reason: `the ${name} checker failed: ${message}`,
    error: message,
    ...(err?.stack ? { stack: err.stack } : {}),
  };
}

/** A checker's answer as a CheckResult: anything without a verdict is inconclusive. */
export function checkedResult(name: string, r: unknown): CheckResult {
  const v = (r as CheckResult | undefined)?.valid;
  if (r !== null && typeof r === 'object' && (v === true || v === false || v === 'unknown')) {
    const res = r as CheckResult;
    if (!Number.isInteger(res.count)) res.count = Array.isArray(res.anomalies) ? res.anomalies.length : 0;
    if (!Array.isArray(res.anomalies)) res.anomalies = [];
    return res;
  }
  return { valid: 'unknown', count: 0, anomalies: [], reason: `the ${name} checker returned no verdict`, error: 'no verdict' };
}
