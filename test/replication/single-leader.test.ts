import { describe, expect, it } from 'vitest';
import { Harness, baseConfig } from './harness.js';
import {
  C_FAIL,
  C_OK,
  C_REDIRECT,
  F_APPEND,
  F_CAS,
  F_READ,
  F_WRITE,
  R_LOCAL,
  R_MAX_LAG,
  R_MIN_INDEX,
  SingleLeaderNode,
} from '../../src/replication/index.js';
import type { DesignConfig } from '../../src/config/types.js';

function cluster(over: Partial<DesignConfig> = {}, seed = 1): Harness {
  const h = new Harness(baseConfig({ lagMs: [5, 5], ...over }), seed);
  h.node<SingleLeaderNode>(0).initialLeader();
  h.flush();
  return h;
}

describe('single-leader replication', () => {
  it('async: the leader acknowledges at once, its stream ships to followers after the lag', () => {
    const h = cluster({ replication: 'async', lagMs: [20, 20] });
    const id = h.request(0, F_APPEND, 'k', 1);
    h.flush();
    expect(h.response(id)?.c).toBe(C_OK);
    expect(h.nodes[1]!.readLocal('k')).toBeUndefined();
    h.run(25);
    expect(h.nodes[1]!.readLocal('k')).toEqual([1]);
    expect(h.nodes[2]!.readLocal('k')).toEqual([1]);
  });

  it('sync: the write completes only once every follower has it', () => {
    const h = cluster({ replication: 'sync', failover: { enabled: false, timeoutMs: 500, promote: 'most-up-to-date', fencing: true } });
    h.blocked = (a, b) => (a === 0 && b === 2) || (a === 2 && b === 0);
    const id = h.request(0, F_APPEND, 'k', 1);
    h.run(200);
    expect(h.response(id)).toBeUndefined();
    expect(h.nodes[0]!.readLocal('k')).toBeUndefined(); // not visible before commit
    h.heal();
    h.run(200);
    expect(h.response(id)?.c).toBe(C_OK);
    expect(h.nodes[2]!.readLocal('k')).toEqual([1]);
  });

  it('semi-sync: one follower acknowledgement is enough', () => {
    const h = cluster({ replication: 'semi-sync' });
    h.blocked = (a, b) => (a === 0 && b === 2) || (a === 2 && b === 0);
    const id = h.request(0, F_APPEND, 'k', 1);
    h.run(20);
    expect(h.response(id)?.c).toBe(C_OK);
  });

  it('elects a new leader with a higher term when the leader dies', () => {
    const h = cluster();
    h.kill(0);
    h.run(2000);
    const leaders = h.leaders();
    expect(leaders).toHaveLength(1);
    expect(leaders[0]).not.toBe(0);
    expect(h.nodes[leaders[0]]!.term()).toBeGreaterThan(1);
  });

  it('most-up-to-date never promotes a follower that misses entries; any sometimes does', () => {
    const outcome = (promote: 'any' | 'most-up-to-date', seed: number) => {
      const h = cluster({ failover: { enabled: true, timeoutMs: 500, promote, fencing: true } }, seed);
      h.blocked = (a, b) => a === 0 && b === 2; // n3 misses the leader's writes
      for (let i = 1; i <= 5; i++) h.request(0, F_APPEND, 'k', i);
      h.run(50);
      h.kill(0);
      h.heal();
      h.run(3000);
      const [l] = h.leaders();
      return { leader: l, value: h.nodes[l]!.readLocal('k') };
    };
    const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
    for (const s of seeds) expect(outcome('most-up-to-date', s)).toEqual({ leader: 1, value: [1, 2, 3, 4, 5] });
    expect(seeds.some((s) => outcome('any', s).leader === 2)).toBe(true);
  });

  it('fencing: an isolated old leader stops serving once its lease expires', () => {
    const h = cluster({ failover: { enabled: true, timeoutMs: 500, promote: 'most-up-to-date', fencing: true } });
    h.isolate(0);
    h.run(100);
    const early = h.request(0, F_APPEND, 'k', 1);
    h.run(1);
    expect(h.response(early)?.c).toBe(C_OK); // lease still valid
    h.run(2000);
    const late = h.request(0, F_APPEND, 'k', 2);
    const read = h.request(0, F_READ, 'k', null);
    h.run(1);
    // refused, certainly not applied: the client tries another node
    expect(h.response(late)).toMatchObject({ c: C_REDIRECT, redirect: -1 });
    expect(h.response(read)).toMatchObject({ c: C_REDIRECT, redirect: -1 });
    expect(h.nodes[0]!.readLocal('k')).toEqual([1]);
    const leaders = h.leaders();
    expect(leaders).toHaveLength(1);
    expect(leaders[0]).not.toBe(0);
  });

  it('no fencing: split brain — the isolated old leader acknowledges writes that are lost on rejoin', () => {
    const h = cluster({ failover: { enabled: true, timeoutMs: 500, promote: 'most-up-to-date', fencing: false } });
    h.request(0, F_APPEND, 'k', 1);
    h.run(50);
    h.isolate(0);
    h.run(2000);
    expect(h.leaders().length).toBe(2);
    const orphan = h.request(0, F_APPEND, 'k', 2);
    h.run(1);
    expect(h.response(orphan)?.c).toBe(C_OK);
    const newLeader = h.leaders().find((l) => l !== 0)!;
    h.request(newLeader, F_APPEND, 'k', 3);
    h.run(10);
    expect(h.nodes[0]!.readLocal('k')).toEqual([1, 2]);
    h.heal();
    h.run(2000);
    expect(h.leaders()).toEqual([newLeader]);
    // the old leader's divergent suffix was truncated to the new leader's log
    for (const i of [0, 1, 2]) expect(h.nodes[i]!.readLocal('k')).toEqual([1, 3]);
    const logs = [0, 1, 2].map((i) => h.node<SingleLeaderNode>(i).logEntries().map((e) => e.value));
    expect(logs[0]).toEqual(logs[newLeader]);
  });

  it('a restarted node recovers its durable log and rejoins as a follower', () => {
    const h = cluster();
    for (let i = 1; i <= 3; i++) h.request(0, F_APPEND, 'k', i);
    h.run(50);
    h.kill(2);
    h.request(0, F_APPEND, 'k', 4);
    h.run(50);
    h.restart(2);
    expect(h.nodes[2]!.readLocal('k')).toEqual([1, 2, 3]);
    expect(h.nodes[2]!.isLeader()).toBe(false);
    h.run(200);
    expect(h.nodes[2]!.readLocal('k')).toEqual([1, 2, 3, 4]);
  });

  it('row and mixed logs ship the computed element; statement logs re-execute it and diverge', () => {
    for (const log of ['row', 'statement', 'mixed'] as const) {
      const h = cluster({ log });
      h.offsetNs[1] = 7e6;
      const id = h.request(0, F_APPEND, 'k', { nondeterministic: 'clock' });
      h.run(100);
      const elem = h.response(id)!.value as string;
      expect(elem).toMatch(/^n1@\d+$/);
      expect(h.nodes[0]!.readLocal('k')).toEqual([elem]);
      if (log !== 'statement') expect(h.nodes[1]!.readLocal('k')).toEqual([elem]);
      else expect(h.nodes[1]!.readLocal('k')).not.toEqual([elem]);
    }
  });

  it('cas completes fail when the expected value does not match', () => {
    const h = cluster();
    const a = h.request(0, F_CAS, 'r', [null, 1]);
    const b = h.request(0, F_CAS, 'r', [5, 2]);
    const c = h.request(0, F_WRITE, 'r', 3);
    const d = h.request(0, F_CAS, 'r', [3, 4]);
    h.run(50);
    expect([a, b, c, d].map((id) => h.response(id)?.c)).toEqual([C_OK, C_FAIL, C_OK, C_OK]);
    expect(h.nodes[1]!.readLocal('r')).toBe(4);
  });

  it('routes reads: followers redirect writes, lagging replicas redirect read-your-writes and bounded-lag reads', () => {
    const h = cluster({ lagMs: [100, 100] });
    h.run(110); // the leader's first message reaches the followers after its stream's lag
    const w = h.request(1, F_APPEND, 'k', 1);
    h.flush();
    expect(h.response(w)).toMatchObject({ c: C_REDIRECT, redirect: 0 });
    const ok = h.request(0, F_APPEND, 'k', 1);
    h.run(10);
    const pos = h.response(ok)!.pos;
    expect(pos).toBeGreaterThan(0);
    const ryw = h.request(1, F_READ, 'k', null, R_MIN_INDEX, pos);
    const local = h.request(1, F_READ, 'k', null, R_LOCAL);
    h.flush();
    expect(h.response(ryw)?.c).toBe(C_REDIRECT);
    expect(h.response(local)).toMatchObject({ c: C_OK, value: undefined });
    h.run(200);
    const ryw2 = h.request(1, F_READ, 'k', null, R_MIN_INDEX, pos);
    h.flush();
    expect(h.response(ryw2)).toMatchObject({ c: C_OK, value: [1] });
    // bounded lag: cut the follower off; its lag grows past the bound
    h.isolate(1);
    h.run(300);
    const bl = h.request(1, F_READ, 'k', null, R_MAX_LAG, 0, 100);
    h.flush();
    expect(h.response(bl)?.c).toBe(C_REDIRECT);
    expect(h.nodes[1]!.lagMs()).toBeGreaterThan(100);
  });
});

