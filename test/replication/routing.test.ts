// The routing policies leader-after-write and owner-on-leader, datacenter placement and latency,
// key ownership in the workload, and the config checks of the new knobs.

import { describe, expect, it } from 'vitest';
import type { DesignConfig, WorkloadConfig } from '../../src/config/types.js';
import { defaultWorkload } from '../../src/config/defaults.js';
import { loadRunConfig } from '../../src/config/load.js';
import { UserError } from '../../src/errors.js';
import { placeSites } from '../../src/replication/datacenters.js';
import { Router, ownsKey, type Route } from '../../src/replication/routing.js';
import { F_READ, F_WRITE, R_LEADER, R_LOCAL } from '../../src/replication/types.js';
import { Rng } from '../../src/rng.js';
import { createMemoryTarget } from '../../src/targets/memory/index.js';
import type { Completion } from '../../src/targets/types.js';
import { clientSlots, createGenerator } from '../../src/workload/index.js';
import { baseConfig, drive } from '../targets/memory/driver.js';

const out = (): Route => ({ node: -1, route: -1, minIndex: 0, maxLagMs: 0 });

function routeOf(r: Router, f: number, session: string, user: string | undefined, key: string, nowMs: number): Route {
  const o = out();
  r.route(f, session, user, o, key, nowMs);
  return o;
}

describe('leader-after-write', () => {
  const cfg = (over: Partial<DesignConfig> = {}) => baseConfig({ readFrom: 'leader-after-write', leaderWindowMs: 100, ...over });

  it('reads from the leader for leaderWindowMs after the session’s own ok write, from any replica otherwise', () => {
    const r = new Router(cfg(), 3, new Rng(1));
    r.leaderHint = 2;
    expect(routeOf(r, F_READ, 's1', 'u1', 'k', 0).route).toBe(R_LOCAL); // never wrote
    r.wrote('s1', 'u1', 0, 1000); // position 0: the time still counts (multi-leader has none)
    expect(routeOf(r, F_READ, 's1', 'u1', 'k', 1099)).toMatchObject({ node: 2, route: R_LEADER });
    expect(routeOf(r, F_READ, 's1', 'u1', 'k', 1100).route).toBe(R_LOCAL);
    expect(routeOf(r, F_WRITE, 's1', 'u1', 'k', 5000)).toMatchObject({ node: 2, route: R_LEADER });
  });

  it('session scope: another device of the user does not know the write; user scope: it does (kept in the router)', () => {
    const s = new Router(cfg({ readYourWritesScope: 'session' }), 3, new Rng(1));
    s.wrote('s1', 'u1', 5, 1000);
    expect(routeOf(s, F_READ, 's2', 'u1', 'k', 1010).route).toBe(R_LOCAL);
    const u = new Router(cfg({ readYourWritesScope: 'user' }), 3, new Rng(1));
    u.wrote('s1', 'u1', 5, 1000);
    expect(routeOf(u, F_READ, 's2', 'u1', 'k', 1010).route).toBe(R_LEADER);
    expect(routeOf(u, F_READ, 's3', 'u2', 'k', 1010).route).toBe(R_LOCAL);
  });

  it('a window of 0 never reads from the leader', () => {
    const r = new Router(cfg({ leaderWindowMs: 0 }), 3, new Rng(1));
    r.wrote('s1', undefined, 1, 10);
    expect(routeOf(r, F_READ, 's1', undefined, 'k', 10).route).toBe(R_LOCAL);
  });

  it('multi-leader: "the leader" is the home node the session writes to', () => {
    const r = new Router(cfg({ topology: 'multi-leader', readYourWritesScope: 'user' }), 5, new Rng(3));
    const home = r.home('s1', 'u1');
    expect(r.home('s2', 'u1')).toBe(home); // user scope: one home for all devices
    r.wrote('s2', 'u1', 0, 0);
    for (let i = 0; i < 20; i++) expect(routeOf(r, F_READ, 's1', 'u1', 'k', 50).node).toBe(home);
    const later = new Set(Array.from({ length: 50 }, () => routeOf(r, F_READ, 's1', 'u1', 'k', 500).node));
    expect(later.size).toBeGreaterThan(1);
  });
});

