import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../../src/rng.js';
import { createMemoryTarget } from '../../../src/targets/memory/index.js';
import { SimScheduler } from '../../../src/targets/memory/scheduler.js';
import type { Completion } from '../../../src/targets/types.js';
import { baseConfig, drive, type Fault } from './driver.js';
import type { DesignConfig } from '../../../src/config/types.js';

const faultMix: Fault[] = [
  { atMs: 200, apply: (t) => { const l = t.faults.leader.leader()!; t.faults.kill.kill(l); return { kill: l }; } },
  { atMs: 900, apply: (t) => { for (const n of t.nodes()) t.faults.kill.restart(n); return 'restart'; } },
  { atMs: 1200, apply: (t) => { t.faults.partition.partition([['n1'], ['n2', 'n3']]); return 'partition'; } },
  { atMs: 2000, apply: (t) => { t.faults.partition.heal(); return 'heal'; } },
  { atMs: 2200, apply: (t) => { const l = t.faults.leader.leader() ?? 'n1'; t.faults.pause.pause(l); return { pause: l }; } },
  { atMs: 3000, apply: (t) => { for (const n of t.nodes()) t.faults.pause.resume(n); return 'resume'; } },
  { atMs: 3100, apply: (t) => { t.faults.clock.skewClock('n2', -800); return 'skew'; } },
];

describe('scheduler', () => {
  it('runs same-time callbacks in scheduling order and supports cancel', async () => {
    const s = new SimScheduler();
    const out: string[] = [];
    s.after(10, () => out.push('b'));
    s.after(5, () => out.push('a'));
    s.after(10, () => out.push('c'));
    const t = s.after(7, () => out.push('never'));
    t.cancel();
    s.after(10, () => s.after(0, () => out.push('d')));
    await s.run();
    expect(out).toEqual(['a', 'b', 'c', 'd']);
    expect(s.nowNs()).toBe(10);
  });

  it('stop() ends run()', async () => {
    const s = new SimScheduler();
    let n = 0;
    const tick = () => {
      if (++n === 5) s.stop();
      s.after(1, tick);
    };
    s.after(1, tick);
    await s.run();
    expect(n).toBe(5);
  });
});

