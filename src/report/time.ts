// Times in the report and the terminal, with one precision everywhere: a point in the run is
// seconds with three decimals (as the checkers' explanations write it), a duration is in the unit
// that reads best. And whether a history has real times at all: Jepsen logs and EDN histories
// often carry none, and their importers then use each event's position as its time.

import type { History } from '../history/types.js';

/** A point in run time: seconds, three decimals ("0.256 s"), as the explanations cite times. */
export function fmtAt(ns: number): string {
  return Number.isFinite(ns) ? `${(ns / 1e9).toFixed(3)} s` : '—';
}

/** A duration in the unit that reads best. */
export function fmtDuration(ns: number): string {
  if (!Number.isFinite(ns)) return '∞';
  const a = Math.abs(ns);
  if (a < 1e3) return `${Math.round(ns)} ns`;
  if (a < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (a < 1e9) return `${(ns / 1e6).toFixed(a < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** Why plots by time are left out of an untimed history's report, in one line. */
export const UNTIMED_REASON =
  'This history records no times (every event\u2019s time is 0 or its position in the history), so operations are drawn by event index, and latency and throughput are not shown.';

/**
 * Whether the history has no real times: every event's time is 0, or equal to its index (what
 * the Jepsen importers fill in when the source has none), or all events share one time.
 * A history with no events is not untimed (there is nothing to draw either way).
 */
export function historyIsUntimed(h: History): boolean {
  let n = 0;
  let allIndex = true;
  let first: number | undefined;
  let allEqual = true;
  const see = (index: number, time: number) => {
    if (!Number.isFinite(time)) return;
    n++;
    if (time !== index) allIndex = false;
    if (first === undefined) first = time;
    else if (time !== first) allEqual = false;
  };
  for (const op of h.ops) {
    see(op.invokeIndex, op.invokeTime);
    if (op.completeIndex >= 0) see(op.completeIndex, op.completeTime);
    if (!allIndex && !allEqual) return false;
  }
  for (const e of h.nemesis) {
    see(e.index, e.time);
    if (!allIndex && !allEqual) return false;
  }
  return n > 1 && (allIndex || allEqual);
}
