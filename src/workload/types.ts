// The generator role: produces client invocations one at a time from the seeded Rng.

import type { Invocation } from '../targets/types.js';

export interface Generator {
  /** The next operation to invoke (the caller decides when). */
  next(): Invocation;
  /** Every key an operation has used so far, in first-use order (for the final reads). */
  keys(): string[];
}

/** One concurrent client slot: its session and user (kept across process ids after `info`). */
export interface ClientSlot {
  slot: number;
  session: string;
  user?: string;
}
