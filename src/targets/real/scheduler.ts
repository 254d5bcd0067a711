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
}

export function createRealScheduler(): RealScheduler {
  const startMs = performance.now();
  const timers = new Set<NodeJS.Timeout>();
  const due: Due[] = [];
  let dueHead = 0;
  let holds = 0;
  let running = false;
  let stopped = false;
  let failure: { err: unknown } | undefined;
  let wake: (() => void) | undefined;
  let drainQueued = false;

  const pendingCount = (): number => timers.size + holds + (due.length - dueHead);

  const settle = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const drain = (): void => {
    drainQueued = false;
    if (!running) return;
    while (dueHead < due.length && !stopped && failure === undefined) {
      const d = due[dueHead];
      due[dueHead++] = undefined as unknown as Due;
      if (d.cancelled) continue;
      try {
        d.fn();
      } catch (e) {
        failure = { err: e };
      }
    }
    if (dueHead >= due.length) {
      due.length = 0;
      dueHead = 0;
    }
    if (stopped || failure !== undefined || pendingCount() === 0) settle();
  };

  const enqueue = (d: Due): void => {
    due.push(d);
    if (running && !drainQueued) {
      drainQueued = true;
      setImmediate(drain);
    }
  };

  return {
    // performance.now() (a double of ms, sub-µs precise) rather than hrtime.bigint(): no BigInt per call
    nowNs: () => Math.round((performance.now() - startMs) * 1e6),
    after(delayNs: number, fn: () => void): Timer {
      // Node's timers have a 1 ms granularity: a shorter delay (a think time of 0.1 ms) would cost a
      // whole millisecond per op, so it runs at the next turn instead.
      const ms = delayNs >= 1e6 ? delayNs / 1e6 : 0;
      if (ms === 0) {
        const d = new Due(fn);
        enqueue(d);
        return d;
      }
      let cancelled = false;
      const t = setTimeout(() => {
        timers.delete(t);
        if (!cancelled) enqueue(new Due(fn));
        else if (running && pendingCount() === 0) settle();
      }, ms);
      t.unref();
      timers.add(t);
      return {
        cancel() {
          if (cancelled) return;
          cancelled = true;
          clearTimeout(t);
          timers.delete(t);
          if (running && pendingCount() === 0) setImmediate(() => running && pendingCount() === 0 && settle());
        },
      };
    },
    hold() {
      holds++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds--;
        if (running && pendingCount() === 0) setImmediate(() => running && pendingCount() === 0 && settle());
      };
    },
    fail(err: unknown) {
      if (failure === undefined) failure = { err };
      settle();
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
    stop() {
      stopped = true;
      settle();
    },
    run(): Promise<void> {
      if (running) return Promise.reject(new Error('scheduler: run() is already running'));
      if (failure !== undefined) {
        const err = failure.err;
        failure = undefined; // reported once; a later run() (e.g. a teardown after the failure) works
        return Promise.reject(err);
      }
      running = true;
      stopped = false;
      // A ref'd handle keeps the process alive while the run waits on unref'd timers.
      const keepAlive = setInterval(() => {}, 1 << 30);
      return new Promise<void>((resolve, reject) => {
        wake = () => {
          running = false;
          clearInterval(keepAlive);
          if (failure !== undefined) {
            const err = failure.err;
            failure = undefined;
            reject(err);
          } else resolve();
        };
        drainQueued = true;
        setImmediate(drain);
      });
    },
  };
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
