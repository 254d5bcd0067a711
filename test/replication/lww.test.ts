import { describe, expect, it } from 'vitest';
import { Harness, baseConfig } from './harness.js';
import { C_FAIL, C_OK, F_APPEND, F_CAS, F_READ, F_WRITE, LeaderlessNode, newer, R_LOCAL } from '../../src/replication/index.js';

const leaderless = (over = {}) =>
  new Harness(baseConfig({ topology: 'leaderless', quorum: { n: 3, w: 2, r: 2, readRepair: true }, ...over }));

describe('LWW versions', () => {
  it('order by timestamp, then node, then seq', () => {
    const v = (tsNs: number, node: number, seq: number) => ({ value: null, tsNs, node, seq });
    expect(newer(v(2, 0, 0), v(1, 5, 5))).toBe(true);
    expect(newer(v(1, 1, 0), v(1, 0, 9))).toBe(true);
    expect(newer(v(1, 1, 2), v(1, 1, 1))).toBe(true);
    expect(newer(v(1, 1, 1), undefined)).toBe(true);
    expect(newer(v(1, 1, 1), v(1, 1, 1))).toBe(false);
  });
});

describe('leaderless quorums', () => {
  it('a write acknowledged by w replicas is read back by an r quorum', () => {
    const h = leaderless();
    const w = h.request(0, F_WRITE, 'x', 1);
    h.flush();
    expect(h.response(w)?.c).toBe(C_OK);
    const r = h.request(2, F_READ, 'x', null, R_LOCAL);
    h.flush();
    expect(h.response(r)).toMatchObject({ c: C_OK, value: 1, node: 2 });
  });

  it('clock skew: a later write from a node whose clock is behind silently loses', () => {
    const h = leaderless();
    h.request(0, F_WRITE, 'x', 'first');
    h.flush();
    h.offsetNs[1] = -5e9; // n2 runs 5 s behind
    h.run(10);
    const w = h.request(1, F_WRITE, 'x', 'second');
    h.flush();
    expect(h.response(w)?.c).toBe(C_OK);
    const r = h.request(2, F_READ, 'x', null);
    h.flush();
    expect(h.response(r)?.value).toBe('first');
  });

  it('appends are read-modify-write of the whole list: concurrent appends lose all but one', () => {
    const h = leaderless();
    const a = h.request(0, F_APPEND, 'k', 1);
    const b = h.request(1, F_APPEND, 'k', 2);
    h.flush();
    expect(h.response(a)?.c).toBe(C_OK);
    expect(h.response(b)?.c).toBe(C_OK);
    const r = h.request(2, F_READ, 'k', null);
    h.flush();
    expect((h.response(r)?.value as unknown[]).length).toBe(1);
    // sequential appends keep both
    const h2 = leaderless();
    h2.request(0, F_APPEND, 'k', 1);
    h2.flush();
    h2.run(1);
    h2.request(1, F_APPEND, 'k', 2);
    h2.flush();
    const r2 = h2.request(2, F_READ, 'k', null);
    h2.flush();
    expect(h2.response(r2)?.value).toEqual([1, 2]);
  });

  it('cas compares against the newest value of a read quorum', () => {
    const h = leaderless();
    const a = h.request(0, F_CAS, 'r', [null, 1]);
    h.flush();
    const b = h.request(1, F_CAS, 'r', [7, 2]);
    h.flush();
    expect(h.response(a)?.c).toBe(C_OK);
    expect(h.response(b)?.c).toBe(C_FAIL);
  });

  it('read repair brings a stale replica up to date', () => {
    for (const readRepair of [true, false]) {
      const h = leaderless({ quorum: { n: 3, w: 2, r: 3, readRepair } });
      const stale = [0, 1, 2].find((i) => i !== 0)!;
      h.blocked = (a, b) => b === stale && a < 3;
      h.request(0, F_WRITE, 'x', 1);
      h.flush();
      expect(h.node<LeaderlessNode>(stale).version('x')).toBeUndefined();
      h.heal();
      h.request(0, F_READ, 'x', null);
      h.flush();
      expect(h.node<LeaderlessNode>(stale).version('x')?.value).toBe(readRepair ? 1 : undefined);
    }
  });
});

describe('multi-leader', () => {
  const ml = () => new Harness(baseConfig({ topology: 'multi-leader', lagMs: [5, 5] }));

  it('every node accepts writes locally and replicates them to the others', () => {
    const h = ml();
    const a = h.request(0, F_WRITE, 'x', 'a');
    h.flush();
    expect(h.response(a)?.c).toBe(C_OK);
    expect(h.nodes[1]!.readLocal('x')).toBeUndefined();
    h.run(10);
    expect(h.nodes[1]!.readLocal('x')).toBe('a');
  });

  it('writes lost in a partition are shipped again after it heals, and the nodes converge by LWW', () => {
    const h = ml();
    h.isolate(0);
    h.request(0, F_WRITE, 'x', 'left');
    h.run(1);
    h.request(1, F_WRITE, 'x', 'right');
    h.run(200);
    expect(h.nodes[0]!.readLocal('x')).toBe('left');
    expect(h.nodes[1]!.readLocal('x')).toBe('right');
    h.heal();
    h.run(500);
    const vals = [0, 1, 2].map((i) => h.nodes[i]!.readLocal('x'));
    expect(new Set(vals).size).toBe(1);
    expect(vals[0]).toBe('right'); // the later timestamp wins
  });

  it('concurrent appends on two leaders: one silently overwrites the other', () => {
    const h = ml();
    h.request(0, F_APPEND, 'k', 1);
    h.request(1, F_APPEND, 'k', 2);
    h.run(100);
    const vals = [0, 1, 2].map((i) => JSON.stringify(h.nodes[i]!.readLocal('k')));
    expect(new Set(vals).size).toBe(1);
    expect(JSON.parse(vals[0]).length).toBe(1);
  });
});
