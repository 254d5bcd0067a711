// The built-in etcd client against a real etcd 3.4 cluster (no mocks): append and register
// workloads, read routing, leader discovery, fault outcomes, final reads, and the error table.

import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientContext, ExternalClient, OpContext, OpResult } from '../../../src/targets/external/client-api.js';
import { classifyEtcdError, open } from '../../../src/targets/external/clients/etcd.js';
import { pidAlive } from '../../../src/targets/real/processes.js';
import { startEtcdCluster, type EtcdCluster } from '../../support/etcd-cluster.js';

const HAVE_ETCD = fs.existsSync('/usr/bin/etcd');
const OP_TIMEOUT_MS = 5_000;

function opCtx(session: string, timeoutMs = OP_TIMEOUT_MS): OpContext {
  return { process: 0, session, signal: AbortSignal.timeout(timeoutMs) };
}

function clientFor(cluster: EtcdCluster, workload: ClientContext['workload'], options: Record<string, unknown> = {}): Promise<ExternalClient> {
  return open({ nodes: cluster.nodes, workload, options, timeoutMs: OP_TIMEOUT_MS, shared: {} });
}

async function stopAndCheck(cluster: EtcdCluster | undefined): Promise<void> {
  if (!cluster) return;
  await cluster.stop();
  expect(cluster.allPids().length).toBeGreaterThanOrEqual(3);
  expect(cluster.allPids().filter(pidAlive)).toEqual([]);
  expect(fs.existsSync(cluster.rootDir)).toBe(false);
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const leaderNow = (c: ExternalClient): Promise<string | undefined> => c.leader!({ signal: AbortSignal.timeout(2_000) });

describe('classifyEtcdError', () => {
  const net = (code: string) => ({ kind: 'network' as const, code });
  const gw = (status: number, error: string, code: number) => ({ kind: 'http' as const, status, body: { error, message: error, code } });

  it('refused or unreachable before sending is a definite fail, for writes too', () => {
    expect(classifyEtcdError(net('ECONNREFUSED'), true)).toEqual({ type: 'fail', error: 'connection refused' });
    expect(classifyEtcdError(net('EHOSTUNREACH'), true).type).toBe('fail');
  });

  it('timeouts, aborts and resets are info for writes and fail for reads', () => {
    for (const code of ['ETIMEDOUT', 'EABORTED', 'ECONNRESET', 'EPIPE']) {
      expect(classifyEtcdError(net(code), true).type).toBe('info');
      expect(classifyEtcdError(net(code), false).type).toBe('fail');
    }
    expect(classifyEtcdError(net('ETIMEDOUT'), true).error).toBe('timeout');
  });

  it('gateway bodies etcd 3.4 really returns (observed under kill, pause and isolation)', () => {
    const timedOut = gw(503, 'etcdserver: request timed out', 14);
    expect(classifyEtcdError(timedOut, true)).toEqual({ type: 'info', error: 'etcdserver: request timed out' });
    expect(classifyEtcdError(timedOut, false).type).toBe('fail');
    expect(classifyEtcdError(gw(500, 'context deadline exceeded', 2), true).type).toBe('info');
    expect(classifyEtcdError(gw(503, 'etcdserver: leader changed', 14), true).type).toBe('info');
    expect(classifyEtcdError(gw(503, 'etcdserver: request timed out, possibly due to connection lost', 14), true).type).toBe('info');
    expect(classifyEtcdError(gw(503, 'etcdserver: request timed out, possibly due to previous leader failure', 14), true).type).toBe('info');
    expect(classifyEtcdError(gw(504, 'deadline', 4), true).type).toBe('info');
    expect(classifyEtcdError(gw(503, 'etcdserver: no leader', 14), true)).toEqual({ type: 'fail', error: 'etcdserver: no leader' });
    expect(classifyEtcdError(gw(429, 'etcdserver: too many requests', 8), true).type).toBe('fail');
    expect(classifyEtcdError(gw(400, 'etcdserver: key is not provided', 3), true).type).toBe('fail');
  });

  it('unknown answers stay uncertain for writes; a bare 4xx from the gateway mux is definite', () => {
    expect(classifyEtcdError({ kind: 'http', status: 500, body: 'oops' }, true).type).toBe('info');
    expect(classifyEtcdError({ kind: 'http', status: 404, body: 'Not Found' }, true)).toEqual({ type: 'fail', error: 'http 404: Not Found' });
  });
});

describe.skipIf(!HAVE_ETCD)('etcd client on a healthy cluster', () => {
  let cluster: EtcdCluster | undefined;
  beforeAll(async () => {
    cluster = await startEtcdCluster();
  });
  afterAll(async () => stopAndCheck(cluster));

  it('appends and reads the list back in order; an absent key reads []', async () => {
    const c = await clientFor(cluster!, 'append');
    expect(await c.invoke({ f: 'read', key: 'a-empty', value: null }, opCtx('s1'))).toMatchObject({ type: 'ok', value: [] });
    for (const v of [3, 1, 2]) {
      const r = await c.invoke({ f: 'append', key: 'a1', value: v }, opCtx('s1'));
      expect(r).toMatchObject({ type: 'ok', value: v });
      expect(cluster!.nodes.map((n) => n.name)).toContain(r.node);
    }
    expect(await c.invoke({ f: 'read', key: 'a1', value: null }, opCtx('s1'))).toMatchObject({ type: 'ok', value: [3, 1, 2] });
    await c.close!();
  });

  it('concurrent appends from several sessions to one key all succeed, each element once', async () => {
    const c = await clientFor(cluster!, 'append');
    const sessions = 6;
    const perSession = 8;
    const results = await Promise.all(
      Array.from({ length: sessions }, async (_, s) => {
        const out: OpResult[] = [];
        for (let i = 0; i < perSession; i++) out.push(await c.invoke({ f: 'append', key: 'hot', value: s * 100 + i }, opCtx(`s${s}`, 20_000)));
        return out;
      }),
    );
    expect(results.flat().filter((r) => r.type !== 'ok')).toEqual([]);
    const read = await c.invoke({ f: 'read', key: 'hot', value: null }, opCtx('s0'));
    const list = read.value as number[];
    expect([...list].sort((a, b) => a - b)).toEqual(results.flat().map((r) => r.value as number).sort((a, b) => a - b));
    for (let s = 0; s < sessions; s++) {
      const mine = list.filter((v) => Math.floor(v / 100) === s);
      expect(mine).toEqual(Array.from({ length: perSession }, (_, i) => s * 100 + i));
    }
    await c.close!();
  });

  it('register: read, write, cas with the right and the wrong expected value, cas from null', async () => {
    const c = await clientFor(cluster!, 'register');
    const op = (f: 'read' | 'write' | 'cas', value: unknown) => c.invoke({ f, key: 'r1', value }, opCtx('s1'));
    expect(await op('read', null)).toMatchObject({ type: 'ok', value: null });
    expect(await op('cas', [null, 1])).toMatchObject({ type: 'ok', value: [null, 1] });
    expect(await op('cas', [null, 2])).toMatchObject({ type: 'fail' });
    expect(await op('read', null)).toMatchObject({ type: 'ok', value: 1 });
    expect(await op('write', 5)).toMatchObject({ type: 'ok', value: 5 });
    expect(await op('cas', [5, 6])).toMatchObject({ type: 'ok' });
    expect(await op('cas', [5, 7])).toMatchObject({ type: 'fail', error: 'compare failed' });
    expect(await op('read', null)).toMatchObject({ type: 'ok', value: 6 });
    await c.close!();
  });

  it('serializable reads come from various members; linearizable ones from the session member', async () => {
    const ser = await clientFor(cluster!, 'register', { reads: 'serializable' });
    const lin = await clientFor(cluster!, 'register', { reads: 'linearizable' });
    const serNodes = new Set<string | undefined>();
    const linNodes = new Set<string | undefined>();
    for (let i = 0; i < 40; i++) {
      serNodes.add((await ser.invoke({ f: 'read', key: 'r2', value: null }, opCtx('s7'))).node);
      linNodes.add((await lin.invoke({ f: 'read', key: 'r2', value: null }, opCtx('s7'))).node);
    }
    expect(serNodes.size).toBeGreaterThan(1);
    expect(linNodes.size).toBe(1);
    const w = await lin.invoke({ f: 'write', key: 'r2', value: 1 }, opCtx('s7'));
    expect(linNodes.has(w.node)).toBe(true);
    await expect(open({ nodes: cluster!.nodes, workload: 'register', options: { reads: 'stale' }, timeoutMs: 1000, shared: {} })).rejects.toThrow(/reads must be/);
    await Promise.all([ser.close!(), lin.close!()]);
  });

  it('each answer carries served from its response header: leader or follower by the leader of its term, the raft term, the revision', async () => {
    const c = await clientFor(cluster!, 'append');
    const lead = await until('a leader', 5_000, () => leaderNow(c));
    const writes: OpResult[] = [];
    // (sessions sv0..sv11 hash onto every member: some answers come from the leader, some from followers)
    for (let i = 0; i < 12; i++) writes.push(await c.invoke({ f: 'append', key: 'sv', value: i }, opCtx(`sv${i}`)));
    for (const w of writes) {
      expect(w).toMatchObject({ type: 'ok', served: { role: w.node === lead ? 'leader' : 'follower', term: expect.any(Number), pos: expect.any(Number) } });
    }
    expect(new Set(writes.map((w) => w.served!.role))).toEqual(new Set(['leader', 'follower']));
    // One term throughout (no fault), and each append's revision is the one its put created: increasing.
    expect(new Set(writes.map((w) => w.served!.term)).size).toBe(1);
    expect(writes[0].served!.term).toBeGreaterThanOrEqual(1);
    const revisions = writes.map((w) => w.served!.pos!);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
    // A linearizable read sees at least the last write's revision, on whichever member it is served.
    const read = await c.invoke({ f: 'read', key: 'sv', value: null }, opCtx('sv1'));
    expect(read.served).toEqual({ role: read.node === lead ? 'leader' : 'follower', term: writes[0].served!.term, pos: expect.any(Number) });
    expect(read.served!.pos!).toBeGreaterThanOrEqual(revisions[revisions.length - 1]);
    await c.close!();
  });

  it('final reads from each member converge to the same value', async () => {
    const c = await clientFor(cluster!, 'append');
    for (let i = 0; i < 5; i++) expect((await c.invoke({ f: 'append', key: 'fin', value: i }, opCtx(`s${i}`))).type).toBe('ok');
    const finals = await until('members agree', 5_000, async () => {
      const all = await Promise.all(cluster!.nodes.map((n) => c.finalRead('fin', n.name, { signal: AbortSignal.timeout(2_000) })));
      return all.every((v) => JSON.stringify(v) === JSON.stringify(all[0])) && (all[0] as unknown[]).length === 5 ? all : undefined;
    });
    expect(finals[0]).toEqual([0, 1, 2, 3, 4]);
    expect(await c.finalRead('fin-absent', 'n2', { signal: AbortSignal.timeout(2_000) })).toEqual([]);
    await c.close!();
  });
});

describe.skipIf(!HAVE_ETCD)('etcd client under faults', () => {
  let cluster: EtcdCluster | undefined;
  beforeEach(async () => {
    cluster = await startEtcdCluster();
  });
  afterEach(async () => {
    await stopAndCheck(cluster);
    cluster = undefined;
  });

  const indexOf = (name: string | undefined): number => cluster!.nodes.findIndex((n) => n.name === name);

  it('leader() names a member, and another one after that member is killed', async () => {
    const c = await clientFor(cluster!, 'register');
    const first = await until('a leader', 5_000, () => leaderNow(c));
    expect(indexOf(first)).toBeGreaterThanOrEqual(0);
    await cluster!.kill(indexOf(first));
    const next = await until('a new leader', 8_000, async () => {
      const l = await leaderNow(c);
      return l !== undefined && l !== first ? l : undefined;
    });
    expect(indexOf(next)).toBeGreaterThanOrEqual(0);
    await c.close!();
  });

  it('to a paused member: a write with a 500 ms deadline is info (timeout), a read is fail', async () => {
    const c = await clientFor(cluster!, 'register');
    const home = (await c.invoke({ f: 'read', key: 'p', value: null }, opCtx('sp'))).node;
    cluster!.pause(indexOf(home));
    const w = await c.invoke({ f: 'write', key: 'p', value: 1 }, opCtx('sp', 500));
    expect(w).toMatchObject({ type: 'info', error: 'timeout' });
    const r = await c.invoke({ f: 'read', key: 'p', value: null }, opCtx('sp', 500));
    expect(r).toMatchObject({ type: 'fail', error: 'timeout' });
    cluster!.resume(indexOf(home));
    await c.close!();
  });

  it('to a killed member: fail (refused); the session then moves to the next member', async () => {
    const c = await clientFor(cluster!, 'append');
    const firstAppend = await c.invoke({ f: 'append', key: 'k', value: 1 }, opCtx('sk'));
    const home = firstAppend.node;
    const firstTerm = firstAppend.served?.term;
    expect(firstTerm).toEqual(expect.any(Number));
    await cluster!.kill(indexOf(home));
    expect(await c.invoke({ f: 'append', key: 'k', value: 2 }, opCtx('sk'))).toEqual({ type: 'fail', error: 'connection refused' });
    await until('a live leader', 8_000, async () => {
      const l = await leaderNow(c);
      return l !== undefined && l !== home ? l : undefined;
    });
    // The new leader may not be known to every member yet: "no leader" is a definite fail, so retry.
    const after = await until('an ok append', 8_000, async () => {
      const r = await c.invoke({ f: 'append', key: 'k', value: 3 }, opCtx('sk'));
      if (r.type === 'fail' && r.error === 'etcdserver: no leader') return undefined;
      return r;
    });
    expect(after.type).toBe('ok');
    expect(after.node).not.toBe(home);
    // The session's new member answers as the leader of the term or a follower of its leader; a newer
    // term when the killed member led (a follower's death elects no one).
    const newLeader = await until('the current leader', 5_000, () => leaderNow(c));
    if (firstAppend.served?.role === 'leader') expect(after.served?.term).toBeGreaterThan(firstTerm!);
    else expect(after.served?.term).toBe(firstTerm);
    expect(after.served?.role).toBe(after.node === newLeader ? 'leader' : 'follower');
    expect(await c.invoke({ f: 'read', key: 'k', value: null }, opCtx('sk'))).toMatchObject({ type: 'ok', value: [1, 3] });
    await c.close!();
  });
});
