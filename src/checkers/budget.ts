// The time and memory budget every checker honours (DESIGN principle 7): a deadline and a heap
// ceiling, looked at every CHECK_EVERY work items; a checker out of budget answers `unknown` with why.

import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { defaultMaxMemoryMb } from './memory.js';
import type { AnomalyList, CheckOptions, CheckResult } from './types.js';

/** Time budget of a checker when none is given, ms (per checker; per search for linearizable). */
export const DEFAULT_TIME_LIMIT_MS = 60_000;
/** Work items (ops, read elements) between two looks at the clock and the heap. */
export const CHECK_EVERY = 1 << 16;

const MB = 1024 * 1024;

export class Budget {
  readonly startedMs = performance.now();
  readonly deadlineMs: number;
  readonly timeLimitMs: number;
  /** Heap ceiling in bytes (default: 80% of V8's heap limit). */
  readonly maxHeapBytes: number;
  /** Why the budget ran out; undefined while it holds. */
  reason: string | undefined;
  /**
   * Items until the next look. 0 at first: the first spend looks at the clock (only), so a checker
   * whose whole work is under CHECK_EVERY items still honours a deadline already passed before it
   * began its work (e.g. while building its index).
   */
  private left = 0;
  private looked = false;
  private readonly timeFrom: string;
  private readonly memoryFrom: string;

  constructor(opts: CheckOptions = {}) {
    this.timeLimitMs = opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    this.deadlineMs = this.startedMs + this.timeLimitMs;
    this.maxHeapBytes = (opts.maxMemoryMb ?? defaultMaxMemoryMb()) * MB;
    this.timeFrom = opts.timeLimitMs !== undefined ? ' (--time-limit)' : ' (the default per checker)';
    this.memoryFrom = opts.maxMemoryMb !== undefined ? ' (--max-memory)' : " (the default: 80% of V8's heap limit)";
  }

  /** Spends `n` work items; true once the budget is spent (the clock is read every CHECK_EVERY items). */
  spend(n = 1): boolean {
    this.left -= n;
    return this.left <= 0 ? this.check() : false;
  }

  /** "time limit of 1.000 s reached (--time-limit)" */
  timeReason(): string {
    return `time limit of ${(this.timeLimitMs / 1000).toFixed(3)} s reached${this.timeFrom}`;
  }

  /** Looks at the clock and the heap now; true once the budget is spent. */
  check(): boolean {
    this.left = CHECK_EVERY;
    if (this.reason !== undefined) return true;
    const first = !this.looked;
    this.looked = true;
    if (performance.now() > this.deadlineMs) {
      this.reason = this.timeReason();
    } else if (!first) {
      const used = getHeapStatistics().used_heap_size;
      if (used > this.maxHeapBytes) {
        this.reason = `memory budget of ${Math.round(this.maxHeapBytes / MB)} MB${this.memoryFrom} reached: the heap holds ${Math.round(used / MB)} MB`;
      }
    }
    return this.reason !== undefined;
  }

  /**
   * The verdict of a checker stopped by its budget after looking at `done` of `total` units (keys,
   * groups): `unknown` with the reason; `false` if it had already found anomalies (they stand, but
   * the count covers only what was checked, so the result says `partial`).
   */
  stopped(list: AnomalyList, done: number, total: number, unit: string, extra: Record<string, unknown> = {}): CheckResult {
    const reason = `${this.reason ?? 'budget spent'}, after ${done} of ${total} ${unit}`;
    const r = list.result({ ...extra, reason, partial: true, ms: Math.round((performance.now() - this.startedMs) * 1000) / 1000 });
    if (r.count === 0) r.valid = 'unknown';
    return r;
  }
}
