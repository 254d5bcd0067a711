// The generator role: produces client invocations one at a time from the seeded Rng.

import type { Invocation } from '../targets/types.js';

export interface Generator {
  /** The next operation to invoke (the caller decides when), for the client slot issuing it (ownedKeys: writes go to its owner's keys). */
  next(slot?: ClientSlot): Invocation;
  /** Every key an operation has used so far, in first-use order (for the final reads). */
  keys(): string[];
}

/** One concurrent client slot: its session and user (kept across process ids after `info`). */
export interface ClientSlot {
  slot: number;
  session: string;
  user?: string;
}
