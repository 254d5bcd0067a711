// monotonic-writes and writes-follow-reads in a thread of their own (order-worker.ts) while the
// other checkers run in this one: on a large history they are the two slowest append checkers, and
// their finding reads only the index's columns (OrderIndex). The thread gets the columns once per
// index (those on shared memory as they are, the rest as copies) and runs each rule's finding on
// them; what it found comes back as numbers, and the anomalies are told here (session-order.ts),
// exactly as in this thread.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import type { Budget } from '../budget.js';
import type { CheckOptions } from '../types.js';
import { ORDER_FIELDS, SHARED_FROM, type AppendIndex, type Grouping, type OrderIndex } from './index.js';
import type { OrderFindings, OrderRuleName } from './session-order.js';

/** Ops from which the rules run in the thread (below, its start costs more than it saves); from there the index's columns are shared. */
export const ORDER_THREAD_FROM_OPS = SHARED_FROM;
/** Threads when CheckOptions.threads is not given: the CPUs, at most this many (as the linearizable checker). */
const DEFAULT_MAX_THREADS = 4;
const WORKER = new URL('./order-worker.js', import.meta.url);

/** One rule's finding: the findings kept (`keep`, the anomalies a result lists) and the time left. */
export interface OrderJob {
  id: number;
  rule: OrderRuleName;
  keep: number;
  timeLimitMs: number;
  maxMemoryMb?: number;
}

export interface OrderAnswer {
  id: number;
  found?: OrderFindings & { byTime: boolean };
  /** What the rule threw there (its name and message: it fails here as it would have here). */
  error?: { name: string; message: string };
}

const threads = new WeakMap<AppendIndex, OrderThread>();

/**
 * The rule's findings from the thread, or undefined when it runs here: one thread (threads 1, one
 * CPU), a history under orderThreadFromOps ops, no compiled worker (the sources run in tests), or
 * not the main thread (a run among `--runs` in a worker keeps to its thread).
 */
export function offloadSessionOrder(ix: AppendIndex, rule: OrderRuleName, opts: CheckOptions, budget: Budget, keep: number): Promise<OrderFindings> | undefined {
  const allowed = opts.threads ?? Math.min(DEFAULT_MAX_THREADS, availableParallelism());
  if (allowed < 2 || ix.opF.length < (opts.orderThreadFromOps ?? ORDER_THREAD_FROM_OPS) || !workerAvailable()) return undefined;
  let t = threads.get(ix);
  if (t === undefined) threads.set(ix, (t = new OrderThread(ix, () => threads.delete(ix))));
  const job: OrderJob = { id: 0, rule, keep, timeLimitMs: Math.max(0, budget.deadlineMs - performance.now()), ...(opts.maxMemoryMb !== undefined ? { maxMemoryMb: opts.maxMemoryMb } : {}) };
  return t.run(job).then((found) => {
    // (a time limit spent there is this checker's, told as this thread's budget tells it)
    if (found.byTime && found.stopped !== undefined) found.stopped.reason = budget.timeReason();
    return found;
  });
}

function workerAvailable(): boolean {
  return isMainThread && import.meta.url.endsWith('.js') && existsSync(fileURLToPath(WORKER));
}

/** The thread of one index: its columns posted once, then the jobs in order; it ends once none is left. */
class OrderThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (f: OrderFindings & { byTime: boolean }) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private ended = false;

  constructor(ix: AppendIndex, private readonly onEnd: () => void) {
    const { data, transfer } = portable(ix);
    this.worker = new Worker(WORKER, { workerData: data, transferList: transfer });
    this.worker.on('message', (a: OrderAnswer) => this.answered(a));
    this.worker.on('error', (e) => this.end(e));
    this.worker.on('exit', (code) => this.end(new Error(`the monotonic-writes / writes-follow-reads thread exited (code ${code})`)));
  }

  run(job: OrderJob): Promise<OrderFindings & { byTime: boolean }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...job, id } satisfies OrderJob);
    });
  }

  private answered(a: OrderAnswer): void {
    const p = this.pending.get(a.id);
    if (p === undefined) return;
    this.pending.delete(a.id);
    if (a.found !== undefined) p.resolve(a.found);
    else p.reject(a.error !== undefined ? Object.assign(new Error(a.error.message), { name: a.error.name }) : new Error('the monotonic-writes / writes-follow-reads thread gave no answer'));
    if (this.pending.size === 0) this.end(undefined);
  }

  /** Ends the thread (when its jobs are done, or it failed: then they fail with it). */
  private end(e: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    for (const p of this.pending.values()) p.reject(e ?? new Error('the monotonic-writes / writes-follow-reads thread ended'));
    this.pending.clear();
    void this.worker.terminate();
  }
}

/**
 * The index's columns for the thread (with the session grouping this thread's checkers make too):
 * a column on shared memory as it is (on a large history: flat-reads.ts, index.ts), the others as
 * copies whose buffers are moved there (not copied again).
 */
function portable(ix: AppendIndex): { data: OrderIndex; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const own = (a: unknown): unknown => {
    if (!ArrayBuffer.isView(a)) return a;
    // (nothing writes to the index once it is built: the thread reads shared columns as they stand)
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const c = (a as Int32Array).slice();
    transfer.push(c.buffer);
    return c;
  };
  const data: Record<string, unknown> = {};
  for (const f of ORDER_FIELDS) data[f] = own(ix[f]);
  const g: Grouping = ix.bySession;
  data.bySession = { order: own(g.order), start: own(g.start), owner: own(g.owner), count: g.count };
  return { data: data as unknown as OrderIndex, transfer };
}
