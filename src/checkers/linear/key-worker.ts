// A worker thread of the linearizable checker (key-pool.ts): it rebuilds the register problems of
// the keys it is sent from their ops, goes on with the searches begun in the checker's thread (or
// begins them), runs them round-robin with the same loop as the checker's own thread (jobs.ts),
// and answers each key's verdict as it comes, then `done`.

import { performance } from 'node:perf_hooks';
import { workerData, type MessagePort } from 'node:worker_threads';
import { Budget } from '../budget.js';
import { newJob, resumedJob, runJobs, type Job } from './jobs.js';
import type { KeyDone, KeyReply, KeyRequest, PortableOp } from './key-pool.js';
import { keyProblem } from './model.js';
import type { Op } from '../../history/types.js';

const { port, signal, stop } = workerData as { port: MessagePort; signal: Int32Array; stop: Int32Array };

function post(m: KeyReply | KeyDone): void {
  port.postMessage(m);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

/** An Op as the search and its refutations read it. */
function op(o: PortableOp, key: string): Op {
  return { ...o, process: 0, session: '', key, final: false };
}

function reply(index: number, job: Job): KeyReply {
  const r: KeyReply = { index, steps: job.search?.steps ?? 0, windowSteps: job.windowSteps, memo: job.search?.memoEntries ?? 0, ms: job.ms };
  if (job.verdict !== undefined) r.verdict = job.verdict;
  if (job.reason !== undefined) r.reason = job.reason;
  if (job.verdict === false) {
    r.unwritten = job.unwritten;
    r.epochs = job.epochs;
    r.windowed = job.windowed;
    if (job.unwritten === undefined) r.frontier = job.search!.frontier();
  }
  return r;
}

/** Runs the keys sent and answers each (then `done`); an error of its own ends it with `done` saying so. */
function work(req: KeyRequest): void {
  const deadline = req.deadlineEpochMs - performance.timeOrigin;
  const jobs = req.keys.map((k) => {
    const problem = keyProblem(k.key, k.ops.map((o) => op(o, k.key)));
    return k.handed ? resumedJob(problem, k.handed, req.memoLimit) : newJob(problem);
  });
  const index = new Map(jobs.map((j, i) => [j, req.keys[i].index]));
  const budget = new Budget({ timeLimitMs: Math.max(0, deadline - performance.now()), maxMemoryMb: req.maxMemoryMb });
  const sent = new Set<Job>();
  const out = runJobs(jobs, {
    memoLimit: req.memoLimit,
    deadline,
    budget,
    stop: () => Atomics.load(stop, 0) === 1,
    onDone: (j) => (sent.add(j), post(reply(index.get(j)!, j))),
  });
  for (const j of jobs) {
    if (sent.has(j)) continue;
    post(reply(index.get(j)!, j));
    j.search?.end('stopped');
  }
  post({ done: true, outOfMemory: out.outOfMemory });
}

port.on('message', (req: KeyRequest) => {
  try {
    work(req);
  } catch (e) {
    post({ done: true, error: `a worker thread failed: ${e instanceof Error ? e.message : String(e)}` });
  }
});