describe('memory target', () => {
  it('is deterministic: same seed, same trace; different seeds differ', async () => {
    const cfg = baseConfig({ replication: 'async', readFrom: 'any', failover: { enabled: true, timeoutMs: 300, promote: 'any', fencing: false } });
    const a = await drive(cfg, { seed: 7, ops: 1500, faults: faultMix, nondeterministic: 0.2 });
    const b = await drive(cfg, { seed: 7, ops: 1500, faults: faultMix, nondeterministic: 0.2 });
    const c = await drive(cfg, { seed: 8, ops: 1500, faults: faultMix, nondeterministic: 0.2 });
    expect(JSON.stringify(a.trace)).toBe(JSON.stringify(b.trace));
    expect(JSON.stringify(a.target.lagSamples())).toBe(JSON.stringify(b.target.lagSamples()));
    expect(JSON.stringify(a.trace)).not.toBe(JSON.stringify(c.trace));
  });

  it('completes every op with its node, and converges after healing (single-leader async)', async () => {
    const r = await drive(baseConfig(), { seed: 3, ops: 3000, faults: faultMix });
    expect(r.completions).toBe(r.invokes);
    for (const e of r.trace) if (e.type === 'ok' && e.process !== 'nemesis') expect(e.node).toMatch(/^n[1-3]$/);
    for (const reads of Object.values(r.finals)) {
      expect(reads).toHaveLength(3);
      expect(new Set(reads.map((x) => JSON.stringify(x.completion.value))).size).toBe(1);
    }
    expect(r.trace.some((e) => e.type === 'info')).toBe(true); // the kill made some writes indeterminate
  });

  it('times out each op once, at its deadline, also with thousands in flight (the deadline ring grows)', async () => {
    const cfg = baseConfig({ clientTimeoutMs: 1000, failover: { enabled: false, timeoutMs: 500, promote: 'most-up-to-date', fencing: false } });
    const t = createMemoryTarget(cfg, new Rng(1));
    const s = t.scheduler;
    const done = new Map<number, { c: Completion; atNs: number; calls: number }>();
    const batch = (from: number, n: number): void => {
      for (let i = from; i < from + n; i++) {
        const op = i % 2 === 0 ? { f: 'read', key: `k${i % 7}`, value: null } : { f: 'append', key: `k${i % 7}`, value: i };
        t.client({ process: i, session: `s${i}` }).invoke(op, (c) => {
          const prev = done.get(i);
          done.set(i, { c, atNs: s.nowNs(), calls: (prev?.calls ?? 0) + 1 });
        });
      }
    };
    t.setup(() => {
      // 0-799 answered at once; their deadlines (1000 ms) move the ring's head on
      batch(0, 800);
      s.after(1100e6, () => {
        // 800-3799 answered at once, while the ring wraps and grows under them: every op keeps its slot
        batch(800, 3000);
        s.after(10e6, () => {
          for (const n of t.nodes()) t.faults.pause.pause(n);
          // 3800-6799 against paused nodes: they can only time out, at 2110 ms
          batch(3800, 3000);
        });
      });
      // resumed after that deadline: the nodes then answer the timed-out ops, and those answers are dropped
      s.after(2200e6, () => {
        for (const n of t.nodes()) t.faults.pause.resume(n);
        // 6800-8299: answered again
        s.after(100e6, () => batch(6800, 1500));
      });
      s.after(5000e6, () => t.teardown(() => undefined));
    });
    await s.run();
    expect(done.size).toBe(8300);
    for (const [i, d] of done) {
      expect(d.calls).toBe(1);
      if (i >= 3800 && i < 6800) {
        expect(d.c).toMatchObject({ type: i % 2 === 0 ? 'fail' : 'info', error: 'timeout' });
        expect(d.atNs).toBe(2110e6);
      } else {
        expect(d.c.type).toBe('ok');
        expect(d.atNs).toBeLessThan(i < 800 ? 10e6 : i < 3800 ? 1110e6 : 2300e6 + 1000e6);
      }
    }
  });

  it('a partition drops messages across groups; clients still reach every node', async () => {
    const cfg = baseConfig({ readFrom: 'any', failover: { enabled: false, timeoutMs: 500, promote: 'most-up-to-date', fencing: true } });
    const t = createMemoryTarget(cfg, new Rng(1));
    const s = t.scheduler;
    const got: Completion[] = [];
    t.setup(() => {
      t.faults.partition.partition([['n1'], ['n2', 'n3']]);
      const c = t.client({ process: 0, session: 's0' });
      c.invoke({ f: 'append', key: 'k', value: 1 }, (x) => {
        got.push(x);
        s.after(200e6, () => t.finalRead('k', (reads) => {
          got.push(...reads.map((r) => r.completion));
          t.teardown(() => {});
        }));
      });
    });
    await s.run();
    expect(got[0].type).toBe('ok');
    expect(got.slice(1).map((c) => c.value)).toEqual([[1], [], []]);
    expect(t.stats().messagesDropped).toBeGreaterThan(0);
  });

  it('a paused node queues messages and processes them on resume', async () => {
    const cfg = baseConfig({ lagMs: [0, 0], failover: { enabled: false, timeoutMs: 500, promote: 'most-up-to-date', fencing: true } });
    const t = createMemoryTarget(cfg, new Rng(1));
    const s = t.scheduler;
    const seen: unknown[] = [];
    t.setup(() => {
      t.faults.pause.pause('n2');
      t.client({ process: 0, session: 's0' }).invoke({ f: 'append', key: 'k', value: 1 }, () => {
        s.after(100e6, () => {
          seen.push(t.replica(1)!.readLocal('k'));
          t.faults.pause.resume('n2');
          s.after(1e6, () => {
            seen.push(t.replica(1)!.readLocal('k'));
            t.teardown(() => {});
          });
        });
      });
    });
    await s.run();
    expect(seen).toEqual([undefined, [1]]);
  });

  it('leader() names the newest-term leader; kill and restart keep node ids', async () => {
    const t = createMemoryTarget(baseConfig(), new Rng(5));
    const s = t.scheduler;
    const seen: (string | undefined)[] = [];
    t.setup(() => {
      seen.push(t.faults.leader.leader());
      t.faults.kill.kill('n1');
      s.after(2000e6, () => {
        seen.push(t.faults.leader.leader());
        t.faults.kill.restart('n1');
        s.after(2000e6, () => {
          seen.push(t.faults.leader.leader());
          t.teardown(() => {});
        });
      });
    });
    await s.run();
    expect(seen[0]).toBe('n1');
    expect(seen[1]).toMatch(/^n[23]$/);
    expect(seen[2]).toBe(seen[1]);
    expect(t.nodes()).toEqual(['n1', 'n2', 'n3']);
    expect(() => t.faults.kill.kill('n9')).toThrow(/no node/);
  });

  it('register workload: absent keys read null; unknown ops fail', async () => {
    const t = createMemoryTarget(baseConfig(), new Rng(1), { workload: 'register' });
    const got: Completion[] = [];
    t.setup(() => {
      const c = t.client({ process: 0, session: 's0' });
      c.invoke({ f: 'read', key: 'r', value: null }, (x) => {
        got.push(x);
        c.invoke({ f: 'frob', key: 'r', value: null }, (y) => {
          got.push(y);
          t.teardown(() => {});
        });
      });
    });
    await t.scheduler.run();
    expect(got[0]).toMatchObject({ type: 'ok', value: null, node: 'n1' });
    expect(got[1].type).toBe('fail');
  });

  it('without fencing, an async old leader partitioned away acknowledges writes that are lost', async () => {
    let lost = 0;
    for (const seed of [1, 2, 3]) {
      const cfg = baseConfig({ failover: { enabled: true, timeoutMs: 300, promote: 'most-up-to-date', fencing: false } });
      lost += await lostUnderFaults(cfg, seed, [
        { atMs: 300, apply: (t) => t.faults.partition.partition([['n1'], ['n2', 'n3']]) },
        { atMs: 1500, apply: (t) => t.faults.partition.heal() },
      ]);
    }
    expect(lost).toBeGreaterThan(0);
  });

  it('statement logs with nondeterministic appends diverge; row logs converge', async () => {
    for (const log of ['row', 'statement'] as const) {
      const r = await drive(baseConfig({ log }), { seed: 4, ops: 400, nondeterministic: 0.5 });
      const diverged = Object.values(r.finals).some((reads) => new Set(reads.map((x) => JSON.stringify(x.completion.value))).size > 1);
      expect(diverged).toBe(log === 'statement');
    }
  });

  it('lag samples are taken periodically for every live node', async () => {
    const r = await drive(baseConfig({ lagMs: [50, 150] }), { seed: 2, ops: 500 });
    const samples = r.target.lagSamples();
    expect(samples.length).toBeGreaterThan(10);
    expect(samples.some((s) => s.lagMs > 20)).toBe(true);
    expect(new Set(samples.map((s) => s.node))).toEqual(new Set(['n1', 'n2', 'n3']));
  });

  it('a trigger log lags more than the row log (the capture batches come on top of lagMs)', async () => {
    const meanLag = async (over: Partial<DesignConfig>) => {
      const r = await drive(baseConfig({ readFrom: 'any', lagMs: [5, 20], ...over }), { seed: 3, ops: 1500 });
      const s = r.target.lagSamples().filter((x) => x.node !== 'n1');
      return s.reduce((a, x) => a + x.lagMs, 0) / s.length;
    };
    const row = await meanLag({ log: 'row' });
    const trigger = await meanLag({ log: 'trigger', trigger: { keys: ['*'], batchMs: 200, batchSize: 100 } });
    expect(row).toBeLessThan(30);
    expect(trigger).toBeGreaterThan(row + 50);
  });

  it('a trigger log: followers hold and converge on the captured keys only, the leader on every key', async () => {
    const r = await drive(baseConfig({ readFrom: 'any', log: 'trigger', trigger: { keys: ['k*0', 'k*2', 'k*4'], batchMs: 100, batchSize: 100 } }), { seed: 4, ops: 800, keys: 4 });
    expect(Object.keys(r.finals).length).toBe(4);
    for (const [key, reads] of Object.entries(r.finals)) {
      const captured = /[024]$/.test(key);
      expect(reads.map((x) => x.node).sort()).toEqual(captured ? ['n1', 'n2', 'n3'] : ['n1']);
      expect(new Set(reads.map((x) => JSON.stringify(x.completion.value))).size).toBe(1);
    }
  });
});

