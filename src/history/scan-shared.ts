// What the parallel JSONL reader (parallel-jsonl.ts) and its scanning thread (scan-worker.ts)
// share: the stretches' bounds, one claim word per stretch, and the signal words.

/** A stretch nobody has claimed yet; claimed by the scanning thread; by the reading thread. */
export const CLAIM_FREE = 0;
export const CLAIM_SCANNER = 1;
export const CLAIM_READER = 2;

/** signal[POSTED]: messages the scanning thread posted; [BEAT]: counts up as it reads lines; [STOP]: set to stop it. */
export const POSTED = 0;
export const BEAT = 1;
export const STOP = 2;
export const SIGNAL_WORDS = 3;

export interface ScanWorkerData {
  path: string;
  /** Stretch c is the bytes [bounds[c], bounds[c + 1]): whole lines, each ending with its newline but the file's last. */
  bounds: Float64Array;
  /** One word per stretch (Int32Array over a SharedArrayBuffer). */
  claims: Int32Array;
  signal: Int32Array;
  /** Fail at once; stall once a stretch is claimed, until told to stop (the tests). */
  fail?: boolean;
  stall?: boolean;
}
