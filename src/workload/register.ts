// The register generator: reads, writes of values unique per key, and cas [expected, new] whose
// expected value is one recently written to the key (or null), so some cas ops succeed.

import type { WorkloadConfig } from '../config/types.js';
import type { Rng } from '../rng.js';
import type { Invocation } from '../targets/types.js';
import { makeMix, pickF } from './mix.js';
import { ownedPosition, ownership } from './slots.js';
import type { ClientSlot, Generator } from './types.js';

const RECENT = 3;

export function registerGenerator(cfg: WorkloadConfig, rng: Rng): Generator {
  const mix = makeMix(cfg.mix, ['read', 'write', 'cas']);
  const keys: string[] = [];
  const own = ownership(cfg);
  for (let i = 0; i < cfg.keys; i++) keys.push(own === undefined ? `k${i}` : `${own.owners[i % own.owners.length]}:k${i}`);
  const counter = new Map<string, number>(keys.map((k) => [k, 0]));
  const recent = new Map<string, number[]>(keys.map((k) => [k, []]));
  const freshValue = (key: string): number => {
    const v = counter.get(key)! + 1;
    counter.set(key, v);
    const r = recent.get(key)!;
    r.push(v);
    if (r.length > RECENT) r.shift();
    return v;
  };

  return {
    next(client?: ClientSlot): Invocation {
      const f = pickF(mix, rng);
      const owned = own !== undefined && f !== 'read' && client !== undefined ? ownedPosition(own, client, (n) => rng.int(0, n - 1)) : undefined;
      const key = owned !== undefined ? keys[owned] : rng.pick(keys);
      if (f === 'read') return { f: 'read', key, value: null };
      if (f === 'write') return { f: 'write', key, value: freshValue(key) };
      const r = recent.get(key)!;
      const expected = r.length === 0 || rng.chance(0.1) ? null : rng.pick(r);
      return { f: 'cas', key, value: [expected, freshValue(key)] };
    },
    keys: () => keys.slice(),
  };
}
