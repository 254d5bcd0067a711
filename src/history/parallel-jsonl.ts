// Reading a large JSONL history with two threads. The file is cut into stretches of whole lines;
// this thread takes them from the first onwards, reading each line into the builder as ever, while
// a scanning thread (scan-worker.ts) takes them from the last backwards and only scans them
// (scan-batch.ts). Where the two meet, this thread goes on with the scanned stretches, in order:
// every line still enters the builder here, with its number, in file order, so the History and
// every message (the first bad line, the pairing errors) are the ones one thread makes. A line the
// other thread's scanner did not take, or the builder turns down, is read again from its bytes and
// takes the general path. Should the scanning thread fail or stall, this thread reads what it left.

import { closeSync, existsSync, fstatSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { cannotRead, openForRead } from './limits.js';
import { readLines, type ByteLineFn } from './lines.js';
import { BatchReader, type ScanBatch } from './scan-batch.js';
import { ScannedEvent } from './scanned.js';
import { CLAIM_FREE, CLAIM_READER, POSTED, BEAT, SIGNAL_WORDS, STOP, type ScanWorkerData } from './scan-shared.js';

const WORKER = new URL('./scan-worker.js', import.meta.url);
/** Files smaller than this are read by one thread (a thread's start costs about 0.1 s). */
export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
/** The stretches' size: small enough that the threads meet near the middle, large enough that each message is worth it. */
export const STRETCH_BYTES = 4 * 1024 * 1024;
/** With no message and no line read by the scanning thread for this long, this thread reads its stretch itself. */
const STALLED_MS = 10_000;

export interface ParallelOptions {
  /** Threads for reading, this one included (2 or more: the scanning thread; 1: none). Default: 2 on PARALLEL_MIN_CPUS CPUs or more, else 1. */
  threads?: number;
  minBytes?: number;
  stretchBytes?: number;
  /** The scanning thread fails at once, or stalls once it has claimed a stretch (the tests: this thread then reads every stretch itself). */
  failScanner?: boolean;
  stallScanner?: boolean;
  /** How long the scanning thread may show no progress before this thread reads its stretch itself, ms (default STALLED_MS). */
  stalledMs?: number;
  /** Waits for the scanning thread's first stretch before reading (the tests: a small file is then read by both). */
  awaitScanner?: boolean;
  /** Told, after a read with two threads (also one that met an error), how many of the stretches the scanning thread read. */
  onRead?(scanned: number, stretches: number): void;
}

export interface LineHandlers {
  /** A line as bytes (this thread read it, or the other thread's scanner did not take it). */
  onLine: ByteLineFn;
  /** A line the other thread scanned into `s`; false: the line is handed to onLine from its bytes instead. */
  onScanned(s: ScannedEvent, line: number): boolean;
  /** This thread's string for one that the other thread's scanner made (equal names stay one string). */
  intern(s: string): string;
}

/**
 * CPUs from which a scanning thread is used unless told otherwise. With 2, the two threads share
 * them with the garbage collector's own: measured on a 2-core machine, the whole check came out
 * between 8% slower and 13% faster, for 5-25% more CPU and up to 100 MB more memory, so there it
 * takes `--threads 2` (docs/history.md).
 */
export const PARALLEL_MIN_CPUS = 4;

/** Whether a scanning thread can be used: from the compiled reader (dist/), in the main thread, with 2 threads allowed. */
function parallelAllowed(threads: number | undefined): boolean {
  if (!isMainThread || !import.meta.url.endsWith('.js') || !existsSync(fileURLToPath(WORKER))) return false;
  return (threads ?? (availableParallelism() >= PARALLEL_MIN_CPUS ? 2 : 1)) >= 2;
}

/**
 * Reads every line of `path` with a scanning thread beside this one; false (nothing read) when the
 * file is not a regular file of at least `minBytes`, or no thread can be used: then the caller reads
 * it as one thread does.
 */
export function readLinesInParallel(path: string, h: LineHandlers, opts: ParallelOptions = {}): boolean {
  if (!parallelAllowed(opts.threads)) return false;
  const fd = openForRead(path);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size < (opts.minBytes ?? PARALLEL_MIN_BYTES)) return false;
    const bounds = stretchBounds(fd, path, st.size, Math.max(1, opts.stretchBytes ?? STRETCH_BYTES));
    let read: TwoThreadRead;
    try {
      read = new TwoThreadRead(fd, path, bounds, h, opts);
    } catch {
      return false; // no thread to be had (nothing is read yet): one thread reads it
    }
    try {
      read.run(opts.awaitScanner === true);
    } finally {
      opts.onRead?.(read.replayedStretches, bounds.length - 1);
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

/**
 * Where each stretch begins: after the first newline at or past its nominal start (c * size), so
 * every stretch holds whole lines. Linear even when one line spans many stretches (the newline
 * found last is reused while it lies past their nominal starts).
 */
export function stretchBounds(fd: number, path: string, size: number, stretch: number): Float64Array {
  const n = Math.max(1, Math.ceil(size / stretch));
  const bounds = new Float64Array(n + 1);
  const buf = Buffer.allocUnsafe(64 * 1024);
  let newline = -2; // the last newline found (-1: there is none further on)
  for (let c = 1; c < n; c++) {
    const from = c * stretch - 1;
    if (newline !== -1 && newline < from) newline = nextNewline(fd, path, buf, from, size);
    bounds[c] = newline < 0 ? size : newline + 1;
  }
  bounds[n] = size;
  return bounds;
}

/** The position of the first newline at or after `from`, or -1. */
function nextNewline(fd: number, path: string, buf: Buffer, from: number, size: number): number {
  for (let at = from; at < size; ) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
    } catch (e) {
      throw cannotRead(path, e);
    }
    if (n === 0) return -1;
    const i = buf.subarray(0, n).indexOf(10);
    if (i >= 0) return at + i;
    at += n;
  }
  return -1;
}

