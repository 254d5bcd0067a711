// results.json (SPEC section 6): the verdicts of every checker plus run facts.

import type { CheckResult } from '../checkers/types.js';
import type { Verdict } from '../checkers/verdict.js';
import type { History } from '../history/types.js';
import { historyIsUntimed } from './time.js';

// Merging verdicts belongs to the checkers layer (src/checkers/verdict.ts); exitCodeFor is re-exported for its callers.
export { exitCodeFor, type Verdict } from '../checkers/verdict.js';

export interface RunStats {
  ops: number;
  ok: number;
  fail: number;
  info: number;
  durationNs: number;
  /** True when the history records no real times (see historyIsUntimed): durationNs means nothing then. */
  untimed?: boolean;
}

export interface Results {
  valid: Verdict;
  seed?: number;
  target?: string;
  workload?: string;
  nemesis?: string;
  stats: RunStats;
  checkers: Record<string, CheckResult>;
  /** How to reproduce the run (a shell command), when known. */
  command?: string;
  /** The history file the results came from. */
  history?: string;
}

export function historyStats(h: History): RunStats {
  let ok = 0;
  let fail = 0;
  let info = 0;
  for (const op of h.ops) {
    if (op.type === 'ok') ok++;
    else if (op.type === 'fail') fail++;
    else info++;
  }
  // Times are nanoseconds since the run started, so the last event's time is the duration.
  const stats: RunStats = { ops: h.ops.length, ok, fail, info, durationNs: h.endTime };
  if (historyIsUntimed(h)) stats.untimed = true;
  return stats;
}

export function worstExitCode(codes: number[]): number {
  // 2 (bad input) > 1 (anomaly) > 3 (unknown) > 0
  const rank = (c: number) => (c === 2 ? 3 : c === 1 ? 2 : c === 3 ? 1 : 0);
  return codes.reduce((w, c) => (rank(c) > rank(w) ? c : w), 0);
}