describe('owner-on-leader', () => {
  it('keys named <owner>:… belong to that owner only', () => {
    expect(ownsKey('u1', 'u1:k3')).toBe(true);
    expect(ownsKey('u1', 'u10:k3')).toBe(false);
    expect(ownsKey('u1', 'u1')).toBe(false);
    expect(ownsKey('u1', 'k3')).toBe(false);
    expect(ownsKey('s4', 's4:k0')).toBe(true);
  });

  it('reads the user’s own keys from the leader, everything else from any replica (writes: the leader)', () => {
    const r = new Router(baseConfig({ readFrom: 'owner-on-leader' }), 3, new Rng(1));
    r.leaderHint = 1;
    expect(routeOf(r, F_READ, 's0', 'u0', 'u0:k2', 0)).toMatchObject({ node: 1, route: R_LEADER });
    expect(routeOf(r, F_READ, 's1', 'u0', 'u0:k2', 0).route).toBe(R_LEADER); // any device of the owner
    expect(routeOf(r, F_READ, 's2', 'u1', 'u0:k2', 0).route).toBe(R_LOCAL);
    expect(routeOf(r, F_READ, 's0', 'u0', 'k2', 0).route).toBe(R_LOCAL); // unowned key
    expect(routeOf(r, F_READ, 's3', undefined, 's3:k1', 0).route).toBe(R_LEADER); // no user: the session owns
  });
});

describe('workload ownedKeys', () => {
  const wl = (over: Partial<WorkloadConfig> = {}): WorkloadConfig => ({ ...defaultWorkload('append'), keys: 6, ownedKeys: true, ...over });

  it('names keys <owner>:k<i>; a slot writes only its owner’s keys and reads any key', () => {
    const cfg = wl({ maxAppendsPerKey: 5 });
    const gen = createGenerator(cfg, new Rng(4));
    const slots = clientSlots(cfg);
    const readKeys = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const slot = slots[i % slots.length];
      const op = gen.next(slot);
      if (op.f === 'read') readKeys.add(op.key.split(':')[0]);
      else expect(op.key.startsWith(`${slot.user}:`), `${slot.session} of ${slot.user} wrote ${op.key}`).toBe(true);
    }
    expect(readKeys).toEqual(new Set(['u0', 'u1', 'u2']));
    expect(gen.keys().length).toBeGreaterThan(6); // retired keys were replaced, keeping their owner
    expect(gen.keys().every((k) => /^u[012]:k\d+$/.test(k))).toBe(true);
  });

  it('register keys are owned too; without ownedKeys keys stay k<i> and the slot changes nothing', () => {
    const cfg = { ...defaultWorkload('register'), keys: 4, ownedKeys: true, sessionsPerUser: 1, concurrency: 2 };
    expect(createGenerator(cfg, new Rng(1)).keys()).toEqual(['s0:k0', 's1:k1', 's0:k2', 's1:k3']);
    const plain = defaultWorkload('append');
    const a = createGenerator(plain, new Rng(9));
    const b = createGenerator(plain, new Rng(9));
    const slots = clientSlots(plain);
    for (let i = 0; i < 200; i++) expect(a.next(slots[i % 6])).toEqual(b.next());
  });

  it('is checked: every user needs a key', () => {
    expect(() => loadRunConfig({ seed: 1, set: ['workload.ownedKeys=true', 'workload.keys=2'] })).toThrow(/at least 3 keys/);
    expect(loadRunConfig({ seed: 1, workload: 'append-owned' }).config.workload.ownedKeys).toBe(true);
  });
});

