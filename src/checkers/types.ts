// The Checker role: a pure function from a History to a verdict with explained anomalies.

import type { History, WorkloadKind } from '../history/types.js';

export interface Anomaly {
  /** The checker's anomaly type (e.g. "read-your-writes", "fork", "duplicate"). */
  type: string;
  /** History indices of the operations behind it (completion index of each op, or invoke if none). */
  ops: number[];
  key?: string;
  /** One sentence a person understands, with times, nodes and values. */
  explanation: string;
  /** Checker-specific details (e.g. the linearizable prefix), JSON-serialisable. */
  [detail: string]: unknown;
}

export interface CheckResult {
  valid: boolean | 'unknown';
  /** True number of anomalies found (the list may be capped). */
  count: number;
  anomalies: Anomaly[];
  /** Extra facts: which rule was used, search statistics, why the result is unknown. */
  [detail: string]: unknown;
}

export interface CheckOptions {
  /** Wall-clock budget per checker, ms (default 60 s); a checker out of time answers unknown. */
  timeLimitMs?: number;
  /** Memory budget for searching checkers, in memo entries. */
  memoLimit?: number;
  /** Heap budget of the process, MB (`--max-memory`); a checker whose heap grows past it answers unknown. */
  maxMemoryMb?: number;
  /** Cap on the anomalies listed in a result (count stays true). */
  maxAnomalies?: number;
  /** Threads a checker may use, this one included (linearizable: its keys; default: the CPUs, at most 4; 1: this thread only). */
  threads?: number;
  /** How long a checker works alone in this thread before it hands keys to others, ms (linearizable; default 1000). */
  threadsAfterMs?: number;
  /**
   * Ops from which monotonic-writes and writes-follow-reads run in a thread of their own while the
   * other checkers run in this one (with 2 threads or more; default ORDER_THREAD_FROM_OPS).
   */
  orderThreadFromOps?: number;
  /** The checker's own options, as given in its spec (`bounded-staleness:maxStalenessMs=500`); see registry.ts. */
  params?: Record<string, number>;
  /**
   * How far before or after an anomaly's operations a nemesis fault still counts as behind it, ms
   * (the run's failover timeout; default DEFAULT_FAULT_WINDOW_MS): see attribution.ts.
   */
  faultWindowMs?: number;
}

/** An option a checker takes in its spec, `name:option=value` (a number). */
export interface CheckerOption {
  description: string;
  /** The value when none is given. */
  default: number;
  min: number;
}

export interface Checker {
  name: string;
  description: string;
  appliesTo(w: WorkloadKind): boolean;
  /** False: runs only when named (not among "all that fit the workload"). Default true. */
  byDefault?: boolean;
  /** Options it takes as `name:option=value` in --checkers and `checkers:`. */
  options?: Record<string, CheckerOption>;
  /** Pure; a throw becomes `unknown` with the error (runCheckers), a spent budget `unknown` with why. */
  check(h: History, opts?: CheckOptions): CheckResult | Promise<CheckResult>;
  /**
   * Its check() may hand its work to another thread and return a promise at once: runCheckers
   * starts such checkers before the others, so that they work meanwhile.
   */
  startsFirst?: boolean;
}

export const DEFAULT_MAX_ANOMALIES = 100;

/** Helper for checkers: records anomalies, counting all and keeping the first `max`. */
export class AnomalyList {
  readonly anomalies: Anomaly[] = [];
  count = 0;
  constructor(private readonly max = DEFAULT_MAX_ANOMALIES) {}
  add(a: Anomaly | (() => Anomaly)): void {
    this.count++;
    if (this.anomalies.length < this.max) this.anomalies.push(typeof a === 'function' ? a() : a);
  }
  result(extra: Record<string, unknown> = {}): CheckResult {
    return { valid: this.count === 0, count: this.count, anomalies: this.anomalies, ...extra };
  }
}