// ---- property: every invoke gets exactly one done, whatever the design and the faults ----

const arbConfig = fc.record({
  nodes: fc.integer({ min: 1, max: 5 }),
  topology: fc.constantFrom('single-leader', 'multi-leader', 'leaderless'),
  replication: fc.constantFrom('sync', 'async', 'semi-sync'),
  readFrom: fc.constantFrom('leader', 'any', 'sticky', 'read-your-writes', 'bounded-lag'),
  readYourWritesScope: fc.constantFrom('session', 'user'),
  promote: fc.constantFrom('most-up-to-date', 'any'),
  fencing: fc.boolean(),
  log: fc.constantFrom('row', 'statement'),
  w: fc.integer({ min: 1, max: 3 }),
  r: fc.integer({ min: 1, max: 3 }),
  lagHi: fc.integer({ min: 0, max: 200 }),
  timeoutMs: fc.integer({ min: 50, max: 800 }),
  clientTimeoutMs: fc.integer({ min: 20, max: 1000 }),
});

const arbFault = fc.record({
  atMs: fc.integer({ min: 0, max: 1500 }),
  kind: fc.constantFrom('kill', 'restart', 'partition', 'heal', 'pause', 'resume', 'skew', 'kill-leader'),
  node: fc.integer({ min: 0, max: 4 }),
  offsetMs: fc.integer({ min: -3000, max: 3000 }),
});