describe('datacenters', () => {
  const dcs = { sites: [{ name: 'east', nodes: ['n1', 'n2'] }, { name: 'west', nodes: ['n3'] }], latencyMs: [30, 30] as [number, number], placement: 'per-device' as const };

  it('places nodes, and sessions per device (a user’s devices apart) or at the user’s home', () => {
    const s = placeSites(dcs, 3);
    expect(s.nodeSite).toEqual([0, 0, 1]);
    expect(s.local).toEqual([[0, 1], [2]]);
    expect([s.siteOf('s0', 'u0'), s.siteOf('s1', 'u0'), s.siteOf('s2', 'u1'), s.siteOf('s3', 'u1')]).toEqual([0, 1, 0, 1]);
    const h = placeSites({ ...dcs, placement: 'user-home' }, 3);
    expect([h.siteOf('s0', 'u0'), h.siteOf('s1', 'u0'), h.siteOf('s2', 'u1'), h.siteOf('s3', 'u1')]).toEqual([0, 0, 1, 1]);
    expect(h.siteOf('s5', undefined)).toBe(1); // no user: the session is its own
  });

  it('a router reads only from its datacenter’s nodes; writes go to the leader wherever it is', () => {
    const r = new Router(baseConfig({ readFrom: 'any' }), 3, new Rng(1), [2]);
    for (let i = 0; i < 20; i++) expect(routeOf(r, F_READ, 's1', 'u0', 'k', 0).node).toBe(2);
    expect(routeOf(r, F_WRITE, 's1', 'u0', 'k', 0).node).toBe(0);
    expect(r.home('s1', 'u0')).toBe(2);
  });

  it('the memory target adds the latency between datacenters to a client’s round trip', async () => {
    const t = createMemoryTarget(baseConfig({ readFrom: 'leader', latencyMs: [1, 1], datacenters: dcs }), new Rng(1));
    const times: Record<string, number> = {};
    t.setup(() => {
      for (const session of ['s0', 's1']) {
        const start = t.scheduler.nowNs();
        t.client({ process: 0, session, user: 'u0' }).invoke({ f: 'read', key: 'k', value: null }, (c: Completion) => {
          expect(c.type).toBe('ok');
          times[session] = (t.scheduler.nowNs() - start) / 1e6;
          if (Object.keys(times).length === 2) t.teardown(() => {});
        });
      }
    });
    await t.scheduler.run();
    expect(times).toEqual({ s0: 2, s1: 60 }); // east reads the leader n1 locally; west crosses twice
  });

  it('is deterministic: same seed, same trace', async () => {
    const cfg = baseConfig({ readFrom: 'read-your-writes', readYourWritesScope: 'user', datacenters: { ...dcs, latencyMs: [10, 40] } });
    const a = await drive(cfg, { seed: 5, ops: 600, clients: 4, sessionsPerUser: 2 });
    const b = await drive(cfg, { seed: 5, ops: 600, clients: 4, sessionsPerUser: 2 });
    expect(JSON.stringify(b.trace)).toBe(JSON.stringify(a.trace));
    expect(a.trace.some((e) => e.node === 'n3' && e.f === 'read')).toBe(true);
  });

  it('is checked: every node in exactly one datacenter, memory target only (exit 2)', () => {
    const set = (v: string, type = 'memory') => () => loadRunConfig({ seed: 1, target: type, set: [`target.datacenters=${v}`] });
    expect(set('{sites: [{name: a, nodes: [n1, n2]}], latencyMs: 5}')).toThrow(/missing n3/);
    expect(set('{sites: [{name: a, nodes: [n1, n2, n3]}, {name: b, nodes: [n3]}], latencyMs: 5}')).toThrow(/n3 is already in datacenter "a"/);
    expect(set('{sites: [{name: a, nodes: [n1, n4]}], latencyMs: 5}')).toThrow(/expected a node n1 to n3/);
    expect(set('{sites: [{name: a, nodes: [n1, n2, n3]}], latencyMs: 5}', 'http')).toThrow(/memory target only/);
    expect(set('{sites: [{name: a, nodes: [n1, n2, n3]}], latencyMs: 5}', 'http')).toThrow(UserError); // the CLI's exit 2
    const ok = loadRunConfig({ seed: 1, target: 'memory-datacenters' }).config.target as DesignConfig;
    expect(ok.datacenters?.placement).toBe('per-device');
  });
});
