// The http target against real node processes on 127.0.0.1: a healthy sync cluster, leader
// kill and failover, a partition isolating the leader, set-up failure, and that nothing is left.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { Rng } from '../../../src/rng.js';
import { createHttpTarget, type HttpTarget } from '../../../src/targets/http/index.js';
import { pidAlive } from '../../../src/targets/real/processes.js';
import type { FinalRead } from '../../../src/targets/types.js';
import { driveHttp, stopTargets, httpConfig, nodeServerSnapshot, removeNodeServerSnapshot, tally } from './driver.js';

const targets: HttpTarget[] = [];

afterAll(removeNodeServerSnapshot);

afterEach(async () => {
  expect(await stopTargets(targets)).toEqual([]);
});

describe('http target', () => {
  it('runs a 3-node single-leader sync cluster: appends and reads complete, final reads agree, nothing is left', async () => {
    // generous timeouts: on a loaded machine a slow heartbeat must not start an election here
    const cfg = httpConfig({ failover: { enabled: true, timeoutMs: 3000, promote: 'most-up-to-date', fencing: true }, clientTimeoutMs: 4000 });
    const r = await driveHttp(cfg, { seed: 1, ops: 300, durationMs: 4000, onTarget: (t) => targets.push(t) });
    const t = tally(r.ops);
    expect(t['append:ok'] ?? 0).toBeGreaterThan(30); // few hundred ops when the machine is idle
    expect(t['read:ok'] ?? 0).toBeGreaterThan(15);
    expect(r.ops.filter((o) => o.c.type !== 'ok')).toEqual([]);
    for (const k of r.keys) {
      const reads = r.finals[k];
      expect(reads.map((x) => x.node)).toEqual(['n1', 'n2', 'n3']);
      const vals = reads.map((x) => JSON.stringify(x.completion.value));
      expect(new Set(vals).size).toBe(1);
      // every acknowledged append is in the final list
      const list = reads[0].completion.value as number[];
      for (const op of r.ops) if (op.key === k && op.f === 'append' && op.c.type === 'ok') expect(list).toContain(op.value);
    }
    expect(r.leaderAtEnd).toBe('n1');
    expect(r.target.allPids()).toHaveLength(3);
    for (const pid of r.target.allPids()) expect(pidAlive(pid)).toBe(false);
    expect(r.target.tempDir()).toBeUndefined();
    expect(r.target.faults.lag.lagSamples().length).toBeGreaterThan(0);
  });
});

describe('http target, a node dying on its own', () => {
  it('is reported in errors(), counts as down, and restart() brings it back', async () => {
    const t = createHttpTarget(httpConfig(), new Rng(3), { workload: 'append', nodeScript: nodeServerSnapshot() });
    targets.push(t);
    const release = t.scheduler.hold();
    const running = t.scheduler.run();
    try {
      await new Promise<void>((r) => t.setup(r));
      const pid = t.pids()[2];
      process.kill(pid, 'SIGKILL'); // not through faults.kill: as if it crashed
      for (let k = 0; k < 100 && t.errors().length === 0; k++) await new Promise((r) => setTimeout(r, 20));
      expect(t.errors()[0]).toMatch(/node n3 \(pid \d+\) exited unexpectedly \(SIGKILL\)/);
      expect(t.pids()).toHaveLength(2);
      t.faults.kill.restart('n3');
      for (let k = 0; k < 200 && t.pids().length < 3; k++) await new Promise((r) => setTimeout(r, 20));
      let reads: FinalRead[] = [];
      for (let k = 0; k < 100 && reads.length < 3; k++) {
        await new Promise((r) => setTimeout(r, 50));
        reads = await new Promise<FinalRead[]>((r) => t.finalRead('k', r));
      }
      expect(reads.map((x) => x.node)).toEqual(['n1', 'n2', 'n3']);
    } finally {
      await new Promise<void>((r) => t.teardown(r));
      release();
      await running;
    }
  });
});

describe('http target set-up failure', () => {
  it('a missing node server is a UserError', async () => {
    const t = createHttpTarget(httpConfig(), new Rng(1), { nodeScript: '/nonexistent/node-server.js' });
    targets.push(t);
    let called = false;
    t.setup(() => (called = true));
    await expect(t.scheduler.run()).rejects.toBeInstanceOf(UserError);
    expect(called).toBe(false);
    // the runner's best-effort teardown after a failure completes
    let tornDown = false;
    t.teardown(() => (tornDown = true));
    await t.scheduler.run();
    expect(tornDown).toBe(true);
  });

  it('a node server that exits at once is a UserError naming the node', async () => {
    const t = createHttpTarget(httpConfig(), new Rng(1), { nodeScript: process.execPath, nodeArgs: ['-e', 'process.exit(7)', '--'] });
    targets.push(t);
    t.setup(() => {});
    const err = await t.scheduler.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(String((err as Error).message)).toMatch(/node n\d could not start/);
    expect(t.allPids().length).toBeGreaterThan(0);
  });
});
