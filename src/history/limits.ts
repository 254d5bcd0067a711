// Limits every history reader enforces (DESIGN principle 7), and reading a whole file with one
// "cannot read: CODE" message for every format.

import { constants } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../errors.js';

/**
 * How deep a value may nest inside an event. A history value is an element, a list of elements or
 * a small tuple (cas `[from, to]`, jepsen.independent `[k [from to]]`, a nemesis partition's
 * groups); anything deeper is not a history, and rejecting it early keeps every reader and
 * checker off deep recursion.
 */
export const MAX_VALUE_DEPTH = 8;

export const TOO_DEEP = `nested deeper than ${MAX_VALUE_DEPTH} levels (a history value is an element, a list of elements or a small tuple)`;

/** The longest line a line reader accepts (a chunk longer than this is not one event). */
export const MAX_LINE_CHARS = 256 * 1024 * 1024;

/** The largest file read whole into one string: V8's longest string (about 512 Mi characters). */
export const MAX_WHOLE_FILE_BYTES = constants.MAX_STRING_LENGTH;

export function cannotRead(path: string, e: unknown): UserError {
  return new UserError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
}

/** Opens a file to read it, or throws "cannot read: CODE" naming it. */
export function openForRead(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw cannotRead(path, e);
  }
}

/**
 * A whole file as UTF-8 text: a directory, a missing or unreadable file is "cannot read: CODE"; a
 * file (or device, such as /dev/zero) larger than `maxBytes` is refused instead of read forever.
 */
export function readWholeFile(path: string, what: string, maxBytes = MAX_WHOLE_FILE_BYTES): string {
  const fd = openForRead(path);
  try {
    let size: number;
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
      size = st.isFile() ? st.size : 0;
    } catch (e) {
      throw cannotRead(path, e);
    }
    if (size > maxBytes) throw tooLarge(path, what, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(Math.max(size + 1, 64 * 1024), maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        throw cannotRead(path, e);
      }
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooLarge(path, what, maxBytes);
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    }
    return (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function tooLarge(path: string, what: string, maxBytes: number): UserError {
  return new UserError(`larger than ${Math.round(maxBytes / (1024 * 1024))} MiB, too large for the ${what} reader (convert it to JSONL, which is read line by line)`, { file: path });
}