type ArbConfig = typeof arbConfig extends fc.Arbitrary<infer T> ? T : never;
type ArbFault = typeof arbFault extends fc.Arbitrary<infer T> ? T : never;

async function runRandom(c: ArbConfig, faults: ArbFault[], seed: number) {
  const cfg: DesignConfig = baseConfig({
    nodes: c.nodes,
    topology: c.topology as DesignConfig['topology'],
    replication: c.replication as DesignConfig['replication'],
    readFrom: c.readFrom as DesignConfig['readFrom'],
    readYourWritesScope: c.readYourWritesScope as 'session' | 'user',
    failover: { enabled: true, timeoutMs: c.timeoutMs, promote: c.promote as 'any', fencing: c.fencing },
    quorum: { n: 3, w: c.w, r: c.r, readRepair: true },
    log: c.log as 'row',
    lagMs: [0, c.lagHi],
    clientTimeoutMs: c.clientTimeoutMs,
    settleMs: 500,
  });
  return drive(cfg, {
    seed,
    ops: 300,
    clients: 4,
    sessionsPerUser: 2,
    nondeterministic: 0.1,
    kind: seed % 2 ? 'append' : 'register',
    faults: faults.map((f) => ({
      atMs: f.atMs,
      apply: (t) => {
        const names = t.nodes();
        const n = names[f.node % names.length];
        switch (f.kind) {
          case 'kill': return t.faults.kill.kill(n);
          case 'kill-leader': { const l = t.faults.leader.leader(); if (l) t.faults.kill.kill(l); return l; }
          case 'restart': return t.faults.kill.restart(n);
          case 'partition': return t.faults.partition.partition([[n], names.filter((x) => x !== n)]);
          case 'heal': return t.faults.partition.heal();
          case 'pause': return t.faults.pause.pause(n);
          case 'resume': return t.faults.pause.resume(n);
          case 'skew': return t.faults.clock.skewClock(n, f.offsetMs);
        }
      },
    })),
  });
}

describe('property', () => {
  it('every invoke completes exactly once, under random configs and faults', async () => {
    await fc.assert(
      fc.asyncProperty(arbConfig, fc.array(arbFault, { maxLength: 8 }), fc.integer(), async (c, faults, seed) => {
        const r = await runRandom(c, faults, seed);
        expect(r.invokes).toBe(300);
        expect(r.completions).toBe(r.invokes);
        // every process's completions follow its invokes one to one
        const open = new Map<number | string, number>();
        for (const e of r.trace) {
          if (e.process === 'nemesis' || e.final) continue;
          const k = e.process;
          if (e.type === 'invoke') {
            expect(open.get(k) ?? 0).toBe(0);
            open.set(k, 1);
          } else {
            expect(open.get(k)).toBe(1);
            open.set(k, 0);
          }
        }
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 60), seed: Number(process.env.PROP_SEED ?? 20261125) },
    );
  }, 120_000);

  it('the same seed and config give the same trace and final reads, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(arbConfig, fc.array(arbFault, { maxLength: 6 }), fc.integer(), async (c, faults, seed) => {
        const a = await runRandom(c, faults, seed);
        const b = await runRandom(c, faults, seed);
        expect(JSON.stringify(b.trace)).toBe(JSON.stringify(a.trace));
        expect(JSON.stringify(b.finals)).toBe(JSON.stringify(a.finals));
        expect(JSON.stringify(b.target.lagSamples())).toBe(JSON.stringify(a.target.lagSamples()));
      }),
      { numRuns: 25, seed: 7 },
    );
  }, 120_000);
});

