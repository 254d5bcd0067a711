// Workload generators by kind, and the client slots (sessions, users) of a workload.

import type { WorkloadConfig } from '../config/types.js';
import type { Rng } from '../rng.js';
import { appendGenerator } from './append.js';
import { registerGenerator } from './register.js';
import type { Generator } from './types.js';

export { isNondeterministicValue, NONDETERMINISTIC_CLOCK } from './append.js';
export type { ClientSlot, Generator } from './types.js';
export { clientSlots, ownership, slotOwner, type Ownership } from './slots.js';

export function createGenerator(cfg: WorkloadConfig, rng: Rng): Generator {
  return cfg.kind === 'register' ? registerGenerator(cfg, rng) : appendGenerator(cfg, rng);
}

