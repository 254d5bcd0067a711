// Property: whatever the replication design, workload and nemesis schedule, a run on the real
// memory target yields a well-formed history (the validator accepts the file), deterministically.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../src/config/load.js';
import { FAULTS, SHAPES } from '../../src/config/schema.js';
import { readJsonlHistory } from '../../src/history/jsonl.js';
import { historyFromEvents } from '../../src/history/builder.js';
import { executeRun } from '../../src/runner/execute.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-memprop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const design = fc.record({
  topology: fc.constantFrom('single-leader', 'multi-leader', 'leaderless'),
  replication: fc.constantFrom('sync', 'async', 'semi-sync'),
  readFrom: fc.constantFrom('leader', 'any', 'sticky', 'read-your-writes', 'bounded-lag'),
  promote: fc.constantFrom('most-up-to-date', 'any'),
  fencing: fc.boolean(),
  log: fc.constantFrom('row', 'statement'),
  nodes: fc.integer({ min: 1, max: 5 }),
  w: fc.integer({ min: 1, max: 3 }),
  r: fc.integer({ min: 1, max: 3 }),
});

const fault = fc.record({
  fault: fc.constantFrom(...FAULTS),
  shape: fc.constantFrom(...SHAPES),
  every: fc.integer({ min: 100, max: 2000 }),
  duration: fc.integer({ min: 10, max: 1500 }),
});

describe('memory target: random designs and schedules', () => {
  it('always produce a well-formed, deterministic history', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 }), design, fc.constantFrom('append', 'append-nondeterministic', 'register'), fc.array(fault, { maxLength: 3 }), async (seed, d, workload, faults) => {
        const schedule = faults.map((f) => {
          const e: Record<string, unknown> = { fault: f.fault, every: f.every };
          if (f.fault === 'partition') e.shape = f.shape;
          if (f.fault === 'clock-skew') e.offsetMs = 2000;
          if (f.fault === 'kill' || f.fault === 'kill-leader') e.restartAfter = f.duration;
          else if (f.fault !== 'heal') e.duration = f.duration;
          return e;
        });
        const n3 = Math.min(3, d.nodes);
        const { config } = loadRunConfig({
          workload,
          seed,
          ops: 300,
          set: [
            `target.nodes=${d.nodes}`,
            `target.topology=${d.topology}`,
            `target.replication=${d.replication}`,
            `target.readFrom=${d.readFrom}`,
            `target.failover.promote=${d.promote}`,
            `target.failover.fencing=${d.fencing}`,
            `target.log=${d.log}`,
            `target.quorum={n: ${n3}, w: ${Math.min(d.w, n3)}, r: ${Math.min(d.r, n3)}, readRepair: true}`,
            `target.settleMs=500`,
            `nemesis.schedule=${JSON.stringify(schedule)}`,
          ],
        });
        const a = join(dir, `h${n++}.jsonl`);
        const b = join(dir, `h${n++}.jsonl`);
        const ex = await executeRun(config, { historyPath: a });
        await executeRun(config, { historyPath: b });
        const fromFile = readJsonlHistory(a);
        expect(fromFile.eventCount).toBe(ex.history!.eventCount);
        const events = readFileSync(a, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        expect(historyFromEvents(events).ops.length).toBe(ex.history!.ops.length);
        expect(events.every((e) => Number.isInteger(e.time))).toBe(true);
        expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
      }),
      { numRuns: 25 },
    );
  });
});
