// The keys' searches as jobs run round-robin in step slices (linearizable.ts in this thread, and
// key-worker.ts in a worker thread): a job's first turn tries the refutations without a search
// (refute.ts, epochs.ts), a long search tries windows (window.ts), and the loop stops at the first
// violation, at the deadline, or when told to.

import { performance } from 'node:perf_hooks';
import type { Budget } from '../budget.js';
import { epochConflict, type EpochProof } from './epochs.js';
import type { KeyProblem } from './model.js';
import { problemPrint } from './problem.js';
import { fencedObserver } from './refute.js';
import { KeySearch, type Frontier, type SearchSnapshot } from './search.js';
import { refuteByWindows } from './window.js';
import { unwrittenObserver } from './witness.js';

/** Steps each key's search runs before the next key gets its turn. */
export const SLICE_STEPS = 10_000;
/** Steps of a key's search before windows are first tried (linear/window.ts); doubling after. */
const WINDOWS_FROM_STEPS = 2_000_000;

export type Verdict = boolean | 'unknown' | 'not checked';

export interface Job {
  problem: KeyProblem;
  /** Created at the job's first turn, so a finished search's memo is reused by the next. */
  search?: KeySearch;
  /**
   * Slot of an op that observes a value nothing sets, or that real time fences off from every
   * setter of its value (linear/refute.ts), or pins in two epochs real time orders both ways
   * (linear/epochs.ts, then `epochs` is the proof): the key fails on it without a search.
   */
  unwritten?: number;
  epochs?: EpochProof;
  /** Slot of the op a window's searches could not linearize (linear/window.ts), when one did. */
  windowed?: number;
  /** Steps of the search at which windows are tried next, and the frontier they were last tried at. */
  windowsAt: number;
  windowsFrontier: number;
  /** Search steps spent in windows (counted in the key's steps beside its search's). */
  windowSteps: number;
  ms: number;
  verdict?: Verdict;
  reason?: string;
  /** What a worker thread reported of the job's search there (key-worker.ts). */
  remote?: { steps: number; memo: number; frontier?: Frontier };
}

export function newJob(problem: KeyProblem): Job {
  return { problem, ms: 0, windowsAt: WINDOWS_FROM_STEPS, windowsFrontier: 0, windowSteps: 0 };
}

/** A running job's search as it goes to a worker thread (key-pool.ts), to go on there. */
export interface HandedSearch {
  snapshot: SearchSnapshot;
  /** problemPrint of the problem it searches. */
  print: number;
  windowsAt: number;
  windowsFrontier: number;
}

/** Ends the job's search here and gives it over to go on elsewhere (undefined: it was not running). */
export function handOver(job: Job): HandedSearch | undefined {
  const search = job.search;
  if (search?.status !== 'running') return undefined;
  return { snapshot: search.suspend(), print: problemPrint(job.problem), windowsAt: job.windowsAt, windowsFrontier: job.windowsFrontier };
}

/**
 * A job of `problem` going on with the search handed over: its refutations were tried where it
 * began, and its steps count from there. The problem must be coded as the one it began on.
 */
export function resumedJob(problem: KeyProblem, handed: HandedSearch, memoLimit: number): Job {
  if (problemPrint(problem) !== handed.print) throw new Error(`key ${problem.key}: the search handed over is of another problem than the one built here`);
  const job = newJob(problem);
  job.search = KeySearch.resume(problem, memoLimit, handed.snapshot);
  job.windowsAt = handed.windowsAt;
  job.windowsFrontier = handed.windowsFrontier;
  return job;
}

/** Steps of a job: its searches' here and in a worker, and its windows'. */
export function jobSteps(j: Job): number {
  return (j.search?.steps ?? 0) + (j.remote?.steps ?? 0) + j.windowSteps;
}

/** Where the job's search got furthest (here, or in the worker that ran it). */
export function jobFrontier(j: Job): Frontier {
  return j.remote?.frontier ?? j.search!.frontier();
}

