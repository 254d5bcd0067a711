// Runs every planned run of the matrix through the runner (each writes a full run directory under
// OUT/runs/), in a pool of worker threads or in this thread, and keeps a small summary of each, in
// plan order whatever order they finish in.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Verdict } from '../checkers/verdict.js';
import { UserError } from '../errors.js';
import { reproduceCommand, runTest } from '../runner/run.js';
import type { MatrixPlan, PlannedRun } from './plan.js';

export interface RunSummary {
  design: string;
  nemesis: string;
  seed: number;
  /** The run directory, relative to the matrix's directory, with `/` separators. */
  dir: string;
  /** Operations in the history (final reads included): what "smallest" means. */
  ops: number;
  valid: Verdict;
  /** Each checker's verdict and the number of anomalies it found. */
  checkers: Record<string, { valid: Verdict; count: number }>;
  /** bounded-staleness's p99 read staleness, ms (when it ran and measured). */
  stalenessP99Ms?: number;
}

export interface ExecuteOptions {
  /** Runs at a time, each in a worker thread; 1 (or running from the sources): all in this thread. */
  jobs?: number;
  /** Called after each run with how many are done. */
  onRun?: (done: number, total: number, run: RunSummary) => void;
}

/** A message to a worker (worker.ts) and its answer. */
export interface WorkerRequest {
  index: number;
  run: PlannedRun;
  out: string;
}
export interface WorkerReply {
  index: number;
  summary?: RunSummary;
  error?: { message: string; stack?: string; user: boolean };
}

const WORKER = new URL('./worker.js', import.meta.url);

/** Worker threads need the compiled worker (dist/matrix/worker.js); from the sources (tests) runs stay in this thread. */
export function workersAvailable(): boolean {
  return import.meta.url.endsWith('.js') && existsSync(fileURLToPath(WORKER));
}

export function plannedRuns(plan: MatrixPlan): PlannedRun[] {
  return plan.cells.flatMap((c) => c.runs);
}

export async function runOne(run: PlannedRun, out: string): Promise<RunSummary> {
  const rel = `runs/${run.name}`;
  const dir = join(out, 'runs', run.name);
  const outcome = await runTest(run.config, { dir, command: reproduceCommand(dir), html: true });
  const results = outcome.results;
  if (outcome.interrupted || !results) throw new Error(`run ${run.name} ended without results`);
  const checkers: RunSummary['checkers'] = {};
  for (const [name, r] of Object.entries(results.checkers)) checkers[name] = { valid: r.valid, count: r.count };
  const p99 = (results.checkers['bounded-staleness'] as { staleness?: { p99Ms?: unknown } } | undefined)?.staleness?.p99Ms;
  const summary: RunSummary = { design: run.design, nemesis: run.nemesis, seed: run.seed, dir: rel, ops: results.stats.ops, valid: results.valid, checkers };
  if (typeof p99 === 'number') summary.stalenessP99Ms = p99;
  return summary;
}

/** Every run of the plan, in plan order (designs, then schedules, then seeds): the same order every time. */
export async function executeMatrix(plan: MatrixPlan, out: string, opts: ExecuteOptions = {}): Promise<RunSummary[]> {
  const runs = plannedRuns(plan);
  const jobs = Math.min(opts.jobs ?? 1, runs.length);
  const onDone = (n: number, s: RunSummary) => opts.onRun?.(n, runs.length, s);
  if (jobs > 1 && workersAvailable()) return executeInWorkers(runs, out, jobs, onDone);
  const done: RunSummary[] = [];
  for (const run of runs) {
    const s = await runOne(run, out);
    done.push(s);
    onDone(done.length, s);
  }
  return done;
}

function replyError(e: NonNullable<WorkerReply['error']>): Error {
  return e.user ? new UserError(e.message) : Object.assign(new Error(e.message), { stack: e.stack });
}

/** A pool of `jobs` workers, each sent the next run when it answers; summaries land at their run's index. */
async function executeInWorkers(runs: PlannedRun[], out: string, jobs: number, onDone: (n: number, s: RunSummary) => void): Promise<RunSummary[]> {
  const results: RunSummary[] = new Array<RunSummary>(runs.length);
  const workers = Array.from({ length: jobs }, () => new Worker(WORKER));
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (w: Worker): void => {
        if (next < runs.length) w.postMessage({ index: next, run: runs[next++], out } satisfies WorkerRequest);
      };
      for (const w of workers) {
        w.on('message', (r: WorkerReply) => {
          if (r.error || !r.summary) return reject(replyError(r.error ?? { message: `run ${runs[r.index].name} gave no summary`, user: false }));
          results[r.index] = r.summary;
          onDone(++done, r.summary);
          if (done === runs.length) resolve();
          else feed(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (done < runs.length) reject(new Error(`a matrix worker stopped (exit code ${code}) before every run was done`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
