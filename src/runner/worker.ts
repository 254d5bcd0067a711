// A worker thread of the run pool (pool.ts): runs the runs it is sent, one at a time, and answers
// each with its summary (or the error that stopped it). Loaded from dist only.

import { parentPort } from 'node:worker_threads';
import { isUserError } from '../errors.js';
import { runOne, type WorkerReply, type WorkerRequest } from './pool.js';

const port = parentPort;
if (port) {
  port.on('message', (msg: WorkerRequest) => {
    runOne(msg.run, msg.out).then(
      (summary) => port.postMessage({ index: msg.index, summary } satisfies WorkerReply),
      (e: unknown) => {
        const err = e as Error;
        port.postMessage({ index: msg.index, error: { message: err?.message ?? String(e), stack: err?.stack, user: isUserError(e) } } satisfies WorkerReply);
      },
    );
  });
}