/** One turn of a job: at its first, the refutations without a search; then a slice of its search (and windows). */
function turn(job: Job, memoLimit: number, deadline: number): ReturnType<KeySearch['run']> {
  if (!job.search) {
    const p = job.problem;
    job.search = new KeySearch(p, memoLimit);
    job.unwritten = p.coded ? undefined : (unwrittenObserver(p) ?? fencedObserver(p));
    if (job.unwritten === undefined && !p.coded) {
      job.epochs = epochConflict(p);
      job.unwritten = job.epochs?.x;
    }
    if (job.unwritten !== undefined) job.search.end('violation');
  }
  let status = job.search.run(SLICE_STEPS);
  if (status === 'running' && tryWindows(job, memoLimit, deadline)) status = 'violation';
  return status;
}

/**
 * A search still running past its milestone tries windows around its frontier, if that moved
 * since the last try (linear/window.ts), until the checker's deadline; true when one refutes the
 * key (the search is ended). Their steps count in the key's.
 */
function tryWindows(job: Job, memoLimit: number, deadline: number): boolean {
  const search = job.search!;
  if (search.steps < job.windowsAt) return false;
  job.windowsAt = search.steps * 2;
  const f = search.furthestEntry;
  if (f === job.windowsFrontier) return false;
  job.windowsFrontier = f;
  const { refutation: r, steps } = refuteByWindows(job.problem, f, memoLimit, deadline);
  job.windowSteps += steps;
  if (!r) return false;
  search.end('violation');
  const slot = r.blocked ? job.problem.ops.indexOf(r.blocked) : -1;
  job.windowed = slot >= 0 ? slot : undefined;
  return true;
}

export interface LoopOptions {
  memoLimit: number;
  /** performance.now() time the loop stops at. */
  deadline: number;
  /** The heap budget (--max-memory), looked at every few slices. */
  budget?: Budget;
  /** Looked at between turns: true stops the loop (another thread found a violation; the jobs left keep no verdict). */
  stop?: () => boolean;
  /** Called after each round with the jobs still running: returns those this loop keeps (the others went elsewhere). */
  afterRound?: (still: Job[]) => Job[];
  /** Called when a job got its verdict. */
  onDone?: (job: Job) => void;
}

export interface LoopOutcome {
  violation?: Job;
  timedOut: boolean;
  outOfMemory?: string;
}

/**
 * Runs the jobs round-robin in slices to their verdicts, stopping at the first violation. The
 * memo budget holds over all the loop's keys: past it, the largest searches give up first.
 */
export function runJobs(jobs: Job[], o: LoopOptions): LoopOutcome {
  const out: LoopOutcome = { timedOut: false };
  let active = jobs.slice();
  while (active.length > 0 && !out.violation) {
    const still: Job[] = [];
    let memoTotal = 0;
    for (const job of active) {
      if (o.stop?.()) return out;
      const t0 = performance.now();
      const status = turn(job, o.memoLimit, o.deadline);
      const t1 = performance.now();
      job.ms += t1 - t0;
      if (status === 'running') {
        still.push(job);
        memoTotal += job.search!.memoEntries;
      } else {
        job.verdict = status === 'violation' ? false : status === 'linearizable' ? true : 'unknown';
        if (job.verdict === 'unknown') job.reason = `memo limit of ${o.memoLimit} entries reached`;
        o.onDone?.(job);
        if (status === 'violation') {
          out.violation = job;
          break;
        }
      }
      if (t1 > o.deadline) {
        out.timedOut = true;
        break;
      }
      if (o.budget?.spend(SLICE_STEPS)) {
        if (o.budget.reason!.startsWith('time')) out.timedOut = true;
        else out.outOfMemory = o.budget.reason;
        break;
      }
    }
    if (out.violation || out.timedOut || out.outOfMemory) break;
    giveUpOverMemo(still, memoTotal, o);
    const running = still.filter((j) => j.verdict === undefined);
    active = o.afterRound ? o.afterRound(running) : running;
  }
  return out;
}

/** The memory budget holds over all keys: give up on the largest searches first. */
function giveUpOverMemo(still: Job[], memoTotal: number, o: LoopOptions): void {
  const sorted = still.slice();
  while (memoTotal > o.memoLimit && sorted.length > 0) {
    sorted.sort((a, b) => b.search!.memoEntries - a.search!.memoEntries);
    const big = sorted.shift()!;
    memoTotal -= big.search!.memoEntries;
    big.search!.end('stopped');
    big.verdict = 'unknown';
    big.reason = `memo limit of ${o.memoLimit} entries reached (over all keys)`;
    o.onDone?.(big);
  }
}
