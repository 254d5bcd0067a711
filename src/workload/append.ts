// The list-append generator: appends of elements unique per key (1, 2, 3, ... per key) and reads
// of whole lists over a rotating set of keys; some appends may be nondeterministic statements.

import type { WorkloadConfig } from '../config/types.js';
import type { Rng } from '../rng.js';
import type { Invocation } from '../targets/types.js';
import { makeMix, pickF } from './mix.js';
import { ownedPosition, ownership } from './slots.js';
import type { ClientSlot, Generator } from './types.js';

/** The invocation value of a nondeterministic append: the executing node computes the element. */
export const NONDETERMINISTIC_CLOCK = { nondeterministic: 'clock' } as const;

export function isNondeterministicValue(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'nondeterministic' in v;
}

export function appendGenerator(cfg: WorkloadConfig, rng: Rng): Generator {
  const mix = makeMix(cfg.mix, ['append', 'read']);
  const maxAppends = cfg.maxAppendsPerKey ?? 0;
  let nextKeyId = 0;
  const all: string[] = [];
  const active: string[] = [];
  const appends = new Map<string, number>();
  // ownedKeys: position i of `active` belongs to own.owners[i mod owners]; a retired key's
  // replacement keeps the position's owner.
  const own = ownership(cfg);
  const fresh = (pos: number): string => {
    const k = own === undefined ? `k${nextKeyId++}` : `${own.owners[pos % own.owners.length]}:k${nextKeyId++}`;
    all.push(k);
    appends.set(k, 0);
    return k;
  };
  for (let i = 0; i < cfg.keys; i++) active.push(fresh(i));

  return {
    next(client?: ClientSlot): Invocation {
      const f = pickF(mix, rng);
      const pick = (n: number): number => rng.int(0, n - 1);
      const owned = own !== undefined && f !== 'read' && client !== undefined ? ownedPosition(own, client, pick) : undefined;
      const slot = owned ?? pick(active.length);
      const key = active[slot];
      if (f === 'read') return { f: 'read', key, value: null };
      const n = appends.get(key)! + 1;
      appends.set(key, n);
      if (maxAppends > 0 && n >= maxAppends) active[slot] = fresh(slot);
      if (cfg.nondeterministic > 0 && rng.chance(cfg.nondeterministic)) {
        return { f: 'append', key, value: { ...NONDETERMINISTIC_CLOCK } };
      }
      return { f: 'append', key, value: n };
    },
    keys: () => all.slice(),
  };
}
