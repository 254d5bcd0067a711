// Streaming JSONL reader (file -> validated History) and an append-only JSONL writer for runs.

import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { UserError } from '../errors.js';
import { HistoryBuilder } from './builder.js';
import type { History, HistoryEvent } from './types.js';

const CHUNK_BYTES = 8 * 1024 * 1024;

/** Calls `onLine(text, lineNumber)` for each line of a file, reading it in fixed-size chunks. */
export function forEachLine(path: string, onLine: (text: string, line: number) => void): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UserError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
  }
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let carry = '';
    let line = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, CHUNK_BYTES, null);
      } catch (e) {
        throw new UserError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
      }
      if (n === 0) break;
      // Cut at the last newline so no multi-byte character is split.
      const lastNl = buf.lastIndexOf(10, n - 1);
      let text: string;
      if (lastNl < 0) {
        carry += buf.toString('utf8', 0, n);
        continue;
      }
      text = carry + buf.toString('utf8', 0, lastNl);
      carry = buf.toString('utf8', lastNl + 1, n);
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) {
          onLine(text.slice(start), ++line);
          break;
        }
        onLine(text.slice(start, nl), ++line);
        start = nl + 1;
      }
    }
    if (carry.length > 0) onLine(carry, ++line);
  } finally {
    closeSync(fd);
  }
}

/** Reads and validates a JSONL history file. Every problem is a UserError naming the line. */
export function readJsonlHistory(path: string): History {
  const builder = new HistoryBuilder(path, true);
  forEachLine(path, (text, line) => {
    if (isBlank(text)) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new UserError(`not valid JSON (${(e as Error).message})`, { file: path, line });
    }
    builder.add(value, line);
  });
  return builder.finish();
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Serialises one event with SPEC's field order. */
export function eventToJson(e: HistoryEvent): string {
  const o: Record<string, unknown> = { index: e.index, time: e.time, process: e.process };
  if (e.session !== undefined) o.session = e.session;
  if (e.user !== undefined) o.user = e.user;
  o.type = e.type;
  o.f = e.f;
  if (e.key !== undefined) o.key = e.key;
  o.value = e.value === undefined ? null : e.value;
  if (e.node !== undefined) o.node = e.node;
  if (e.final !== undefined) o.final = e.final;
  if (e.error !== undefined) o.error = e.error;
  return JSON.stringify(o);
}

/**
 * Append-only history file. Lines are buffered and written with writeSync, so a flush() from a
 * signal handler leaves a well-formed file of every event recorded so far.
 */
export class HistoryWriter {
  private fd: number | undefined;
  private buf: string[] = [];
  private bytes = 0;
  count = 0;

  constructor(readonly path: string, private readonly flushBytes = 256 * 1024) {
    this.fd = openSync(path, 'w');
  }

  write(e: HistoryEvent): void {
    const line = eventToJson(e) + '\n';
    this.buf.push(line);
    this.bytes += line.length;
    this.count++;
    if (this.bytes >= this.flushBytes) this.flush();
  }

  flush(): void {
    if (this.fd === undefined || this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.bytes = 0;
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    try {
      fsyncSync(this.fd);
    } catch {
      // fsync is best effort (e.g. on pipes).
    }
    closeSync(this.fd);
    this.fd = undefined;
  }
}
