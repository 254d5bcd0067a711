// The client slots of a workload (sessions, users) and key ownership: with `ownedKeys`, each user
// (a session without a user is its own user) owns a share of the keys, named `<owner>:k<i>`.

import type { WorkloadConfig } from '../config/types.js';
import type { ClientSlot } from './types.js';

/** Slot i is session s<i> of user u<i / sessionsPerUser> (no user when every session is its own). */
export function clientSlots(cfg: WorkloadConfig): ClientSlot[] {
  const out: ClientSlot[] = [];
  for (let i = 0; i < cfg.concurrency; i++) {
    const s: ClientSlot = { slot: i, session: `s${i}` };
    if (cfg.sessionsPerUser > 1) s.user = `u${Math.floor(i / cfg.sessionsPerUser)}`;
    out.push(s);
  }
  return out;
}

/** Who owns a slot's keys: its user, or its session when it has none. */
export function slotOwner(s: ClientSlot): string {
  return s.user ?? s.session;
}

/**
 * Key ownership of a workload: key position i (of `keys`) belongs to owners[i mod owners.length];
 * `positions[o]` lists the positions owner o holds. Undefined without `ownedKeys`.
 */
export interface Ownership {
  owners: string[];
  index: Map<string, number>;
  positions: number[][];
}

export function ownership(cfg: WorkloadConfig): Ownership | undefined {
  if (cfg.ownedKeys !== true) return undefined;
  const owners: string[] = [];
  const index = new Map<string, number>();
  for (const s of clientSlots(cfg)) {
    const o = slotOwner(s);
    if (!index.has(o)) {
      index.set(o, owners.length);
      owners.push(o);
    }
  }
  const positions: number[][] = owners.map(() => []);
  for (let i = 0; i < cfg.keys; i++) positions[i % owners.length].push(i);
  return { owners, index, positions };
}

/** The key position a write of this slot goes to: one its owner holds (rng draws one int, like a free choice). */
export function ownedPosition(own: Ownership, slot: ClientSlot, pick: (n: number) => number): number | undefined {
  const o = own.index.get(slotOwner(slot));
  if (o === undefined || own.positions[o].length === 0) return undefined;
  const mine = own.positions[o];
  return mine[pick(mine.length)];
}
