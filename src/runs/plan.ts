// The plan of `replcheck run --runs N`: its flags validated (--runs, --jobs, --until-fail,
// --shard K/N), the seeds base, base+1, ... (as `replcheck matrix` derives them), the shard's
// slice of them (run i belongs to shard (i mod N) + 1), and a hash that identifies the configuration.

import { createHash } from 'node:crypto';
import { configToYaml } from '../config/dump.js';
import type { RunConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { matrixSeeds } from '../matrix/plan.js';
import type { PoolRun } from '../runner/pool.js';

export const MAX_RUNS = 100_000;
export const MAX_JOBS = 64;

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export interface RunsFlags {
  runs?: string;
  jobs?: string;
  untilFail?: boolean;
  shard?: string;
}

export interface RunsOptions {
  runs: number;
  /** Undefined: the default (the number of CPUs for the memory target). */
  jobs?: number;
  untilFail: boolean;
  shard?: Shard;
}

/** A planned run with its position among all the plan's seeds (0-based, over every shard). */
export interface IndexedRun extends PoolRun {
  index: number;
}

export function intFlag(v: string, field: string, min: number, max: number): number {
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UserError(`expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`, { field });
  return n;
}

/** `K/N` with 1 <= K <= N. */
export function parseShard(v: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
  const bad = (why: string) => new UserError(`${why}, got ${JSON.stringify(v)}`, { field: '--shard' });
  if (!m) throw bad('expected K/N, the K-th of N shards (e.g. 1/4)');
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_RUNS) throw bad(`expected N from 1 to ${MAX_RUNS} in K/N`);
  if (!Number.isSafeInteger(index) || index < 1 || index > count) throw bad(`expected K from 1 to N in K/N`);
  return { index, count };
}

/** The --runs family of flags; undefined when --runs is absent (and then none of the others may be given). */
export function parseRunsFlags(f: RunsFlags): RunsOptions | undefined {
  if (f.runs === undefined) {
    const stray = f.jobs !== undefined ? '--jobs' : f.untilFail === true ? '--until-fail' : f.shard !== undefined ? '--shard' : undefined;
    if (stray) throw new UserError('applies to repeated runs only: give --runs N too', { field: stray });
    return undefined;
  }
  const runs = intFlag(f.runs, '--runs', 1, MAX_RUNS);
  const jobs = f.jobs === undefined ? undefined : intFlag(f.jobs, '--jobs', 1, MAX_JOBS);
  const shard = f.shard === undefined ? undefined : parseShard(f.shard);
  if (shard && shard.count > runs) throw new UserError(`${shard.count} shards of ${runs} runs would leave some shard without runs`, { field: '--shard' });
  return { runs, jobs, untilFail: f.untilFail === true, shard };
}

/** The indices (0-based, of `runs` seeds) that shard K of N runs: i with i mod N = K - 1. Unsharded: all. */
export function shardIndices(runs: number, shard?: Shard): number[] {
  const all = Array.from({ length: runs }, (_, i) => i);
  return shard === undefined ? all : all.filter((i) => i % shard.count === shard.index - 1);
}

export function runDirName(seed: number): string {
  return `seed-${seed}`;
}

/** The shard's runs: the configuration with seed base + i for each of its indices i. */
export function planRuns(config: RunConfig, o: RunsOptions): IndexedRun[] {
  const seeds = matrixSeeds(config.seed, o.runs);
  return shardIndices(o.runs, o.shard).map((index) => {
    const seed = seeds[index];
    return { index, seed, design: config.target.name, nemesis: config.nemesis.name, name: runDirName(seed), config: { ...config, seed } };
  });
}

/** What identifies the configuration apart from its seed: shards of one plan have the same. */
export function configHash(config: RunConfig): string {
  return createHash('sha256').update(configToYaml({ ...config, seed: 0 })).digest('hex').slice(0, 16);
}
