// The scanning thread of the parallel JSONL reader (parallel-jsonl.ts): it claims the file's
// stretches from the last one backwards, as long as the reading thread, coming from the first, has
// not claimed them, and posts each one's lines scanned (scan-batch.ts). It never builds anything: the
// reading thread puts every line into the History, in order, with every rule checked there.

import { closeSync } from 'node:fs';
import { workerData, type MessagePort } from 'node:worker_threads';
import { isUserError } from '../errors.js';
import { openForRead } from './limits.js';
import { readLines } from './lines.js';
import { BatchWriter, transferables, type ScanBatch } from './scan-batch.js';
import { LineScanner } from './scan.js';
import { ScannedEvent } from './scanned.js';
import { BEAT, CLAIM_FREE, CLAIM_SCANNER, POSTED, STOP, type ScanWorkerData } from './scan-shared.js';

const { path, bounds, claims, signal, port, fail, stall } = workerData as ScanWorkerData & { port: MessagePort };

function post(msg: unknown, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
  Atomics.add(signal, POSTED, 1);
  Atomics.notify(signal, POSTED);
}

/** Stretch c's lines, scanned; a reading error (a line too long, an I/O error) ends the batch with it. */
function scanStretch(fd: number, c: number, scanner: LineScanner, s: ScannedEvent, out: BatchWriter): ScanBatch {
  let stop: ScanBatch['stop'];
  try {
    readLines(
      fd,
      path,
      (buf, start, end, line) => {
        out.line(end - start, scanner.scan(buf, start, end, s) ? s : undefined);
        if ((line & 4095) === 0) Atomics.add(signal, BEAT, 1);
      },
      { from: bounds[c], to: bounds[c + 1], firstLine: 0 },
    );
  } catch (e) {
    if (!isUserError(e)) throw e;
    stop = { message: e.message, where: { file: e.file, line: e.line, field: e.field } };
  }
  return out.take(c, stop);
}

function main(): void {
  let fd: number | undefined;
  try {
    if (fail === true) throw new Error('told to fail');
    fd = openForRead(path);
    const scanner = new LineScanner();
    const s = new ScannedEvent();
    const out = new BatchWriter();
    for (let c = claims.length - 1; c >= 0; c--) {
      if (Atomics.load(signal, STOP) !== 0) break;
      if (Atomics.compareExchange(claims, c, CLAIM_FREE, CLAIM_SCANNER) !== CLAIM_FREE) break;
      if (stall === true) {
        Atomics.wait(signal, STOP, 0);
        break;
      }
      const batch = scanStretch(fd, c, scanner, s, out);
      post(batch, transferables(batch));
    }
  } catch (e) {
    post({ failed: e instanceof Error ? e.message : String(e) });
  } finally {
    if (fd !== undefined) closeSync(fd);
    post({ done: true });
  }
}

main();
