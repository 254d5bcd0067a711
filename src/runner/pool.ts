// Many runs, each writing a full run directory under OUT/runs/<name>/, in a pool of worker threads
// or in this thread, each kept as a small summary at its run's index (whatever order they finish
// in). Shared by `replcheck matrix` and `replcheck run --runs`; it can stop early (a callback, a signal).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Verdict } from '../checkers/verdict.js';
import type { RunConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { reproduceCommand, runTest } from './run.js';

/** One run to do: its configuration (seed included) and the name of its directory under runs/. */
export interface PoolRun {
  design: string;
  nemesis: string;
  seed: number;
  /** The run directory's name under runs/. */
  name: string;
  config: RunConfig;
}

export interface RunSummary {
  design: string;
  nemesis: string;
  seed: number;
  /** The run directory, relative to the pool's output directory, with `/` separators. */
  dir: string;
  /** Operations in the history (final reads included): what "smallest" means. */
  ops: number;
  valid: Verdict;
  /** Each checker's verdict and the number of anomalies it found. */
  checkers: Record<string, { valid: Verdict; count: number }>;
  /** bounded-staleness's p99 read staleness, ms (when it ran and measured). */
  stalenessP99Ms?: number;
}

export interface PoolOptions {
  /** Runs at a time, each in a worker thread; 1 (or running from the sources): all in this thread. */
  jobs?: number;
  /** Called after each run with how many are done. */
  onRun?: (done: number, total: number, run: RunSummary) => void;
  /** Called after each run: true launches no further run (those in flight finish). */
  stopAfter?: (run: RunSummary, index: number) => boolean;
  /** Aborting launches no further run and stops those in flight (workers terminated, an in-thread run interrupted). */
  signal?: AbortSignal;
}

/** A message to a worker (worker.ts) and its answer. */
export interface WorkerRequest {
  index: number;
  run: PoolRun;
  out: string;
}
export interface WorkerReply {
  index: number;
  summary?: RunSummary;
  error?: { message: string; stack?: string; user: boolean };
}

const WORKER = new URL('./worker.js', import.meta.url);

/** Worker threads need the compiled worker (dist/runner/worker.js); from the sources (tests) runs stay in this thread. */
export function workersAvailable(): boolean {
  return import.meta.url.endsWith('.js') && existsSync(fileURLToPath(WORKER));
}

/** One run into out/runs/<name>; undefined only when `signal` interrupted it. */
export async function runOne(run: PoolRun, out: string, signal?: AbortSignal): Promise<RunSummary | undefined> {
  const rel = `runs/${run.name}`;
  const dir = join(out, 'runs', run.name);
  const outcome = await runTest(run.config, { dir, command: reproduceCommand(dir), html: true, signal });
  const results = outcome.results;
  if ((outcome.interrupted || !results) && signal?.aborted) return undefined;
  if (outcome.interrupted || !results) throw new Error(`run ${run.name} ended without results`);
  const checkers: RunSummary['checkers'] = {};
  for (const [name, r] of Object.entries(results.checkers)) checkers[name] = { valid: r.valid, count: r.count };
  const p99 = (results.checkers['bounded-staleness'] as { staleness?: { p99Ms?: unknown } } | undefined)?.staleness?.p99Ms;
  const summary: RunSummary = { design: run.design, nemesis: run.nemesis, seed: run.seed, dir: rel, ops: results.stats.ops, valid: results.valid, checkers };
  if (typeof p99 === 'number') summary.stalenessP99Ms = p99;
  return summary;
}

/** What both ways of running share: whether to launch another run, and what to do when one is done. */
interface Control {
  stopped(): boolean;
  done(index: number, s: RunSummary): void;
  signal?: AbortSignal;
}

/**
 * Every run (or, stopped early, those done: the others' slots stay undefined), at its index. Runs
 * are launched in order, so when stopped the runs done are those launched: a prefix of `runs`
 * unless a signal cut runs in flight short.
 */
export async function executeRuns(runs: PoolRun[], out: string, opts: PoolOptions = {}): Promise<(RunSummary | undefined)[]> {
  const jobs = Math.min(opts.jobs ?? 1, runs.length);
  let count = 0;
  let stop = false;
  const ctl: Control = {
    signal: opts.signal,
    stopped: () => stop || opts.signal?.aborted === true,
    done: (i, s) => {
      opts.onRun?.(++count, runs.length, s);
      if (opts.stopAfter?.(s, i) === true) stop = true;
    },
  };
  if (jobs > 1 && workersAvailable()) return executeInWorkers(runs, out, jobs, ctl);
  const results = new Array<RunSummary | undefined>(runs.length).fill(undefined);
  for (let i = 0; i < runs.length && !ctl.stopped(); i++) {
    const s = await runOne(runs[i], out, opts.signal);
    if (s === undefined) break;
    results[i] = s;
    ctl.done(i, s);
  }
  return results;
}

function replyError(e: NonNullable<WorkerReply['error']>): Error {
  return e.user ? new UserError(e.message) : Object.assign(new Error(e.message), { stack: e.stack });
}

/** A pool of `jobs` workers, each sent the next run when it answers (unless stopped); summaries land at their run's index. */
async function executeInWorkers(runs: PoolRun[], out: string, jobs: number, ctl: Control): Promise<(RunSummary | undefined)[]> {
  const results = new Array<RunSummary | undefined>(runs.length).fill(undefined);
  const workers = Array.from({ length: jobs }, () => new Worker(WORKER));
  let next = 0;
  let inFlight = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (w: Worker): void => {
        if (ctl.stopped() || next >= runs.length) {
          if (inFlight === 0) resolve();
          return;
        }
        inFlight++;
        w.postMessage({ index: next, run: runs[next++], out } satisfies WorkerRequest);
      };
      if (ctl.signal?.aborted) return resolve();
      ctl.signal?.addEventListener('abort', () => resolve(), { once: true });
      for (const w of workers) {
        w.on('message', (r: WorkerReply) => {
          inFlight--;
          if (r.error || !r.summary) return reject(replyError(r.error ?? { message: `run ${runs[r.index].name} gave no summary`, user: false }));
          results[r.index] = r.summary;
          ctl.done(r.index, r.summary);
          feed(w);
        });
        w.on('error', reject);
        // Once everything is done the promise is settled and the terminations below change nothing.
        w.on('exit', (code) => reject(new Error(`a worker stopped (exit code ${code}) before every run was done`)));
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
