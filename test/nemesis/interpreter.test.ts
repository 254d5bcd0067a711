// The nemesis interpreter against a fake target: timing of faults and undos, leader targeting,
// partition shapes, strobe, final heal, and a nemesis event for every action.

import { describe, expect, it } from 'vitest';
import type { FaultSpec, NemesisConfig } from '../../src/config/types.js';
import { UserError } from '../../src/errors.js';
import { createNemesis, validateSchedule } from '../../src/nemesis/interpreter.js';
import { partitionGroups } from '../../src/nemesis/shapes.js';
import { Rng } from '../../src/rng.js';
import { createFakeTarget } from '../runner/fake-target.js';
import { createMemoryTarget } from '../../src/targets/memory/index.js';
import { baseConfig } from '../targets/memory/driver.js';

const MS = 1_000_000;

function harness(schedule: FaultSpec[], untilMs: number, nodes = 3) {
  const t = createFakeTarget({ nodes, clientTimeoutMs: 100, name: 'fake' }, new Rng(1));
  const events: { timeMs: number; f: string; value: Record<string, unknown> }[] = [];
  const cfg: NemesisConfig = { name: 'test', description: '', schedule };
  const nem = createNemesis(cfg, {
    nodes: t.nodes(),
    faults: t.faults,
    scheduler: t.scheduler,
    rng: new Rng(2),
    record: (f, value) => events.push({ timeMs: t.scheduler.nowNs() / MS, f, value }),
  });
  nem.start();
  t.scheduler.after(untilMs * MS, () => {
    nem.stop();
    nem.healAll();
    t.scheduler.stop();
  });
  return { t, events, nem, run: () => t.scheduler.run() };
}

describe('nemesis interpreter', () => {
  it('kills the leader every period and restarts it after restartAfter', async () => {
    const h = harness([{ fault: 'kill-leader', everyMs: 1000, restartAfterMs: 300 }], 2500);
    await h.run();
    expect(h.events).toEqual([
      { timeMs: 1000, f: 'kill-leader', value: { node: 'n1', crash: 'process' } },
      { timeMs: 1300, f: 'restart', value: { node: 'n1' } },
      { timeMs: 2000, f: 'kill-leader', value: { node: 'n1', crash: 'process' } },
      { timeMs: 2300, f: 'restart', value: { node: 'n1' } },
    ]);
    expect(h.t.calls.map((c) => c.call)).toEqual(['kill', 'restart', 'kill', 'restart']);
  });

  it('pauses and resumes; at + every start at `at`', async () => {
    const h = harness([{ fault: 'pause', node: 'n2', atMs: 500, everyMs: 1000, durationMs: 200 }], 1800);
    await h.run();
    expect(h.events.map((e) => [e.timeMs, e.f, e.value.node])).toEqual([
      [500, 'pause', 'n2'],
      [700, 'resume', 'n2'],
      [1500, 'pause', 'n2'],
      [1700, 'resume', 'n2'],
    ]);
  });

  it('partitions with a shape and heals after the duration', async () => {
    const h = harness([{ fault: 'partition', shape: 'isolate-leader', atMs: 100, durationMs: 50 }], 1000);
    await h.run();
    expect(h.events).toEqual([
      { timeMs: 100, f: 'partition', value: { shape: 'isolate-leader', groups: [['n1'], ['n2', 'n3']] } },
      { timeMs: 150, f: 'heal', value: { partition: 'healed' } },
    ]);
  });

  it('skews a clock, strobes it, and resets it', async () => {
    const h = harness([{ fault: 'clock-skew', node: 'n3', atMs: 0, offsetMs: 500, strobe: { periodMs: 10 }, durationMs: 35 }], 100);
    await h.run();
    expect(h.events).toEqual([
      { timeMs: 0, f: 'clock-skew', value: { node: 'n3', offsetMs: 500, strobe: { periodMs: 10 } } },
      { timeMs: 35, f: 'reset-clock', value: { node: 'n3' } },
    ]);
    const skews = h.t.calls.filter((c) => c.call === 'skewClock').map((c) => [c.timeNs / MS, c.args[1]]);
    expect(skews).toEqual([
      [0, 500],
      [10, 0],
      [20, 500],
      [30, 0],
      [35, 0],
    ]);
  });

  it('heals everything at the end: partitions, paused, killed, clocks', async () => {
    const h = harness(
      [
        { fault: 'kill', node: 'n1', atMs: 10 },
        { fault: 'pause', node: 'n2', atMs: 20 },
        { fault: 'clock-skew', node: 'n3', atMs: 30, offsetMs: -100 },
        { fault: 'partition', shape: 'halves', atMs: 40 },
      ],
      100,
    );
    await h.run();
    expect(h.events.map((e) => e.f)).toEqual(['kill', 'pause', 'clock-skew', 'partition', 'heal', 'resume', 'restart', 'reset-clock']);
    expect(h.nem.active()).toEqual({ killed: [], paused: [], skewed: [], partitioned: false });
  });

  it('a heal entry undoes every active fault', async () => {
    const h = harness([{ fault: 'kill', node: 'n2', atMs: 10 }, { fault: 'heal', atMs: 20 }], 100);
    await h.run();
    expect(h.events.map((e) => [e.timeMs, e.f])).toEqual([
      [10, 'kill'],
      [20, 'restart'],
    ]);
  });

  it('records a skipped fault when there is nothing to do', async () => {
    const h = harness([{ fault: 'kill', everyMs: 10 }], 45);
    await h.run();
    expect(h.events.map((e) => e.value)).toEqual([{ node: expect.any(String), crash: 'process' }, { node: expect.any(String), crash: 'process' }, { node: expect.any(String), crash: 'process' }, { node: null, skipped: 'no live node' }, expect.anything(), expect.anything(), expect.anything()]);
  });

  it('rejects node names the target does not have', () => {
    const two = createFakeTarget({ nodes: 2, clientTimeoutMs: 100, name: 'fake' }, new Rng(1));
    const one = createFakeTarget({ nodes: 1, clientTimeoutMs: 100, name: 'fake' }, new Rng(1));
    expect(() => validateSchedule({ name: 'x', description: '', schedule: [{ fault: 'kill', atMs: 0, node: 'n9' }] }, two)).toThrow(UserError);
    expect(() => validateSchedule({ name: 'x', description: '', schedule: [{ fault: 'kill', atMs: 0, node: 'random' }] }, one)).not.toThrow();
  });

  it('rejects, before the run, a fault the target cannot inject, naming the fault and the target', () => {
    const t = createFakeTarget({ nodes: 3, clientTimeoutMs: 100, name: 'etcd-like' }, new Rng(1), 'append', ['kill', 'pause', 'partition', 'leader']);
    const sched = (schedule: FaultSpec[]) => ({ name: 'n', description: '', schedule });
    expect(() => validateSchedule(sched([{ fault: 'clock-skew', everyMs: 10, offsetMs: 5 }]), t)).toThrow(
      /clock-skew needs a target that can skew node clocks \(capability clock\); target etcd-like cannot \(its faults: kill, pause, partition, leader\)/,
    );
    const noLeader = createFakeTarget({ nodes: 3, clientTimeoutMs: 100, name: 'plain' }, new Rng(1), 'append', ['kill', 'pause', 'partition']);
    for (const f of [
      { fault: 'kill-leader', everyMs: 10 },
      { fault: 'pause-leader', everyMs: 10 },
      { fault: 'kill', everyMs: 10, node: 'leader' },
    ] as FaultSpec[]) {
      expect(() => validateSchedule(sched([f]), noLeader)).toThrow(/capability leader/);
    }
    expect(() => validateSchedule(sched([{ fault: 'partition', everyMs: 10, shape: 'isolate-leader' }]), noLeader)).toThrow(/partition shape isolate-leader needs/);
    expect(() => validateSchedule(sched([{ fault: 'partition', everyMs: 10, shape: 'majority-minority' }, { fault: 'heal', everyMs: 10 }]), noLeader)).not.toThrow();
    let err: unknown;
    try {
      validateSchedule(sched([{ fault: 'heal', atMs: 0 }, { fault: 'clock-skew', everyMs: 10, offsetMs: 5 }]), t);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).describe()).toContain('nemesis n: schedule[1].fault');
    const none = createFakeTarget({ nodes: 3, clientTimeoutMs: 100, name: 'bare' }, new Rng(1), 'append', []);
    expect(() => validateSchedule(sched([{ fault: 'pause', everyMs: 10 }]), none)).toThrow(/its faults: none/);
  });
});

