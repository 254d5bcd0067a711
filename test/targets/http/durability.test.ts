// The node server's append-only log in real node processes: concurrent writes share fsyncs
// (counted by the node's /admin/stats), and a node SIGKILLed with a torn record at the end of its
// log restarts, cuts the tail off and still has every acknowledged write.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/rng.js';
import type { DurableLogStats } from '../../../src/targets/http/durable-log.js';
import { createHttpTarget, type HttpTarget } from '../../../src/targets/http/index.js';
import { requestJson } from '../../../src/targets/http/wire.js';
import { pidAlive } from '../../../src/targets/real/processes.js';
import type { Completion, FinalRead } from '../../../src/targets/types.js';
import { httpConfig, nodeServerSnapshot, removeNodeServerSnapshot, stopTargets } from './driver.js';

const targets: HttpTarget[] = [];
afterAll(removeNodeServerSnapshot);
afterEach(async () => {
  expect(await stopTargets(targets)).toEqual([]);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function logStats(t: HttpTarget, i: number): Promise<DurableLogStats> {
  const ans = await requestJson(undefined, t.ports()[i]!, 'GET', '/admin/stats', undefined, 2000);
  return (ans.body as { log: DurableLogStats }).log;
}

/** Runs body against a set-up 3-node sync cluster (leader reads, slow failover), then tears it down. */
async function withCluster(seed: number, body: (t: HttpTarget) => Promise<void>): Promise<void> {
  const cfg = httpConfig({ failover: { enabled: true, timeoutMs: 3000, promote: 'most-up-to-date', fencing: true }, clientTimeoutMs: 5000 });
  const t = createHttpTarget(cfg, new Rng(seed), { workload: 'append', nodeScript: nodeServerSnapshot() });
  targets.push(t);
  const release = t.scheduler.hold();
  const running = t.scheduler.run();
  try {
    await new Promise<void>((r) => t.setup(r));
    await body(t);
  } finally {
    await new Promise<void>((r) => t.teardown(r));
    release();
    await running;
  }
  for (const pid of t.allPids()) expect(pidAlive(pid)).toBe(false);
  expect(t.tempDir()).toBeUndefined();
}

describe('http node server: durable log', () => {
  it('group commit: concurrent writes are made durable by fewer fsyncs than writes, each acknowledged', async () => {
    await withCluster(21, async (t) => {
      const clients = Array.from({ length: 30 }, (_, i) => t.client({ process: i, session: `s${i}` }));
      const invoke = (i: number, f: string, value: unknown): Promise<Completion> => new Promise((r) => clients[i].invoke({ f, key: `k${i % 3}`, value }, r));
      // warm up: a kept-alive connection per client, so the writes below need no new connections
      await Promise.all(clients.map((_, i) => invoke(i, 'read', null)));
      const before = await logStats(t, 0);
      // The leader is stopped while the writes go out, so they are all waiting when it resumes.
      t.faults.pause.pause('n1');
      const writes = clients.map((_, i) => invoke(i, 'append', i + 1));
      await sleep(300);
      t.faults.pause.resume('n1');
      const done = await Promise.all(writes);
      expect(done.map((c) => c.type)).toEqual(clients.map(() => 'ok'));
      const after = await logStats(t, 0);
      const fsyncs = after.fsyncs - before.fsyncs;
      expect(fsyncs).toBeGreaterThan(0);
      expect(fsyncs).toBeLessThan(clients.length);
      expect(after.records).toBeGreaterThan(before.records);
      for (const i of [1, 2]) {
        const s = await logStats(t, i);
        expect(s.fsyncs).toBeLessThanOrEqual(s.records);
      }
    });
  });

  it('SIGKILL with a torn record at the end of the log: the node restarts, ignores it, keeps every acknowledged write', async () => {
    await withCluster(22, async (t) => {
      const c = t.client({ process: 0, session: 's0' });
      const acked: number[] = [];
      for (let i = 1; i <= 20; i++) {
        const comp = await new Promise<Completion>((r) => c.invoke({ f: 'append', key: 'k', value: i }, r));
        if (comp.type === 'ok') acked.push(i);
      }
      expect(acked.length).toBeGreaterThan(10);
      const file = path.join(t.tempDir()!, 'n2.log');
      t.faults.kill.kill('n2'); // SIGKILL
      for (let k = 0; k < 100 && t.pids().length > 2; k++) await sleep(20);
      await sleep(100); // the process is gone: nothing writes the file any more
      const whole = fs.statSync(file).size;
      expect(whole).toBeGreaterThan(0);
      // a write cut short: a header promising 200 bytes, then 40 of them
      const torn = Buffer.alloc(48, 0x7b);
      torn.writeUInt32LE(200, 0);
      torn.writeUInt32LE(0x12345678, 4);
      fs.appendFileSync(file, torn);
      // restarted alone: whatever it has comes from its own log
      t.faults.partition.partition([['n2'], ['n1', 'n3']]);
      t.faults.kill.restart('n2');
      let reads: FinalRead[] = [];
      for (let k = 0; k < 100 && !reads.some((x) => x.node === 'n2'); k++) {
        await sleep(50);
        reads = await new Promise<FinalRead[]>((r) => t.finalRead('k', r));
      }
      const n2 = reads.find((x) => x.node === 'n2');
      expect(n2).toBeDefined();
      const list = n2!.completion.value as number[];
      for (const v of acked) expect(list).toContain(v);
      const s = await logStats(t, 1);
      expect(s.tornBytes).toBe(torn.length);
      expect(s.recoveredRecords).toBeGreaterThan(0);
      expect(t.errors()).toEqual([]);
    });
  });
});