describe('safe design', () => {
  it('sync + leader reads + fencing + most-up-to-date: no lost writes, every read a prefix of the final list', async () => {
    for (const seed of [11, 12, 13, 14]) {
      const cfg = baseConfig({ replication: 'sync', readFrom: 'leader', failover: { enabled: true, timeoutMs: 300, promote: 'most-up-to-date', fencing: true } });
      const r = await drive(cfg, { seed, ops: 2000, keys: 3, faults: faultMix });
      const finals = new Map(Object.entries(r.finals).map(([k, reads]) => [k, JSON.stringify(reads[0].completion.value)]));
      for (const reads of Object.values(r.finals)) expect(new Set(reads.map((x) => JSON.stringify(x.completion.value))).size).toBe(1);
      for (const e of r.trace) {
        if (e.type !== 'ok' || e.final) continue;
        const fin = JSON.parse(finals.get(e.key!)!) as unknown[];
        if (e.f === 'append') expect(fin).toContain(e.value);
        if (e.f === 'read') expect(fin.slice(0, (e.value as unknown[]).length)).toEqual(e.value);
      }
    }
  });
});

/** 3000 ops over 2 keys under `faults`: how many ok appends the final reads lack. */
async function lostUnderFaults(cfg: Parameters<typeof drive>[0], seed: number, faults: NonNullable<Parameters<typeof drive>[1]['faults']>): Promise<number> {
  const r = await drive(cfg, { seed, ops: 3000, keys: 2, readShare: 0.2, faults });
  const finals = new Map(Object.entries(r.finals).map(([k, reads]) => [k, new Set(reads[0].completion.value as unknown[])]));
  let lost = 0;
  for (const e of r.trace) if (e.type === 'ok' && e.f === 'append' && !finals.get(e.key!)!.has(e.value)) lost++;
  return lost;
}

describe('pause of the leader', () => {
  const lostAppends = async (fencing: boolean, seed: number) => {
    // No replication lag: a paused async leader has shipped everything it acknowledged, so only
    // split brain can lose writes (with lag, its unshipped tail would be lost either way).
    const cfg = baseConfig({ lagMs: [0, 0], failover: { enabled: true, timeoutMs: 300, promote: 'most-up-to-date', fencing } });
    return lostUnderFaults(cfg, seed, [
      { atMs: 300, apply: (t) => t.faults.pause.pause(t.faults.leader.leader()!) },
      { atMs: 1300, apply: (t) => { for (const n of t.nodes()) t.faults.pause.resume(n); } },
    ]);
  };

  it('without fencing the resumed old leader acknowledges writes that are then lost; with fencing none are', async () => {
    let unfenced = 0;
    for (const seed of [1, 2, 3]) {
      unfenced += await lostAppends(false, seed);
      expect(await lostAppends(true, seed)).toBe(0);
    }
    expect(unfenced).toBeGreaterThan(0);
  });
});

describe('a crashed async leader (sender-side lag, crash: host | process)', () => {
  const lostAppends = async (lagMs: [number, number], crash: 'host' | 'process', seed: number) => {
    const cfg = baseConfig({ replication: 'async', lagMs, latencyMs: [1, 2], failover: { enabled: true, timeoutMs: 300, promote: 'any', fencing: true } });
    return lostUnderFaults(cfg, seed, [
      { atMs: 400, apply: (t) => { const l = t.faults.leader.leader()!; t.faults.kill.kill(l, crash); return l; } },
      { atMs: 1400, apply: (t) => { for (const n of t.nodes()) t.faults.kill.restart(n); } },
    ]);
  };

  it('loses the acknowledged tail its replication stream had not shipped, under either crash', async () => {
    for (const seed of [1, 2, 3]) {
      expect(await lostAppends([40, 60], 'process', seed)).toBeGreaterThan(0);
      expect(await lostAppends([40, 60], 'host', seed)).toBeGreaterThan(0);
    }
  });

  it('without lag a process crash loses nothing: what it wrote to its sockets still arrives', async () => {
    for (const seed of [1, 2, 3]) expect(await lostAppends([0, 0], 'process', seed)).toBe(0);
  });

  it('a host crash also drops what was still on the wire; a process crash delivers it', () => {
    for (const crash of ['host', 'process'] as const) {
      const t = createMemoryTarget(baseConfig({ lagMs: [0, 0], latencyMs: [50, 50] }), new Rng(1));
      t.setup(() => {});
      t.scheduler.runUntil(200e6);
      const c = t.client({ process: 0, session: 's' });
      let acked = false;
      c.invoke({ f: 'append', key: 'k', value: 1 }, () => (acked = true));
      t.scheduler.runUntil(260e6); // the append reached n1 at 250 ms; its answer and shipment are on the wire
      t.faults.kill.kill('n1', crash);
      t.scheduler.runUntil(400e6);
      expect(acked).toBe(crash === 'process'); // n1's answer to the client was on the wire too
      expect(t.replica(1)!.readLocal('k')).toEqual(crash === 'host' ? undefined : [1]);
      t.teardown(() => {});
    }
  });
});