describe('crash kinds (SPEC 9: crash: host | process)', () => {
  const sched = (crash?: 'host' | 'process'): NemesisConfig => ({
    name: 'k',
    description: '',
    schedule: [{ fault: 'kill-leader', everyMs: 10, restartAfterMs: 5, ...(crash ? { crash } : {}) }],
  });

  it('a target that kills real processes takes crash: process (its default) and rejects crash: host, saying why', () => {
    const real = createFakeTarget({ nodes: 3, clientTimeoutMs: 100, name: 'http' }, new Rng(1));
    expect(() => validateSchedule(sched(), real)).not.toThrow();
    expect(() => validateSchedule(sched('process'), real)).not.toThrow();
    let err: unknown;
    try {
      validateSchedule(sched('host'), real);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).describe()).toContain('nemesis k: schedule[0].crash');
    expect((err as UserError).message).toMatch(/kill-leader with crash: host cannot be honoured by target http: .*kernel still delivers/);
  });

  it('the memory target takes both, host by default, and the nemesis event says which crash it was', () => {
    for (const crash of [undefined, 'host', 'process'] as const) {
      const t = createMemoryTarget(baseConfig(), new Rng(1));
      expect(t.faults.kill.crashes).toEqual(['host', 'process']);
      validateSchedule(sched(crash), t);
      const events: Record<string, unknown>[] = [];
      const nem = createNemesis(sched(crash), { nodes: t.nodes(), faults: t.faults, scheduler: t.scheduler, rng: new Rng(2), record: (f, v) => events.push({ f, ...v }) });
      t.setup(() => nem.start());
      t.scheduler.runUntil(12 * MS);
      nem.stop();
      expect(events[0]).toEqual({ f: 'kill-leader', node: 'n1', crash: crash ?? 'host' });
    }
  });
});

describe('partition shapes', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
  it('every shape covers every node; majority-minority and halves are disjoint', () => {
    const rng = new Rng(3);
    for (const shape of ['isolate-leader', 'majority-minority', 'halves', 'bridge', 'random'] as const) {
      for (let i = 0; i < 20; i++) {
        const g = partitionGroups(shape, nodes, 'n4', rng);
        expect(new Set(g.flat())).toEqual(new Set(nodes));
        if (shape !== 'bridge') expect(g.flat().length).toBe(nodes.length);
        expect(g.every((x) => x.length > 0)).toBe(true);
      }
    }
    expect(partitionGroups('isolate-leader', nodes, 'n4', rng)).toEqual([['n4'], ['n1', 'n2', 'n3', 'n5']]);
    expect(partitionGroups('majority-minority', nodes, undefined, rng)[0].length).toBe(3);
    const b = partitionGroups('bridge', nodes, undefined, rng);
    expect(b[0].filter((n) => b[1].includes(n)).length).toBe(1);
  });
});
