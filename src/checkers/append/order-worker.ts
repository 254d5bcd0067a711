// The thread of monotonic-writes and writes-follow-reads (order-thread.ts): the index's columns as
// it was started with, then one job per rule, each answered with what the rule found (as numbers)
// or the error it met.

import { parentPort, workerData } from 'node:worker_threads';
import { Budget } from '../budget.js';
import type { OrderIndex } from './index.js';
import type { OrderAnswer, OrderJob } from './order-thread.js';
import { findingsSink, findSessionOrder } from './session-order.js';

const ix = workerData as OrderIndex;

function answer(job: OrderJob): OrderAnswer {
  try {
    const budget = new Budget({ timeLimitMs: job.timeLimitMs, ...(job.maxMemoryMb !== undefined ? { maxMemoryMb: job.maxMemoryMb } : {}) });
    const sink = findingsSink(job.keep);
    const progress = findSessionOrder(ix, job.rule, budget, sink);
    return { id: job.id, found: { ...sink.found, ...progress, byTime: budget.reason === budget.timeReason() } };
  } catch (e) {
    return { id: job.id, error: e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) } };
  }
}

parentPort!.on('message', (job: OrderJob) => parentPort!.postMessage(answer(job)));