describe('trigger-based log', () => {
  const trig = (batchSize = 100) => cluster({ log: 'trigger', lagMs: [5, 5], trigger: { keys: ['a*'], batchMs: 100, batchSize } });

  it('ships only the captured keys, in batches read every batchMs; followers hold only those', () => {
    const h = trig();
    h.run(1); // the capture process first reads at 100 ms
    const a = h.request(0, F_APPEND, 'a1', 1);
    const b = h.request(0, F_APPEND, 'b1', 2);
    h.flush();
    expect([a, b].map((id) => h.response(id)?.c)).toEqual([C_OK, C_OK]);
    h.run(90);
    expect(h.nodes[1]!.readLocal('a1')).toBeUndefined(); // not read from the changes table yet
    h.run(20); // the tick at 100 ms, plus the 5 ms stream lag
    expect(h.nodes[1]!.readLocal('a1')).toEqual([1]);
    expect(h.nodes[1]!.readLocal('b1')).toBeUndefined(); // never replicated
    expect(h.nodes[1]!.holds!('a1')).toBe(true);
    expect(h.nodes[1]!.holds!('b1')).toBe(false);
    expect(h.nodes[0]!.holds!('b1')).toBe(true);
    // the follower serves the captured key, sends reads of the others to the leader
    const ra = h.request(1, F_READ, 'a1', null, R_LOCAL);
    const rb = h.request(1, F_READ, 'b1', null, R_LOCAL);
    h.flush();
    expect(h.response(ra)).toMatchObject({ c: C_OK, value: [1] });
    expect(h.response(rb)).toMatchObject({ c: C_REDIRECT, redirect: 0 });
  });

  it('the capture process ships at most batchSize captured changes per read', () => {
    const h = trig(2);
    h.run(1);
    for (let i = 1; i <= 5; i++) h.request(0, F_APPEND, 'a1', i);
    h.run(110);
    expect(h.nodes[2]!.readLocal('a1')).toEqual([1, 2]);
    h.run(100);
    expect(h.nodes[2]!.readLocal('a1')).toEqual([1, 2, 3, 4]);
    h.run(100);
    expect(h.nodes[2]!.readLocal('a1')).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('bounded-lag estimates', () => {
  it('use wall clocks, so a replica whose clock runs behind underestimates its lag and serves stale reads', () => {
    const h = cluster({ lagMs: [0, 0] });
    h.request(0, F_APPEND, 'k', 1);
    h.run(10);
    h.isolate(1);
    h.request(0, F_APPEND, 'k', 2);
    h.run(400);
    const honest = h.request(1, F_READ, 'k', null, R_MAX_LAG, 0, 100);
    h.flush();
    expect(h.response(honest)?.c).toBe(C_REDIRECT);
    h.offsetNs[1] = -1e9; // n2's clock falls a second behind
    const fooled = h.request(1, F_READ, 'k', null, R_MAX_LAG, 0, 100);
    h.flush();
    expect(h.response(fooled)).toMatchObject({ c: C_OK, value: [1] }); // stale: [1, 2] is committed
  });
});

describe('router', () => {
  it('follows redirects, rotates past nodes that know no leader, tracks read-your-writes positions', async () => {
    const { Router } = await import('../../src/replication/index.js');
    const { Rng } = await import('../../src/rng.js');
    const r = new Router(baseConfig({ readFrom: 'read-your-writes', readYourWritesScope: 'user' }), 3, new Rng(1));
    expect(r.redirected(2)).toBe(2);
    expect(r.redirected(-1, 2)).toBe(0);
    expect(r.redirected(-1, 1)).toBe(2);
    r.timedOut(2);
    expect(r.leaderHint).toBe(0);
    r.wrote('s1', 'u1', 7);
    const out = { node: 0, route: 0, minIndex: 0, maxLagMs: 0 };
    r.route(F_READ, 's2', 'u1', out); // another device of the same user
    expect(out).toMatchObject({ route: R_MIN_INDEX, minIndex: 7 });
    const s = new Router(baseConfig({ readFrom: 'read-your-writes', readYourWritesScope: 'session' }), 3, new Rng(1));
    s.wrote('s1', 'u1', 7);
    s.route(F_READ, 's2', 'u1', out);
    expect(out.minIndex).toBe(0);
    s.route(F_WRITE, 's2', 'u1', out);
    expect(out.node).toBe(s.leaderHint);
  });
});
