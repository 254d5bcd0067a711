// Workload generators by kind, and the client slots (sessions, users) of a workload.

import type { WorkloadConfig } from '../config/types.js';
import type { Rng } from '../rng.js';
import { appendGenerator } from './append.js';
import { registerGenerator } from './register.js';
import type { ClientSlot, Generator } from './types.js';

export { isNondeterministicValue, NONDETERMINISTIC_CLOCK } from './append.js';
export type { ClientSlot, Generator } from './types.js';

export function createGenerator(cfg: WorkloadConfig, rng: Rng): Generator {
  return cfg.kind === 'register' ? registerGenerator(cfg, rng) : appendGenerator(cfg, rng);
}

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
