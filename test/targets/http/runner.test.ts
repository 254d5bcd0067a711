// The http target under the real runner (runTest with makeTarget = createHttpTarget): a sound
// configuration passes every checker; a semi-sync run with kill-leader and partitions yields a
// complete history and holds every guarantee.

import type { DesignConfig } from '../../../src/config/types.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRunConfig, defaultWorkload } from '../../../src/config/defaults.js';
import type { RunConfig } from '../../../src/config/types.js';
import type { Rng } from '../../../src/rng.js';
import { runTest } from '../../../src/runner/run.js';
import { createHttpTarget, type HttpTarget } from '../../../src/targets/http/index.js';
import { pidAlive } from '../../../src/targets/real/processes.js';
import { httpConfig, nodeServerSnapshot, removeNodeServerSnapshot } from './driver.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-http-run-'));
const made: HttpTarget[] = [];

afterAll(async () => {
  const pids = made.flatMap((t) => t.allPids());
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  removeNodeServerSnapshot();
  expect(pids.filter(pidAlive)).toEqual([]);
});

const makeTarget = (c: RunConfig, rng: Rng): HttpTarget => {
  const t = createHttpTarget(c.target as DesignConfig, rng, { workload: c.workload.kind, nodeScript: nodeServerSnapshot() });
  made.push(t);
  return t;
};

function config(seed: number, over: Partial<DesignConfig>): RunConfig {
  const c = defaultRunConfig(seed);
  c.target = { ...httpConfig(over), clientTimeoutMs: 1500, settleMs: 1000 };
  c.workload = { ...c.workload, ops: 400, concurrency: 4, thinkMs: [0, 5] };
  return c;
}

describe('http target under the runner', () => {
  it('sync replication, reads from the leader, fenced failover: every checker passes', async () => {
    const c = config(11, { replication: 'sync', readFrom: 'leader' });
    const out = await runTest(c, { dir: path.join(dir, 'sound'), makeTarget });
    const h = out.execution.history!;
    expect(out.interrupted).toBe(false);
    expect(h.ops.filter((o) => !o.final).length).toBe(400);
    const finals = h.ops.filter((o) => o.final);
    expect(new Set(finals.map((o) => o.node))).toEqual(new Set(['n1', 'n2', 'n3']));
    expect(finals.every((o) => o.type === 'ok')).toBe(true);
    const failed = Object.entries(out.results!.checkers).filter(([, r]) => r.valid === false);
    expect(failed.map(([name, r]) => `${name}: ${r.anomalies[0]?.explanation ?? ''}`)).toEqual([]);
    expect(out.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'sound', 'metrics.json'))).toBe(true);
    for (const pid of made[made.length - 1].allPids()) expect(pidAlive(pid)).toBe(false);
  });

  it('semi-sync under kill-leader and leader partitions: a complete history, nothing left running', async () => {
    const c = config(12, { replication: 'semi-sync', readFrom: 'leader' });
    c.workload = { ...c.workload, ops: 0, timeLimitMs: 5000 };
    c.nemesis = {
      name: 'mixed',
      description: '',
      schedule: [
        { fault: 'kill-leader', atMs: 800, restartAfterMs: 1000 },
        { fault: 'partition', shape: 'isolate-leader', atMs: 3000, durationMs: 1200 },
      ],
    };
    const out = await runTest(c, { dir: path.join(dir, 'faults'), makeTarget });
    const h = out.execution.history!;
    expect(out.interrupted).toBe(false);
    const finals = h.ops.filter((o) => o.final);
    expect(new Set(finals.map((o) => o.node))).toEqual(new Set(['n1', 'n2', 'n3']));
    expect(h.ops.filter((o) => !o.final && o.type === 'ok').length).toBeGreaterThan(20);
    const did = h.nemesis.map((e) => JSON.stringify(e.value));
    expect(did.length).toBeGreaterThanOrEqual(3);
    // semi-sync acks a write only once a follower has it, failover promotes the most up-to-date
    // follower and fences the old leader, and reads go to the leader: every guarantee holds
    const failed = Object.entries(out.results!.checkers).filter(([, r]) => r.valid !== true);
    expect(failed.map(([n, r]) => `${n}: ${r.valid} ${r.anomalies[0]?.explanation ?? ''}`)).toEqual([]);
    expect(out.code).toBe(0);
    const t = made[made.length - 1];
    expect(t.errors()).toEqual([]);
    for (const pid of t.allPids()) expect(pidAlive(pid)).toBe(false);
  });

  it('register workload, sync + leader reads + fencing under kill-leader: linearizable', async () => {
    const c = config(13, { replication: 'sync', readFrom: 'leader' });
    c.workload = { ...defaultWorkload('register'), ops: 0, timeLimitMs: 4000, concurrency: 4, thinkMs: [0, 5] };
    c.nemesis = { name: 'kill-leader', description: '', schedule: [{ fault: 'kill-leader', atMs: 1000, restartAfterMs: 1000 }] };
    const out = await runTest(c, { dir: path.join(dir, 'register'), makeTarget });
    const h = out.execution.history!;
    expect(out.interrupted).toBe(false);
    expect(h.workload).toBe('register');
    expect(h.ops.filter((o) => !o.final && o.type === 'ok' && o.f !== 'read').length).toBeGreaterThan(10);
    expect(h.nemesis.some((e) => e.f === 'kill-leader' || e.f === 'kill')).toBe(true);
    const lin = out.results!.checkers.linearizable;
    expect(lin.valid, lin.anomalies[0]?.explanation).toBe(true);
    expect(out.code).toBe(0);
    for (const pid of made[made.length - 1].allPids()) expect(pidAlive(pid)).toBe(false);
  });
});
