// The plan of repeated runs: flag validation (one line naming the flag), the seeds base + i as the
// matrix derives them, and the shards: disjoint slices that together cover every seed once.

import { describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../src/config/load.js';
import { matrixSeeds } from '../../src/matrix/plan.js';
import { configHash, parseRunsFlags, parseShard, planRuns, shardIndices } from '../../src/runs/plan.js';
import { userErrorOf } from '../support/user-error.js';

const errorOf = userErrorOf;

describe('shardIndices', () => {
  it('gives disjoint slices covering every index once, for many runs and shard counts', () => {
    for (let runs = 1; runs <= 40; runs++) {
      for (let n = 1; n <= runs; n++) {
        const slices = Array.from({ length: n }, (_, k) => shardIndices(runs, { index: k + 1, count: n }));
        const all = slices.flat().sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: runs }, (_, i) => i));
        for (const s of slices) expect(s.length).toBeGreaterThan(0);
        // balanced: sizes differ by at most one
        const sizes = slices.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('puts run i in shard (i mod N) + 1; unsharded is every index', () => {
    expect(shardIndices(7, { index: 1, count: 3 })).toEqual([0, 3, 6]);
    expect(shardIndices(7, { index: 3, count: 3 })).toEqual([2, 5]);
    expect(shardIndices(3)).toEqual([0, 1, 2]);
  });
});

describe('parseShard / parseRunsFlags', () => {
  it('accepts K/N with 1 <= K <= N', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
  });

  it('rejects bad shards, runs and jobs in one line naming the flag', () => {
    expect(errorOf(() => parseShard('3/2'))).toMatch(/^--shard: expected K from 1 to N/);
    expect(errorOf(() => parseShard('0/2'))).toMatch(/^--shard: /);
    expect(errorOf(() => parseShard('x'))).toMatch(/^--shard: expected K\/N/);
    expect(errorOf(() => parseShard('1/0'))).toMatch(/^--shard: expected N/);
    expect(errorOf(() => parseRunsFlags({ runs: '0' }))).toMatch(/^--runs: expected an integer from 1/);
    expect(errorOf(() => parseRunsFlags({ runs: 'many' }))).toMatch(/^--runs: /);
    expect(errorOf(() => parseRunsFlags({ runs: '5', jobs: '0' }))).toMatch(/^--jobs: /);
    expect(errorOf(() => parseRunsFlags({ runs: '3', shard: '1/4' }))).toMatch(/^--shard: 4 shards of 3 runs/);
    expect(errorOf(() => parseRunsFlags({ jobs: '2' }))).toMatch(/^--jobs: .*--runs/);
    expect(errorOf(() => parseRunsFlags({ untilFail: true }))).toMatch(/^--until-fail: /);
    expect(errorOf(() => parseRunsFlags({ shard: '1/2' }))).toMatch(/^--shard: /);
  });

  it('is undefined without --runs, the options with it', () => {
    expect(parseRunsFlags({})).toBeUndefined();
    expect(parseRunsFlags({ runs: '10', jobs: '3', untilFail: true, shard: '2/5' })).toEqual({ runs: 10, jobs: 3, untilFail: true, shard: { index: 2, count: 5 } });
  });
});

describe('planRuns', () => {
  const { config } = loadRunConfig({ seed: '4294967294', timeLimit: '1' });

  it('derives the seeds as the matrix does (base + i, wrapping at 2^32), one directory per seed', () => {
    const runs = planRuns(config, { runs: 4, untilFail: false });
    expect(runs.map((r) => r.seed)).toEqual(matrixSeeds(config.seed, 4));
    expect(runs.map((r) => r.seed)).toEqual([4294967294, 4294967295, 0, 1]);
    expect(runs.map((r) => r.name)).toEqual(['seed-4294967294', 'seed-4294967295', 'seed-0', 'seed-1']);
    expect(runs.map((r) => r.config.seed)).toEqual(runs.map((r) => r.seed));
    expect(runs.map((r) => r.index)).toEqual([0, 1, 2, 3]);
  });

  it('gives a shard its slice only', () => {
    const runs = planRuns(config, { runs: 5, untilFail: false, shard: { index: 2, count: 2 } });
    expect(runs.map((r) => r.index)).toEqual([1, 3]);
  });

  it('hashes the configuration without its seed', () => {
    const other = loadRunConfig({ seed: '7', timeLimit: '1' }).config;
    const longer = loadRunConfig({ seed: '7', timeLimit: '2' }).config;
    expect(configHash(other)).toBe(configHash(config));
    expect(configHash(longer)).not.toBe(configHash(config));
  });
});
