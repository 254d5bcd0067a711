// Reading a file line by line as bytes: each line is handed over as a range of one buffer, so a
// reader can scan it without decoding, and decodes (when it must) on line boundaries only — no
// multi-byte character is ever split, however long the line and wherever the chunks end.

import { closeSync, readSync } from 'node:fs';
import { UserError } from '../errors.js';
import { cannotRead, MAX_LINE_CHARS, openForRead } from './limits.js';

const CHUNK_BYTES = 8 * 1024 * 1024;

/** `buf[start, end)` is line `line` (1-based) without its newline; the bytes are valid during the call only. */
export type ByteLineFn = (buf: Buffer, start: number, end: number, line: number) => void;

/** UTF-16 units the bytes decode to (exact for valid UTF-8): what a line's length is measured in. */
export function utf16Units(buf: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if ((c & 0xc0) !== 0x80) n += c >= 0xf0 && c <= 0xf4 ? 2 : 1;
  }
  return n;
}

function tooLong(path: string, line: number): UserError {
  return new UserError(`line longer than ${MAX_LINE_CHARS / (1024 * 1024)} MiB; one event per line is expected`, { file: path, line });
}

/**
 * Calls `onLine` for each line of a file, read in 8 MiB chunks. A line longer than a chunk is kept
 * as the chunks it spans and joined once it ends (so memory stays about the line's size).
 */
export function forEachLineBytes(path: string, onLine: ByteLineFn): void {
  const fd = openForRead(path);
  try {
    readLines(fd, path, onLine);
  } finally {
    closeSync(fd);
  }
}

/** The bytes of a file read, and the lines counted: where a range's lines begin and how many came before. */
export interface LineRange {
  /** The first byte, and the end (exclusive); lines end at newlines inside it, the last one at `to`. */
  from: number;
  to: number;
  /** Lines before the range (its first line is number firstLine + 1). */
  firstLine: number;
}

/**
 * Calls `onLine` for each line of an open file, read in 8 MiB chunks: the whole file from where it
 * stands (a pipe, too), or only `range` of a regular file (positional reads). A line longer than a
 * chunk is kept as the chunks it spans and joined once it ends (so memory stays about the line's
 * size). Returns the number of the last line.
 */
export function readLines(fd: number, path: string, onLine: ByteLineFn, range?: LineRange): number {
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let have = 0; // buf[0, have) holds the end of a line not yet ended
  let parts: Buffer[] = []; // the earlier chunks of that line, when it is longer than a chunk
  let units = 0; // the line's length so far, in UTF-16 units
  let line = range?.firstLine ?? 0;
  let at = range?.from ?? 0;
  for (;;) {
    let n: number;
    try {
      const want = range === undefined ? CHUNK_BYTES - have : Math.min(CHUNK_BYTES - have, range.to - at);
      n = want === 0 ? 0 : readSync(fd, buf, have, want, range === undefined ? null : at);
    } catch (e) {
      throw cannotRead(path, e);
    }
    if (n === 0) break;
    at += n;
    const from = have;
    have += n;
    const filled = buf.subarray(0, have);
    let start = 0;
    let nl = filled.indexOf(10, from);
    if (nl >= 0 && parts.length > 0) {
      const joined = Buffer.concat([...parts, buf.subarray(0, nl)]);
      parts = [];
      onLine(joined, 0, joined.length, ++line);
      start = nl + 1;
      nl = filled.indexOf(10, start);
    }
    for (; nl >= 0; nl = filled.indexOf(10, start)) {
      onLine(buf, start, nl, ++line);
      start = nl + 1;
    }
    if (start === 0) {
      units += utf16Units(buf, from, have);
    } else {
      buf.copy(buf, 0, start, have);
      have -= start;
      units = utf16Units(buf, 0, have);
    }
    // A line this long is not an event (and /dev/zero would otherwise be read forever).
    if (units > MAX_LINE_CHARS) throw tooLong(path, line + 1);
    if (have === CHUNK_BYTES) {
      parts.push(buf);
      buf = Buffer.allocUnsafe(CHUNK_BYTES);
      have = 0;
    }
  }
  if (parts.length > 0 || have > 0) {
    const last = parts.length > 0 ? Buffer.concat([...parts, buf.subarray(0, have)]) : buf;
    onLine(last, 0, parts.length > 0 ? last.length : have, ++line);
  }
  return line;
}
