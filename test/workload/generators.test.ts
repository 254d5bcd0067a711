// The append and register generators: unique values per key, the mix, key rotation,
// nondeterministic appends, client slots; all from the seeded Rng.

import { describe, expect, it } from 'vitest';
import { defaultWorkload } from '../../src/config/defaults.js';
import type { WorkloadConfig } from '../../src/config/types.js';
import { Rng } from '../../src/rng.js';
import type { Invocation } from '../../src/targets/types.js';
import { clientSlots, createGenerator, isNondeterministicValue } from '../../src/workload/index.js';

function take(cfg: WorkloadConfig, seed: number, n: number): Invocation[] {
  const g = createGenerator(cfg, new Rng(seed));
  return Array.from({ length: n }, () => g.next());
}

describe('append generator', () => {
  it('appends unique elements per key and reads whole lists (value null)', () => {
    const ops = take({ ...defaultWorkload('append'), maxAppendsPerKey: 0 }, 1, 5000);
    const seen = new Map<string, Set<unknown>>();
    for (const op of ops) {
      expect(['append', 'read']).toContain(op.f);
      if (op.f === 'read') {
        expect(op.value).toBeNull();
        continue;
      }
      const s = seen.get(op.key) ?? new Set();
      expect(s.has(op.value)).toBe(false);
      s.add(op.value);
      seen.set(op.key, s);
    }
    expect(seen.size).toBe(5);
  });

  it('follows the mix', () => {
    const ops = take({ ...defaultWorkload('append'), mix: { append: 3, read: 1 } }, 2, 8000);
    const appends = ops.filter((o) => o.f === 'append').length / ops.length;
    expect(appends).toBeGreaterThan(0.7);
    expect(appends).toBeLessThan(0.8);
    expect(take({ ...defaultWorkload('append'), mix: { read: 1 } }, 2, 100).every((o) => o.f === 'read')).toBe(true);
  });

  it('retires a key after maxAppendsPerKey appends', () => {
    const cfg = { ...defaultWorkload('append'), keys: 2, maxAppendsPerKey: 10, mix: { append: 1 } };
    const g = createGenerator(cfg, new Rng(3));
    const ops = Array.from({ length: 100 }, () => g.next());
    const perKey = new Map<string, number>();
    for (const op of ops) perKey.set(op.key, (perKey.get(op.key) ?? 0) + 1);
    expect([...perKey.values()].every((n) => n <= 10)).toBe(true);
    expect(g.keys().length).toBeGreaterThanOrEqual(10);
    expect(g.keys()).toEqual(expect.arrayContaining([...perKey.keys()]));
  });

  it('marks a fraction of appends nondeterministic', () => {
    const ops = take({ ...defaultWorkload('append'), mix: { append: 1 }, nondeterministic: 0.25 }, 4, 4000);
    const nd = ops.filter((o) => isNondeterministicValue(o.value));
    expect(nd.length / ops.length).toBeGreaterThan(0.2);
    expect(nd.length / ops.length).toBeLessThan(0.3);
    expect(nd[0].value).toEqual({ nondeterministic: 'clock' });
    expect(take({ ...defaultWorkload('append'), nondeterministic: 0 }, 4, 500).some((o) => isNondeterministicValue(o.value))).toBe(false);
  });

  it('is deterministic per seed', () => {
    const cfg = defaultWorkload('append');
    expect(take(cfg, 9, 300)).toEqual(take(cfg, 9, 300));
    expect(take(cfg, 9, 300)).not.toEqual(take(cfg, 10, 300));
  });
});

describe('register generator', () => {
  it('writes values unique per key; cas is [expected, new] with a fresh new value', () => {
    const ops = take(defaultWorkload('register'), 5, 5000);
    const written = new Map<string, Set<unknown>>();
    let cas = 0;
    let casNull = 0;
    for (const op of ops) {
      expect(['read', 'write', 'cas']).toContain(op.f);
      let v: unknown;
      if (op.f === 'read') {
        expect(op.value).toBeNull();
        continue;
      } else if (op.f === 'write') v = op.value;
      else {
        expect(Array.isArray(op.value) && op.value.length === 2).toBe(true);
        const [expected, next] = op.value as [unknown, unknown];
        cas++;
        if (expected === null) casNull++;
        else expect(written.get(op.key)?.has(expected)).toBe(true);
        v = next;
      }
      const s = written.get(op.key) ?? new Set();
      expect(s.has(v)).toBe(false);
      s.add(v);
      written.set(op.key, s);
    }
    expect(cas).toBeGreaterThan(1000);
    expect(casNull).toBeGreaterThan(0);
    expect(createGenerator(defaultWorkload('register'), new Rng(1)).keys()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
  });
});

describe('client slots', () => {
  it('groups sessions into users', () => {
    expect(clientSlots({ ...defaultWorkload('append'), concurrency: 4, sessionsPerUser: 2 })).toEqual([
      { slot: 0, session: 's0', user: 'u0' },
      { slot: 1, session: 's1', user: 'u0' },
      { slot: 2, session: 's2', user: 'u1' },
      { slot: 3, session: 's3', user: 'u1' },
    ]);
    expect(clientSlots({ ...defaultWorkload('append'), concurrency: 2, sessionsPerUser: 1 })).toEqual([
      { slot: 0, session: 's0' },
      { slot: 1, session: 's1' },
    ]);
  });
});
