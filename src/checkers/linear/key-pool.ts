// Worker threads for the linearizable checker's keys (P-compositionality: each key is its own
// problem). The checker hands the register keys still running after its first rounds to the
// workers (key-worker.ts) and goes on with the rest; it looks at their answers between its own
// slices, and once its own keys are done it waits for theirs, blocking (the checker is synchronous:
// Atomics.wait on a shared counter, the answers taken with receiveMessageOnPort). A violation
// anywhere stops every thread. Workers need the compiled worker (dist/); from the sources (the
// tests' vitest) the checker stays in its thread.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { EpochProof } from './epochs.js';
import { handOver, type HandedSearch, type Job, type Verdict } from './jobs.js';
import { memoBuffers } from './memo.js';
import type { Frontier } from './search.js';
import type { Op } from '../../history/types.js';

const WORKER = new URL('./key-worker.js', import.meta.url);
/** Threads (this one included) when CheckOptions.threads is not given: the CPUs, at most this many. */
export const MAX_DEFAULT_THREADS = 4;
/** How long the workers may run past the deadline to answer that they stopped, ms. */
const GRACE_MS = 2_000;

/** The fields of an Op the search and its refutations read (key-worker.ts makes an Op of them). */
export type PortableOp = Pick<Op, 'id' | 'f' | 'type' | 'invokeIndex' | 'completeIndex' | 'invokeTime' | 'completeTime' | 'invokeValue' | 'value'>;

export interface KeyRequest {
  /**
   * `index`: the job's position in the checker's list; `ops`: the key's searched ops by slot (so the
   * problem built there is coded as the one here); `handed`: its search so far, to go on with.
   */
  keys: { index: number; key: string; ops: PortableOp[]; handed?: HandedSearch }[];
  memoLimit: number;
  /** The checker's deadline as an epoch time (each thread has its own performance.timeOrigin). */
  deadlineEpochMs: number;
  maxMemoryMb?: number;
}

/** One key's outcome in a worker (verdict undefined: stopped, out of time or memory there). */
export interface KeyReply {
  index: number;
  verdict?: Verdict;
  reason?: string;
  steps: number;
  windowSteps: number;
  memo: number;
  ms: number;
  unwritten?: number;
  epochs?: EpochProof;
  windowed?: number;
  frontier?: Frontier;
}

export interface KeyDone {
  done: true;
  outOfMemory?: string;
  /** The worker's own error, caught (its unanswered keys end unknown with it). */
  error?: string;
}

/** Threads the checker may use: `threads` (CheckOptions), else the CPUs up to 4; 1 where workers cannot run. */
export function checkerThreads(threads: number | undefined): number {
  if (!isMainThread || !import.meta.url.endsWith('.js') || !existsSync(fileURLToPath(WORKER))) return 1;
  return Math.max(1, threads ?? Math.min(availableParallelism(), MAX_DEFAULT_THREADS));
}

interface Member {
  worker: Worker;
  port: MessagePort;
  busy: boolean;
}

export class KeyPool {
  private readonly members: Member[];
  /** [0]: answers posted by any worker (Atomics.wait's word); the stop word tells them to stop. */
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly stopWord = new Int32Array(new SharedArrayBuffer(4));
  /** Why a worker ran out of memory, if one did. */
  private outOfMemory: string | undefined;
  /** A worker's error (it crashed): its keys end unknown with it. */
  private failure: string | undefined;
  private readonly index: Map<Job, number>;

  constructor(
    workers: number,
    private readonly jobs: Job[],
  ) {
    this.index = new Map(jobs.map((j, i) => [j, i]));
    this.members = Array.from({ length: workers }, () => {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER, { workerData: { port: port2, signal: this.signal, stop: this.stopWord }, transferList: [port2] });
      const m: Member = { worker, port: port1, busy: false };
      // (seen only when this thread's event loop turns: a worker that dies unanswered, e.g. of its
      // heap limit, leaves its keys unknown at the deadline)
      worker.on('error', (e: Error) => {
        this.failure = `a worker thread failed: ${e.message}`;
        m.busy = false;
      });
      return m;
    });
  }

  /**
   * Sends worker `w` the jobs (their problems are rebuilt there from the ops). A job's search
   * running here ends here and goes on there from where it is, memo and all (its memo's arrays are
   * moved, not copied); the worker's count of its steps then includes the ones taken here.
   */
  send(w: number, jobs: Job[], memoLimit: number, deadline: number, maxMemoryMb?: number): void {
    const transfer: ArrayBuffer[] = [];
    const keys = jobs.map((j) => {
      const steps = j.search?.steps ?? 0;
      // (a search not running has ended already: only a running one is handed over)
      const handed = handOver(j);
      j.search = undefined;
      j.remote = { steps: handed ? 0 : steps, memo: 0 };
      if (handed) transfer.push(...memoBuffers(handed.snapshot.memo));
      return { index: this.index.get(j)!, key: j.problem.key, ops: j.problem.ops.map(portable), handed };
    });
    const m = this.members[w];
    m.busy = true;
    m.port.postMessage({ keys, memoLimit, deadlineEpochMs: performance.timeOrigin + deadline, maxMemoryMb } satisfies KeyRequest, transfer);
  }

  /** Takes the answers posted so far; returns a job found not linearizable, if any. */
  poll(): Job | undefined {
    let violation: Job | undefined;
    for (const m of this.members) {
      for (let msg = receiveMessageOnPort(m.port); msg !== undefined; msg = receiveMessageOnPort(m.port)) {
        const r = msg.message as KeyReply | KeyDone;
        if ('done' in r) {
          m.busy = false;
          this.outOfMemory ??= r.outOfMemory;
          this.failure ??= r.error;
          continue;
        }
        const j = this.apply(r);
        if (j.verdict === false) violation ??= j;
      }
    }
    return violation;
  }

  private apply(r: KeyReply): Job {
    const j = this.jobs[r.index];
    j.remote = { steps: (j.remote?.steps ?? 0) + r.steps, memo: r.memo, frontier: r.frontier };
    j.windowSteps += r.windowSteps;
    j.ms += r.ms;
    if (r.verdict !== undefined) j.verdict = r.verdict;
    if (r.reason !== undefined) j.reason = r.reason;
    j.unwritten = r.unwritten ?? j.unwritten;
    j.epochs = r.epochs ?? j.epochs;
    j.windowed = r.windowed ?? j.windowed;
    return j;
  }

  /**
   * Waits (blocking) until every worker answered `done`, one found a violation, or the deadline
   * passed by GRACE_MS; returns the violation, if any.
   */
  wait(deadline: number): Job | undefined {
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const violation = this.poll();
      if (violation) return violation;
      if (this.failure !== undefined || this.members.every((m) => !m.busy)) return undefined;
      const left = deadline + GRACE_MS - performance.now();
      if (left <= 0) return undefined;
      Atomics.wait(this.signal, 0, seen, Math.min(left, 100));
    }
  }

  /** Why the workers' unanswered keys are undecided, when it is not the deadline. */
  get reason(): string | undefined {
    return this.failure ?? this.outOfMemory;
  }

  /** Stops and ends every worker (their keys not answered stay undecided). */
  close(): void {
    Atomics.store(this.stopWord, 0, 1);
    for (const m of this.members) {
      m.port.close();
      void m.worker.terminate();
    }
  }
}

function portable(o: Op): PortableOp {
  return { id: o.id, f: o.f, type: o.type, invokeIndex: o.invokeIndex, completeIndex: o.completeIndex, invokeTime: o.invokeTime, completeTime: o.completeTime, invokeValue: o.invokeValue, value: o.value };
}
