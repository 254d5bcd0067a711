// Runs a target's scheduler in slices of about SLICE_MS of wall time, returning to the event loop
// between slices so signals (Ctrl-C) and the progress bar get a turn. Slicing never changes the
// order of events, so the history stays deterministic.

import { performance } from 'node:perf_hooks';
import type { Scheduler } from '../targets/types.js';

const SLICE_MS = 50;
/** How often (virtual time) the slicer looks at the wall clock. */
const CHECK_EVERY_NS = 5_000_000;

export interface Driver {
  /** Runs until finish() is called (from a callback or between slices). */
  run(betweenSlices?: () => void): Promise<void>;
  /** Ends the drive: the current slice stops after the running callback. */
  finish(): void;
}

export function createDriver(scheduler: Scheduler): Driver {
  let done = false;
  let sliceStartMs = 0;
  const tick = (): void => {
    if (done) return;
    if (performance.now() - sliceStartMs > SLICE_MS) scheduler.stop();
    scheduler.after(CHECK_EVERY_NS, tick);
  };
  return {
    async run(betweenSlices) {
      scheduler.after(CHECK_EVERY_NS, tick);
      while (!done) {
        sliceStartMs = performance.now();
        await scheduler.run();
        if (done) break;
        betweenSlices?.();
        await new Promise<void>((r) => setImmediate(r));
      }
    },
    finish() {
      done = true;
      scheduler.stop();
    },
  };
}