class TwoThreadRead {
  private readonly claims: Int32Array;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4 * SIGNAL_WORDS));
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** The scanning thread's string table, as this thread's strings. */
  private readonly names: string[] = [];
  private readonly got = new Map<number, ScanBatch>();
  /** The scanning thread said it is done (or failed): nothing more will come. */
  private ended = false;
  private readonly replayed = new ScannedEvent();
  private lineBuf = Buffer.allocUnsafe(64 * 1024);
  /** Stretches the scanning thread read (for the tests: that it took part). */
  replayedStretches = 0;
  private readonly stalledMs: number;

  constructor(
    private readonly fd: number,
    private readonly path: string,
    private readonly bounds: Float64Array,
    private readonly h: LineHandlers,
    opts: ParallelOptions,
  ) {
    this.stalledMs = opts.stalledMs ?? STALLED_MS;
    this.claims = new Int32Array(new SharedArrayBuffer(4 * (bounds.length - 1)));
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: ScanWorkerData & { port: MessagePort } = { path, bounds, claims: this.claims, signal: this.signal, port: port2, fail: opts.failScanner === true, stall: opts.stallScanner === true };
    this.worker = new Worker(WORKER, { workerData: data, transferList: [port2] });
    this.worker.unref();
    // (a failure shows as its message, or as a stall: this thread then reads what is left itself)
    this.worker.on('error', () => undefined);
  }

  run(awaitScanner: boolean): void {
    try {
      if (awaitScanner) this.awaitFirst();
      let line = 0;
      for (let c = 0; c < this.claims.length; c++) {
        const mine = Atomics.compareExchange(this.claims, c, CLAIM_FREE, CLAIM_READER) === CLAIM_FREE;
        const batch = mine ? undefined : this.batch(c);
        line = batch === undefined ? this.readHere(c, line) : this.replay(batch, this.bounds[c], line);
        if (batch !== undefined) this.replayedStretches++;
      }
    } finally {
      Atomics.store(this.signal, STOP, 1);
      this.port.close();
      void this.worker.terminate();
    }
  }

  /** Waits (up to stalledMs) until the scanning thread has posted something or claimed a stretch. */
  private awaitFirst(): void {
    const until = performance.now() + this.stalledMs;
    const last = this.claims.length - 1;
    while (Atomics.load(this.signal, POSTED) === 0 && Atomics.load(this.claims, last) === CLAIM_FREE && performance.now() < until) Atomics.wait(this.signal, POSTED, 0, 10);
  }

  private readHere(c: number, line: number): number {
    return readLines(this.fd, this.path, this.h.onLine, { from: this.bounds[c], to: this.bounds[c + 1], firstLine: line });
  }

  /** The scanned lines of a stretch into the builder, in order; returns the number of its last line. */
  private replay(b: ScanBatch, from: number, base: number): number {
    const r = new BatchReader(b, this.names);
    const s = this.replayed;
    let at = from;
    for (let i = 0; i < b.lines; i++) {
      const len = b.lens[i];
      if (!(r.fill(i, s) && this.h.onScanned(s, base + i + 1))) this.fromBytes(at, len, base + i + 1);
      at += len + 1;
    }
    const err = r.stopError(base);
    if (err !== undefined) throw err;
    return base + b.lines;
  }

  /** Line `line` (`len` bytes at `at`) read again, for onLine. */
  private fromBytes(at: number, len: number, line: number): void {
    if (len > this.lineBuf.length) this.lineBuf = Buffer.allocUnsafe(len);
    const buf = this.lineBuf;
    for (let got = 0; got < len; ) {
      let n: number;
      try {
        n = readSync(this.fd, buf, got, len - got, at + got);
      } catch (e) {
        throw cannotRead(this.path, e);
      }
      if (n === 0) break;
      got += n;
    }
    this.h.onLine(buf, 0, len, line);
  }

  /** Stretch c as the scanning thread posted it, waiting for it; undefined if it failed or stalled. */
  private batch(c: number): ScanBatch | undefined {
    let posted = -1;
    let beat = -1;
    let progressAt = performance.now();
    for (;;) {
      this.take();
      const b = this.got.get(c);
      if (b !== undefined) {
        this.got.delete(c);
        return b;
      }
      if (this.ended) return undefined;
      const p = Atomics.load(this.signal, POSTED);
      const q = Atomics.load(this.signal, BEAT);
      if (p !== posted || q !== beat) [posted, beat, progressAt] = [p, q, performance.now()];
      else if (performance.now() - progressAt > this.stalledMs) return undefined;
      Atomics.wait(this.signal, POSTED, p, 50);
    }
  }

  /** Takes what the scanning thread posted so far. */
  private take(): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const msg = m.message as ScanBatch | { failed: string } | { done: true };
      if ('failed' in msg || 'done' in msg) {
        this.ended = true;
        continue;
      }
      for (const s of msg.newStrings) this.names.push(this.h.intern(s));
      this.got.set(msg.chunk, msg);
    }
  }
}
