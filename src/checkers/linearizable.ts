// linearizable (SPEC 5): the history has an order consistent with real time that explains every
// read. One WGL search per key (P-compositionality), interleaved in step slices under budgets. The
// model follows the workload: the register (linear/model.ts, integer-coded inline fast path) or
// the key-value model (linear/kv.ts: get / put / string append) through the Model seam (linear/seam.ts).

import { performance } from 'node:perf_hooks';
import { Budget, DEFAULT_TIME_LIMIT_MS } from './budget.js';
import { modelViolationAnomaly, violationAnomaly } from './linear/explain.js';
import { kvProblems } from './linear/kv.js';
import { keyProblems, type Dropped } from './linear/model.js';
import { KeySearch, type Frontier } from './linear/search.js';
import { findModelWitness } from './linear/model-witness.js';
import { epochConflict } from './linear/epochs.js';
import { jobFrontier, jobSteps, newJob, runJobs, SLICE_STEPS, type Job, type LoopOptions, type LoopOutcome, type Verdict } from './linear/jobs.js';
import { checkerThreads, KeyPool } from './linear/key-pool.js';
import { findWitness } from './linear/witness.js';
import { ABSENT } from './linear/model.js';
import type { Anomaly, CheckOptions, CheckResult, Checker } from './types.js';
import type { History } from '../history/types.js';

export { DEFAULT_TIME_LIMIT_MS };
export const DEFAULT_MEMO_LIMIT = 4_000_000;
export { SLICE_STEPS };
/** Per-key statistics listed in a result (the largest searches first). */
const MAX_KEYS_LISTED = 100;

export interface KeyStats {
  ops: number;
  steps: number;
  memo: number;
  ms: number;
  valid: Verdict;
  reason?: string;
}

/**
 * Runs every key's search to a verdict, round-robin in slices, stopping at the first violation.
 * A failing result has one anomaly (the first key found not linearizable) with `ops` = the witness
 * (linear/witness.ts: the fewest ops whose sub-history alone is not linearizable, sorted; if none is
 * found in time, the op that cannot be linearized and up to 20 ops concurrent with it), `op` (the
 * op that cannot be linearized), `key`, `linearizedPrefix`
 * (history indices of the longest linearizable prefix, in linearization order), `concurrent` (up
 * to 200 ops overlapping the failing one, completed ones first, nearest first) and
 * `valueAfterPrefix`. Every result has `keys` (per-key ops/steps/memo/ms/valid, the 100 largest
 * searches), `keyCount`, `steps`, `ms` and `dropped` (ops left out of the search, by reason).
 */
export function checkLinearizable(h: History, opts: CheckOptions = {}): CheckResult {
  const started = performance.now();
  const timeLimitMs = opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const memoLimit = opts.memoLimit ?? DEFAULT_MEMO_LIMIT;
  const deadline = started + timeLimitMs;
  const budget = new Budget(opts); // the heap budget (--max-memory), looked at every few slices
  const { problems, dropped } = h.workload === 'kv' ? kvProblems(h) : keyProblems(h);
  const jobs = problems.map(newJob);
  const threads = new Threads(jobs, checkerThreads(opts.threads), started + (opts.threadsAfterMs ?? HAND_OFF_AFTER_MS), opts.maxMemoryMb);
  const loop: LoopOptions = { memoLimit, deadline, budget, stop: () => threads.poll(), afterRound: (still) => threads.handOff(still, loop) };
  const local = runJobs(jobs, loop);
  const { violation, reason } = threads.finish(local, deadline);
  for (const job of jobs) {
    if (job.verdict !== undefined) continue;
    job.search?.end('stopped'); // frees the memo; the verdict below says why
    if (violation) job.verdict = 'not checked';
    else {
      job.verdict = 'unknown';
      job.reason = local.outOfMemory ?? reason ?? budget.timeReason();
    }
  }
  const result = assemble(h, jobs, violation, dropped, performance.now() - started, memoLimit, deadline);
  if (threads.used > 1) result.threads = threads.used;
  return result;
}

/**
 * How long this thread works alone before keys go to worker threads (CheckOptions.threadsAfterMs):
 * most histories are decided sooner, and a worker starts cold (its compiled code included).
 */
export const HAND_OFF_AFTER_MS = 1_000;

/**
 * The checker's worker threads (linear/key-pool.ts): after threadsAfterMs, the register keys
 * still running are dealt out, the largest searches first, this thread keeping every (workers+1)th
 * and the memo budget split evenly; their answers are taken between this thread's turns.
 */
class Threads {
  private pool: KeyPool | undefined;
  private violation: Job | undefined;
  used = 1;

  constructor(
    private readonly jobs: Job[],
    private readonly max: number,
    /** performance.now() time from which keys may be handed off. */
    private readonly from: number,
    private readonly maxMemoryMb: number | undefined,
  ) {}

  /** True once a worker found a violation (this thread's loop stops). */
  poll(): boolean {
    this.violation ??= this.pool?.poll();
    return this.violation !== undefined;
  }

  handOff(still: Job[], loop: LoopOptions): Job[] {
    if (this.pool || this.max < 2 || performance.now() < this.from) return still;
    const movable = still.filter((j) => !j.problem.coded).sort((a, b) => jobSteps(b) - jobSteps(a));
    if (movable.length < 2) return still;
    const workers = Math.min(this.max - 1, movable.length - 1);
    this.pool = new KeyPool(workers, this.jobs);
    this.used = workers + 1;
    loop.memoLimit = Math.floor(loop.memoLimit / this.used);
    const dealt = Array.from({ length: workers }, () => [] as Job[]);
    movable.forEach((j, i) => i % this.used !== 0 && dealt[(i % this.used) - 1].push(j));
    dealt.forEach((js, w) => this.pool!.send(w, js, loop.memoLimit, loop.deadline, this.maxMemoryMb));
    const gone = new Set(dealt.flat());
    return still.filter((j) => !gone.has(j));
  }

