// The run's history file: events encoded straight into one buffer, written when it fills, at the
// file offset each buffer holds (so buffers may land in any order). A simulated run writes them
// behind its back, on libuv's thread pool, while it simulates on; any other run writes in place.

import { close, fsync, openSync, write, writeSync } from 'node:fs';
import { ENCODE_SLACK, encodeEvent } from './encode.js';
import { eventToJson } from './jsonl.js';
import type { HistoryEvent } from './types.js';

export interface WriterOptions {
  /** Bytes per buffer (default 1 MiB). */
  flushBytes?: number;
  /**
   * Full buffers that may be written behind on libuv's thread pool at once (default 0: every
   * buffer is written with writeSync). When that many are in flight the next is written in place.
   */
  behind?: number;
}

/** Events by number, as lines (RecordedLines: a run's event columns). */
export interface LineSource {
  /** Event i and a newline at buf[pos..] (ENCODE_SLACK bytes are free there); the new position, or -1 for text(i). */
  encode(i: number, buf: Buffer, pos: number): number;
  /** Event i's line, without the newline. */
  text(i: number): string;
}

/** A full buffer on its way to the file. */
interface InFlight {
  buf: Buffer;
  len: number;
  at: number;
}

/**
 * Append-only history file. A flush() (a signal handler's) leaves a well-formed file of every event
 * recorded so far: it writes what it holds, and every buffer still in flight again, in place (the
 * same bytes at the same offsets, so a write behind that lands later changes nothing).
 */
export class HistoryWriter {
  private fd: number | undefined;
  private buf: Buffer;
  private pos = 0;
  /** Where the buffer's first byte goes in the file. */
  private at = 0;
  private readonly behind: number;
  private readonly inFlight = new Set<InFlight>();
  private readonly spare: Buffer[] = [];
  private failure: Error | undefined;
  private drained: (() => void) | undefined;
  count = 0;

  constructor(
    readonly path: string,
    opts: WriterOptions = {},
  ) {
    this.fd = openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(opts.flushBytes ?? 1 << 20);
    this.behind = opts.behind ?? 0;
  }

  write(e: HistoryEvent): void {
    if (this.pos + ENCODE_SLACK > this.buf.length) this.full();
    if (ENCODE_SLACK <= this.buf.length) {
      const at = encodeEvent(this.buf, this.pos, e);
      if (at >= 0) {
        this.pos = at;
        this.count++;
        return;
      }
    }
    this.writeText(eventToJson(e));
  }

  /** The lines of events [from, to) of `lines` (a stretch of a run's event columns). */
  writeFrom(lines: LineSource, from: number, to: number): void {
    const fast = ENCODE_SLACK <= this.buf.length;
    for (let i = from; i < to; i++) {
      if (this.pos + ENCODE_SLACK > this.buf.length) this.full();
      const at = fast ? lines.encode(i, this.buf, this.pos) : -1;
      if (at >= 0) {
        this.pos = at;
        this.count++;
      } else this.writeText(lines.text(i));
    }
  }

  private writeText(line: string): void {
    // A UTF-16 unit is at most 3 bytes of UTF-8; the newline is one more.
    if (this.pos + line.length * 3 + 1 > this.buf.length) {
      this.full();
      if (line.length * 3 + 1 > this.buf.length) this.buf = Buffer.allocUnsafe(line.length * 3 + 1);
    }
    this.pos += this.buf.write(line, this.pos);
    this.buf[this.pos++] = 10;
    this.count++;
  }

  /** Writes everything recorded so far before it returns (also what is still in flight). */
  flush(): void {
    this.raise();
    if (this.fd === undefined) return;
    for (const w of this.inFlight) writeAll(this.fd, w.buf, w.len, w.at);
    this.writeHere();
  }

  /**
   * Writes what is left, and what is still in flight, in place (so the file is whole once this
   * returns its promise, as after flush(): a process that exits meanwhile loses nothing); once the
   * writes behind have landed too, syncs the file to disk and closes it on libuv's thread pool while
   * this thread goes on (a run's checkers). Resolves once it is synced and closed (best effort: a
   * sync that fails, e.g. on a pipe, still closes); rejects if a write failed.
   */
  async closeDurable(): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) return;
    let failed: unknown;
    try {
      this.flush();
    } catch (e) {
      failed = e;
    }
    // (the fd is closed only once no write behind can still use it)
    if (this.inFlight.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.fd = undefined;
    await new Promise<void>((resolve) => fsync(fd, () => close(fd, () => resolve())));
    if (failed !== undefined) throw failed;
    this.raise();
  }

  /** The buffer is full: behind, when there is room in flight; else here. */
  private full(): void {
    this.raise();
    if (this.fd === undefined || this.pos === 0) return;
    if (this.inFlight.size >= this.behind) {
      this.writeHere();
      return;
    }
    const w: InFlight = { buf: this.buf, len: this.pos, at: this.at };
    this.inFlight.add(w);
    this.writeBehind(this.fd, w, 0);
    this.at += this.pos;
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(this.buf.length);
    this.pos = 0;
  }

  private writeBehind(fd: number, w: InFlight, off: number): void {
    write(fd, w.buf, off, w.len - off, w.at + off, (err, n) => {
      if (err === null && off + n < w.len) return this.writeBehind(fd, w, off + n);
      if (err !== null) this.failure ??= err;
      this.inFlight.delete(w);
      this.spare.push(w.buf);
      if (this.inFlight.size === 0) this.drained?.();
    });
  }

  private writeHere(): void {
    if (this.fd === undefined || this.pos === 0) return;
    writeAll(this.fd, this.buf, this.pos, this.at);
    this.at += this.pos;
    this.pos = 0;
  }

  /** A write behind that failed fails the next call, as a write in place would have. */
  private raise(): void {
    const e = this.failure;
    if (e === undefined) return;
    this.failure = undefined;
    throw e;
  }
}

function writeAll(fd: number, buf: Buffer, len: number, at: number): void {
  let off = 0;
  while (off < len) off += writeSync(fd, buf, off, len - off, at + off);
}
