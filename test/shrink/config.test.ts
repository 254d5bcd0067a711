// The configuration shrinker on known failing designs of the memory target: the default design
// fails read-your-writes; the shrunk configuration still fails it on replay (same seed), its history
// is at most a tenth of the original, faults it does not need are dropped, and the budget holds.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { readYourWrites } from '../../src/checkers/read-your-writes.js';
import { loadRunConfig } from '../../src/config/load.js';
import type { RunConfig } from '../../src/config/types.js';
import { executeRun } from '../../src/runner/execute.js';
import { shrinkConfig } from '../../src/shrink/config.js';

const tmp = mkdtempSync(join(tmpdir(), 'replcheck-shrink-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function replay(c: RunConfig) {
  const ex = await executeRun(c, { historyPath: join(tmp, 'h.jsonl') });
  return { events: ex.history!.eventCount, verdict: (await readYourWrites.check(ex.history!)).valid };
}

describe('shrinkConfig', () => {
  it('shrinks the default failing run (memory target, seed 7) to at most a tenth, still failing read-your-writes', async () => {
    const config = loadRunConfig({ seed: '7' }).config;
    const original = await replay(config);
    expect(original.verdict).toBe(false);
    const s = await shrinkConfig(config, readYourWrites, { tries: 300 });
    expect(s.before.events).toBe(original.events);
    expect(s.after.events * 10).toBeLessThanOrEqual(s.before.events);
    expect(s.result.valid).toBe(false);
    expect(s.config.seed).toBe(7);
    expect(s.after.ops).toBeLessThan(s.before.ops);
    const again = await replay(s.config);
    expect(again).toEqual({ events: s.after.events, verdict: false });
    // Deterministic: the same input gives the same result.
    const twice = await shrinkConfig(config, readYourWrites, { tries: 300 });
    expect(twice.config).toEqual(s.config);
  });

  it('drops the faults read-your-writes does not need (kill-leader)', async () => {
    const config = loadRunConfig({ seed: '3', nemesis: 'kill-leader', ops: '400' }).config;
    expect(config.nemesis.schedule.length).toBeGreaterThan(0);
    const s = await shrinkConfig(config, readYourWrites, { tries: 300 });
    expect(s.after.faults).toBe(0);
    expect(s.after.events).toBeLessThanOrEqual(s.before.events);
    expect((await replay(s.config)).verdict).toBe(false);
  });

  it('stops at --tries with a failing configuration no larger than the input', async () => {
    const config = loadRunConfig({ seed: '7' }).config;
    const s = await shrinkConfig(config, readYourWrites, { tries: 4 });
    expect(s.tries).toBeLessThanOrEqual(4);
    expect(s.stoppedBy).toBe('tries');
    expect(s.after.events).toBeLessThanOrEqual(s.before.events);
    expect((await replay(s.config)).verdict).toBe(false);
  });

  it('refuses a configuration that does not fail', async () => {
    const config = loadRunConfig({ seed: '1', target: 'memory-sync', ops: '100' }).config;
    await expect(shrinkConfig(config, readYourWrites, { tries: 10 })).rejects.toThrow(/does not fail read-your-writes/);
  });
});
