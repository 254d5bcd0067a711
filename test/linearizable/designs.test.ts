// The register workload on the memory target, through the runner: sync replication with leader
// reads and fencing stays linearizable under faults; async follower reads and split brain do not.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunConfig, type ConfigFlags } from '../../src/config/load.js';
import { runTest } from '../../src/runner/run.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-lin-designs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SEEDS = [1, 2];
let n = 0;

async function linearizableVerdict(flags: ConfigFlags, seed: number): Promise<{ valid: unknown; explanation?: string }> {
  const { config } = loadRunConfig({ workload: 'register', checkers: 'linearizable', seed, ...flags });
  const out = await runTest(config, { dir: join(dir, `run${n++}`), html: false });
  const r = out.results!.checkers.linearizable;
  return { valid: r.valid, explanation: r.anomalies[0]?.explanation };
}

const DESIGNS: { name: string; flags: ConfigFlags; valid: boolean }[] = [
  {
    name: 'sync replication + leader reads + fencing under partition-leader is linearizable',
    flags: { nemesis: 'partition-leader', timeLimit: 20, set: ['target.replication=sync', 'target.readFrom=leader', 'target.failover.fencing=true'] },
    valid: true,
  },
  {
    name: 'sync replication + leader reads + fencing under kill-leader is linearizable',
    flags: { nemesis: 'kill-leader', timeLimit: 20, set: ['target.replication=sync', 'target.readFrom=leader', 'target.failover.fencing=true'] },
    valid: true,
  },
  {
    name: 'async replication + reads from any replica is not linearizable (stale reads)',
    flags: { set: ['target.replication=async', 'target.readFrom=any'] },
    valid: false,
  },
  {
    name: 'no fencing + a paused leader is not linearizable (split brain)',
    flags: { nemesis: 'pause-leader', timeLimit: 20, set: ['target.failover.fencing=false', 'target.readFrom=leader'] },
    valid: false,
  },
];

describe('linearizable on the memory target', () => {
  for (const d of DESIGNS) {
    it(d.name, async () => {
      for (const seed of SEEDS) {
        const r = await linearizableVerdict(d.flags, seed);
        expect(r.valid, `seed ${seed}: ${r.explanation ?? ''}`).toBe(d.valid);
        if (!d.valid) expect(r.explanation).toMatch(/but no order of the operations consistent with real time explains it/);
      }
    });
  }
});