  /** After this thread's loop: the workers' answers (waiting for them unless it is over), and the violation found anywhere. */
  finish(local: LoopOutcome, deadline: number): { violation?: Job; reason?: string } {
    const pool = this.pool;
    if (!pool) return { violation: local.violation };
    let violation = local.violation ?? this.violation;
    if (!violation && !local.outOfMemory) violation = pool.wait(deadline);
    pool.close();
    return { violation, reason: pool.reason };
  }
}

/** Time the explaining search may take (within the checker's deadline). */
const EXPLAIN_TIME_MS = 2_000;

/**
 * Where the search of a failed key got furthest, for the explanation. The verdict's search prunes
 * by values (see KeySearch) and so stops at the write that leaves a value still needed; searching
 * again without that pruning stops at the op that needed it (the stale read), which explains
 * better. That second search is bounded (2 s, the deadline, memo); if it does not finish, the first
 * search's frontier is used.
 */
function explainFrontier(job: Job, deadline: number, memoLimit: number): Frontier {
  const again = new KeySearch(job.problem, memoLimit, false);
  // A key failed on an unwritten value needs no search for that; the prefix is a nicety there.
  const quick = job.unwritten !== undefined || job.windowed !== undefined;
  const until = Math.min(deadline, performance.now() + (quick ? EXPLAIN_TIME_MS / 10 : EXPLAIN_TIME_MS));
  let status = again.run(SLICE_STEPS);
  while (status === 'running' && performance.now() < until) status = again.run(SLICE_STEPS);
  if (status === 'violation') return again.frontier();
  again.end('stopped');
  if (job.unwritten !== undefined) return { blockedSlot: job.unwritten, prefixSlots: [], state: ABSENT };
  return jobFrontier(job);
}

/** Time the witness search may take at least, even past the deadline (it is bounded per op). */
const WITNESS_MIN_MS = 250;

/**
 * The anomaly of the failed key: its frontier, shrunk to a witness in time (linear/witness.ts for
 * the register, linear/model-witness.ts through the Model seam for another model).
 */
function explainViolation(h: History, job: Job, deadline: number, memoLimit: number): Anomaly {
  const f = explainFrontier(job, deadline, memoLimit);
  const now = performance.now();
  const until = Math.max(now + WITNESS_MIN_MS, Math.min(deadline, now + EXPLAIN_TIME_MS));
  const x = job.problem.ops[job.unwritten ?? job.windowed ?? f.blockedSlot];
  if (job.problem.coded) return modelViolationAnomaly(h, job.problem, f, findModelWitness(job.problem, x, until, memoLimit));
  const proof = job.epochs;
  const start = proof ? [...proof.setters, ...proof.before, ...proof.after].filter((s) => s >= 0).map((s) => job.problem.ops[s]) : [];
  const witness = findWitness(job.problem, x, until, memoLimit, start);
  // The sentence tells the proof the witness itself holds (shrinking may have kept another one).
  if (!witness || !proof) return violationAnomaly(h, job.problem, f, witness, proof);
  const own = epochConflict(witness.problem);
  return own ? violationAnomaly(h, job.problem, f, witness, own) : violationAnomaly(h, job.problem, f, witness);
}

function assemble(
  h: History,
  jobs: Job[],
  violation: Job | undefined,
  dropped: Dropped,
  elapsedMs: number,
  memoLimit: number,
  deadline: number,
): CheckResult {
  const steps = jobSteps;
  const listed = jobs.slice().sort((a, b) => steps(b) - steps(a)).slice(0, MAX_KEYS_LISTED);
  const keys: Record<string, KeyStats> = {};
  for (const job of listed) {
    const stats: KeyStats = {
      ops: job.problem.ops.length,
      steps: steps(job),
      memo: job.search?.memoEntries ?? job.remote?.memo ?? 0,
      ms: Math.round(job.ms * 1000) / 1000,
      valid: job.verdict!,
    };
    if (job.reason) stats.reason = job.reason;
    keys[job.problem.key] = stats;
  }
  const anomalies: Anomaly[] = violation ? [explainViolation(h, violation, deadline, memoLimit)] : [];
  const unknown = jobs.filter((j) => j.verdict === 'unknown');
  const valid: CheckResult['valid'] = violation ? false : unknown.length > 0 ? 'unknown' : true;
  const result: CheckResult = {
    valid,
    count: anomalies.length,
    anomalies,
    keyCount: jobs.length,
    keysListed: listed.length,
    keys,
    steps: jobs.reduce((n, j) => n + steps(j), 0),
    ms: Math.round(elapsedMs * 1000) / 1000,
    dropped,
  };
  if (violation && jobs.length > 1) result.note = 'the search stops at the first key found not linearizable; other keys were not all checked';
  if (valid === 'unknown') {
    const names = unknown.slice(0, 5).map((j) => j.problem.key);
    result.reason = `${unknown.length} key(s) not decided (${names.join(', ')}${unknown.length > 5 ? ', ...' : ''}): ${unknown[0].reason}`;
    result.memoLimit = memoLimit;
  }
  return result;
}

export const linearizable: Checker = {
  name: 'linearizable',
  description: 'an order of the register (or key-value) operations consistent with real time explains every read (WGL search per key)',
  appliesTo: (w) => w === 'register' || w === 'kv',
  check: (h, opts) => checkLinearizable(h, opts),
};
