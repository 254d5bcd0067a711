// Streaming JSONL reader (file -> validated History) and the reference encoder of one event
// (the run's writer is writer.ts).

import { UserError } from '../errors.js';
import { HistoryBuilder } from './builder.js';
import { MAX_VALUE_DEPTH, TOO_DEEP } from './limits.js';
import { Interner } from './intern.js';
import { forEachLineBytes, type ByteLineFn } from './lines.js';
import { readLinesInParallel, type ParallelOptions } from './parallel-jsonl.js';
import { LineScanner } from './scan.js';
import { ScannedEvent } from './scanned.js';
import type { History, HistoryEvent } from './types.js';

/**
 * Calls `onLine(text, lineNumber)` for each line of a file, read in chunks and decoded line by
 * line from its bytes (so no multi-byte character is split at a chunk's edge).
 */
export function forEachLine(path: string, onLine: (text: string, line: number) => void): void {
  forEachLineBytes(path, (buf, start, end, line) => onLine(buf.toString('utf8', start, end), line));
}

/**
 * Reads and validates a JSONL history file. Every problem is a UserError naming the line. A line
 * of the common shape is scanned from its bytes (scan.ts) into the builder; any other line, and
 * any line the builder would reject, takes JSON.parse and HistoryBuilder.add, which say why.
 */
export function readJsonlHistory(path: string, opts: ParallelOptions = {}): History {
  const builder = new HistoryBuilder(path, true);
  const strings = new Interner();
  const scanner = new LineScanner(strings);
  const scanned = new ScannedEvent();
  const onLine: ByteLineFn = (buf, start, end, line) => {
    if (scanner.scan(buf, start, end, scanned) && builder.addScanned(scanned, line)) return;
    addParsed(builder, buf.toString('utf8', start, end), path, line);
  };
  // (a large file: another thread scans the second half meanwhile; every line still enters the builder here, in order)
  const parallel = readLinesInParallel(path, { onLine, onScanned: (s, line) => builder.addScanned(s, line), intern: (s) => strings.getString(s) }, opts);
  if (!parallel) forEachLineBytes(path, onLine);
  return builder.finish();
}

/** The general path for one line: JSON.parse, then the builder's checks. */
function addParsed(builder: HistoryBuilder, text: string, path: string, line: number): void {
  // A UTF-8 byte order mark (as editors on Windows write) is not part of the first event.
  if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (isBlank(text)) return;
  checkDepth(text, path, line);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`not valid JSON (${(e as Error).message})`, { file: path, line });
  }
  builder.add(value, line);
}

/** The deepest a line may nest: the event object, then MAX_VALUE_DEPTH levels inside it. */
const MAX_LINE_DEPTH = MAX_VALUE_DEPTH + 1;

/**
 * Rejects a line nested deeper than a history can be, before JSON.parse builds it: linear, and
 * skipped (after a few native indexOf calls) unless the line has enough brackets to be that deep.
 */
export function checkDepth(text: string, file: string | undefined, line: number): void {
  let openers = 0;
  for (let p = text.indexOf('['); p >= 0 && openers <= MAX_LINE_DEPTH; p = text.indexOf('[', p + 1)) openers++;
  for (let p = text.indexOf('{'); p >= 0 && openers <= MAX_LINE_DEPTH; p = text.indexOf('{', p + 1)) openers++;
  if (openers <= MAX_LINE_DEPTH) return;
  let depth = 0;
  /** The last string seen at depth 1, and the key of the field being read (depth 1 `"key":`). */
  let strStart = -1;
  let strEnd = -1;
  let keyStart = -1;
  let keyEnd = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const start = ++i;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 34) break;
        else i++;
      }
      if (depth === 1) {
        strStart = start;
        strEnd = Math.min(i, n);
      }
    } else if (c === 58) {
      if (depth === 1) {
        keyStart = strStart;
        keyEnd = strEnd;
      }
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_LINE_DEPTH) {
        const field = keyStart >= 0 ? text.slice(keyStart, Math.min(keyEnd, keyStart + 40)) : undefined;
        throw new UserError(TOO_DEEP, { file, line, field });
      }
    } else if (c === 93 || c === 125) {
      depth--;
      if (depth === 1) keyStart = -1;
    }
  }
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** A number as JSON.stringify writes it (NaN and infinities as null). */
const num = (n: number): string => (Number.isFinite(n) ? `${n}` : 'null');

/**
 * Serialises one event with SPEC's field order: the same text as JSON.stringify of an object with
 * those fields, built as a string (the runner writes two events per op, so no object per event).
 */
export function eventToJson(e: HistoryEvent): string {
  let s = `{"index":${num(e.index)},"time":${num(e.time)},"process":${typeof e.process === 'number' ? num(e.process) : JSON.stringify(e.process)}`;
  if (e.session !== undefined) s += `,"session":${JSON.stringify(e.session)}`;
  if (e.user !== undefined) s += `,"user":${JSON.stringify(e.user)}`;
  s += `,"type":${JSON.stringify(e.type)},"f":${JSON.stringify(e.f)}`;
  if (e.key !== undefined) s += `,"key":${JSON.stringify(e.key)}`;
  s += `,"value":${e.value === undefined ? 'null' : (JSON.stringify(e.value) ?? 'null')}`;
  if (e.node !== undefined) s += `,"node":${JSON.stringify(e.node)}`;
  if (e.final !== undefined) s += `,"final":${JSON.stringify(e.final)}`;
  if (e.error !== undefined) s += `,"error":${JSON.stringify(e.error)}`;
  if (e.served !== undefined) s += `,"served":${JSON.stringify(e.served)}`;
  return s + '}';
}
