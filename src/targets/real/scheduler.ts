// The real-time Scheduler: nowNs from performance.now() relative to its creation, after() on
// setTimeout. Callbacks run only while run() is active (like the simulator's event loop); ones
// that come due between run() calls wait, in order, for the next run(). I/O in flight is "held".

import { performance } from 'node:perf_hooks';
import type { Scheduler, Timer } from '../types.js';

/** A callback due at the next turn (or come due from a timer), cancellable: one object per call. */
class Due implements Timer {
  cancelled = false;
  constructor(readonly fn: () => void) {}
  cancel(): void {
    this.cancelled = true;
  }
}

export interface RealScheduler extends Scheduler {
  /** Marks work in flight (an HTTP call) so run() does not finish while it is out; call the result once. */
  hold(): () => void;
  /** Makes run() (now, or the next one) reject with err once: for failures with no callback to report to. */
  fail(err: unknown): void;
  /** Cancels every timer (teardown). */
  close(): void;
  /**
   * For a caller with nothing after it on the stack (a promise continuation, a timer's callback):
   * runs fn at once, then whatever it queued for the next turn, when run() is active and no
   * callback is running; otherwise it is after(0, fn). So an answer and the op it lets begin go
   * through in the same step, with no wait for the event loop's next turn in between. At most
   * MAX_NOW_PER_TURN of them run at once per turn of the event loop; then it is after(0, fn) until
   * the loop turns: a client that answers from a promise with no I/O (a cache, a closed connection
   * that rejects at once) would otherwise chain ops in microtasks forever, and no timer (the time
   * limit, the nemesis) would ever fire.
   */
  callNow(fn: () => void): void;
}

/** callNow()s run at once per turn of the event loop, at most (see callNow). */
export const MAX_NOW_PER_TURN = 256;

export function createRealScheduler(): RealScheduler {
  return new RealTimeScheduler();
}

/**
 * Callbacks due (at the next turn, or come due from a timer) wait in `due` and run in order in
 * drain(), which runs only while run() is active; run() finishes (settle) when it is stopped, when
 * a callback failed, or when nothing is pending: no timer, no hold, nothing due.
 */
class RealTimeScheduler implements RealScheduler {
  private readonly startMs = performance.now();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly due: Due[] = [];
  private dueHead = 0;
  private holds = 0;
  private running = false;
  private stopped = false;
  private failure: { err: unknown } | undefined;
  /** Ends the active run() (resolves or rejects it). */
  private wake: (() => void) | undefined;
  private drainQueued = false;
  /** drain() is running (a callback now must not start another). */
  private draining = false;
  /** callNow()s run at once since the event loop last turned (a setImmediate resets it). */
  private nowInTurn = 0;
  private readonly newTurn = (): void => {
    this.nowInTurn = 0;
  };

  // performance.now() (a double of ms, sub-µs precise) rather than hrtime.bigint(): no BigInt per call
  nowNs(): number {
    return Math.round((performance.now() - this.startMs) * 1e6);
  }

  after(delayNs: number, fn: () => void): Timer {
    // Node's timers have a 1 ms granularity: a shorter delay (a think time of 0.1 ms) would cost a
    // whole millisecond per op, so it runs at the next turn instead.
    const ms = delayNs >= 1e6 ? delayNs / 1e6 : 0;
    if (ms === 0) {
      const d = new Due(fn);
      this.enqueue(d);
      return d;
    }
    return this.timer(ms, fn);
  }

  callNow(fn: () => void): void {
    if (!this.running || this.draining || this.stopped || this.failure !== undefined || this.nowInTurn >= MAX_NOW_PER_TURN) {
      this.enqueue(new Due(fn));
      return;
    }
    if (this.nowInTurn++ === 0) setImmediate(this.newTurn);
    // (behind what is already due: the order of callbacks is kept)
    this.due.push(new Due(fn));
    this.drain();
  }

  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.settleSoonIfIdle();
    };
  }

  fail(err: unknown): void {
    if (this.failure === undefined) this.failure = { err };
    this.settle();
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  stop(): void {
    this.stopped = true;
    this.settle();
  }

  run(): Promise<void> {
    if (this.running) return Promise.reject(new Error('scheduler: run() is already running'));
    if (this.failure !== undefined) {
      const err = this.failure.err;
      this.failure = undefined; // reported once; a later run() (e.g. a teardown after the failure) works
      return Promise.reject(err);
    }
    this.running = true;
    this.stopped = false;
    // A ref'd handle keeps the process alive while the run waits on unref'd timers.
    const keepAlive = setInterval(() => {}, 1 << 30);
    return new Promise<void>((resolve, reject) => {
      this.wake = () => {
        this.running = false;
        clearInterval(keepAlive);
        if (this.failure !== undefined) {
          const err = this.failure.err;
          this.failure = undefined;
          reject(err);
        } else resolve();
      };
      this.drainQueued = true;
      setImmediate(() => this.drain());
    });
  }

  /** fn after ms on an (unref'd) Node timer, then in turn with the due callbacks. */
  private timer(ms: number, fn: () => void): Timer {
    let cancelled = false;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!cancelled) this.enqueue(new Due(fn));
      else if (this.running && this.pendingCount() === 0) this.settle();
    }, ms);
    t.unref();
    this.timers.add(t);
    return {
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        clearTimeout(t);
        this.timers.delete(t);
        this.settleSoonIfIdle();
      },
    };
  }

  private pendingCount(): number {
    return this.timers.size + this.holds + (this.due.length - this.dueHead);
  }

  private settle(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** At the next turn, ends the active run() if nothing is pending then (and now). */
  private settleSoonIfIdle(): void {
    if (this.running && this.pendingCount() === 0) setImmediate(() => this.running && this.pendingCount() === 0 && this.settle());
  }

  private enqueue(d: Due): void {
    this.due.push(d);
    if (this.running && !this.drainQueued) {
      this.drainQueued = true;
      setImmediate(() => this.drain());
    }
  }

  /** Runs the due callbacks in order (a throw fails the run); then ends the run if it is over. */
  private drain(): void {
    this.drainQueued = false;
    if (!this.running) return;
    this.draining = true;
    try {
      this.runDue();
    } finally {
      this.draining = false;
    }
    if (this.stopped || this.failure !== undefined || this.pendingCount() === 0) this.settle();
  }

  private runDue(): void {
    const { due } = this;
    while (this.dueHead < due.length && !this.stopped && this.failure === undefined) {
      const d = due[this.dueHead];
      due[this.dueHead++] = undefined as unknown as Due;
      if (d.cancelled) continue;
      try {
        d.fn();
      } catch (e) {
        this.failure = { err: e };
      }
    }
    if (this.dueHead >= due.length) {
      due.length = 0;
      this.dueHead = 0;
    }
  }
}

/**
 * Runs async work (a setup, a teardown) while holding the scheduler: on success `done` runs as a
 * scheduler callback; a failure makes run() reject with it (after `onError`, e.g. a clean-up).
 */
export function runHeld(sched: RealScheduler, work: () => Promise<void>, done: () => void, onError?: () => Promise<void>): void {
  const release = sched.hold();
  work().then(
    () => {
      sched.after(0, done);
      release();
    },
    async (e: unknown) => {
      await onError?.().catch(() => undefined);
      sched.fail(e);
      release();
    },
  );
}
