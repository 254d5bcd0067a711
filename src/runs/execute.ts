// `replcheck run --runs N` end to end, below the CLI: the shard's runs through the run pool (worker
// threads for the memory target, one at a time for real processes), --until-fail's cut, and the
// summary directory. Its result is the same whatever --jobs: runs are counted in seed order.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../config/types.js';
import { ensureDir } from '../report/rundir.js';
import { executeRuns, type RunSummary } from '../runner/pool.js';
import { writeSummaryFiles, type SummaryFiles } from './files.js';
import { configHash, planRuns, type IndexedRun, type RunsOptions } from './plan.js';
import { buildSummary, summaryRun, type RunsSummary, type Stopped } from './summary.js';

export interface RepeatOptions extends RunsOptions {
  /** Runs at a time (already decided: 1 for real-process targets). */
  jobs: number;
  signal?: AbortSignal;
  onRun?: (done: number, total: number, run: RunSummary) => void;
}

/**
 * What the summary counts of the runs done (`done[k]` is run `planned[k]`'s summary). With
 * --until-fail, the runs up to the first failing one in seed order; runs launched after it (in
 * flight in other workers) are dropped, so every --jobs gives the summary a sequential run gives.
 */
export function countedRuns(planned: IndexedRun[], done: (RunSummary | undefined)[], untilFail: boolean): { counted: number[]; stopped?: Stopped } {
  const finished = planned.map((_, k) => k).filter((k) => done[k] !== undefined);
  if (!untilFail) return { counted: finished };
  const firstFail = finished.find((k) => done[k]!.valid === false);
  if (firstFail === undefined) return { counted: finished };
  return { counted: finished.filter((k) => k <= firstFail), stopped: { reason: 'until-fail', seed: planned[firstFail].seed } };
}

/** The planned runs into out/runs/seed-<S>/ and the summary files into out. */
export async function runRepeated(config: RunConfig, out: string, o: RepeatOptions): Promise<{ summary: RunsSummary; files: SummaryFiles }> {
  const planned = planRuns(config, o);
  ensureDir(join(out, 'runs'));
  const done = await executeRuns(planned, out, {
    jobs: o.jobs,
    signal: o.signal,
    onRun: o.onRun,
    stopAfter: o.untilFail ? (s) => s.valid === false : undefined,
  });
  const { counted, stopped } = countedRuns(planned, done, o.untilFail);
  const interrupted = o.signal?.aborted === true;
  // Directories of runs the summary does not count (cut short by Ctrl-C, or after --until-fail's first failure) go.
  const keep = new Set(counted);
  planned.forEach((r, k) => {
    if (!keep.has(k)) rmSync(join(out, 'runs', r.name), { recursive: true, force: true });
  });
  const facts = { baseSeed: config.seed, planned: o.runs, configHash: configHash(config), target: config.target.name, workload: config.workload.name, nemesis: config.nemesis.name };
  const runs = counted.map((k) => summaryRun(planned[k].index, done[k]!));
  const summary = buildSummary(facts, runs, { shard: o.shard, stopped: interrupted ? { reason: 'interrupted' } : stopped });
  return { summary, files: writeSummaryFiles(out, summary) };
}
