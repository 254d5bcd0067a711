// Importer for Jepsen's plain log lines (`INFO  jepsen.util - 3	:invoke	:read	nil`): event lines
// become history events, other log output is skipped, a malformed event line is a UserError.

import { statSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { forEachLine } from '../jsonl.js';
import { readWholeFile } from '../limits.js';
import type { History } from '../types.js';
import { kw, readOne, type EdnValue } from './edn.js';
import { historyFromJepsen, type JepsenEvent } from './jepsen.js';

/**
 * An event line is `jepsen.util`, optional spaces, an optional `-` or `:`, spaces, a process
 * number or :nemesis, spaces, `:TYPE`, spaces, `:F`, then the value (EDN, may hold spaces) up to
 * the trailing spaces. It was once the regex
 * /jepsen\.util\s*[-:]?\s+(\d+|:nemesis)\s+:(\S+)\s+:(\S+)(?:\s+(.*?))?\s*$/, which backtracks in
 * quadratic time over a run of spaces; scanEvent matches exactly the same lines in linear time.
 */
export interface EventFields {
  proc: string;
  type: string;
  f: string;
  /** undefined when nothing follows :F; '' when only spaces do. */
  value: string | undefined;
}

/** JavaScript's \s. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Characters a regex `.` does not match. */
function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

function skipSpaces(t: string, i: number): number {
  while (i < t.length && isSpace(t.charCodeAt(i))) i++;
  return i;
}

function skipNonSpaces(t: string, i: number): number {
  while (i < t.length && !isSpace(t.charCodeAt(i))) i++;
  return i;
}

const MARK = 'jepsen.util';

/**
 * The fields of the first `jepsen.util` that starts a whole event; true when some `jepsen.util`
 * starts an event (`... PROCESS :`) but none makes a whole one; false when none starts one.
 * Each attempt scans forward from its mark over runs it does not share with the next mark, and
 * the value's end is found once per line, so the whole line is scanned a bounded number of times.
 */
export function scanEvent(t: string): EventFields | boolean {
  let started = false;
  /** The end of the text without its trailing spaces, and the last line terminator before it. */
  let end = -1;
  let lastTerminator = -1;
  for (let at = t.indexOf(MARK); at >= 0; at = t.indexOf(MARK, at + 1)) {
    // \s*[-:]?\s+
    const afterMark = at + MARK.length;
    const j = skipSpaces(t, afterMark);
    const sep = t.charCodeAt(j);
    let p: number;
    if ((sep === 45 || sep === 58) && j + 1 < t.length && isSpace(t.charCodeAt(j + 1))) p = skipSpaces(t, j + 1);
    else if (j > afterMark) p = j;
    else continue;
    // (\d+|:nemesis)\s+:
    let q = p;
    while (q < t.length && t.charCodeAt(q) >= 48 && t.charCodeAt(q) <= 57) q++;
    if (q === p) {
      if (!t.startsWith(':nemesis', p)) continue;
      q = p + 8;
    }
    if (q >= t.length || !isSpace(t.charCodeAt(q))) continue;
    const typeColon = skipSpaces(t, q);
    if (t.charCodeAt(typeColon) !== 58) continue;
    started = true;
    // (\S+)\s+:(\S+)
    const typeEnd = skipNonSpaces(t, typeColon + 1);
    if (typeEnd === typeColon + 1 || typeEnd >= t.length) continue;
    const fColon = skipSpaces(t, typeEnd);
    if (t.charCodeAt(fColon) !== 58) continue;
    const fEnd = skipNonSpaces(t, fColon + 1);
    if (fEnd === fColon + 1) continue;
    // (?:\s+(.*?))?\s*$
    const fields: EventFields = { proc: t.slice(p, q), type: t.slice(typeColon + 1, typeEnd), f: t.slice(fColon + 1, fEnd), value: undefined };
    if (fEnd === t.length) return fields;
    if (end < 0) {
      end = t.length;
      while (end > 0 && isSpace(t.charCodeAt(end - 1))) end--;
      for (let i = end - 1; i >= 0; i--) {
        if (isLineTerminator(t.charCodeAt(i))) {
          lastTerminator = i;
          break;
        }
      }
    }
    const valueStart = skipSpaces(t, fEnd);
    if (valueStart >= end) {
      fields.value = '';
      return fields;
    }
    if (lastTerminator >= valueStart) continue;
    fields.value = t.slice(valueStart, end);
    return fields;
  }
  return started;
}

/** A leading timestamp (`2017-03-21 14:05:40,120`), used as the event's time when present. */
const STAMP = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)[,.](\d{1,3})/;

/** Wall-clock stamps (ms since the epoch) of parsed lines; made relative once the file is read. */
const stampMs = new WeakMap<JepsenEvent, number>();
const SMALL_FILE_BYTES = 4 * 1024 * 1024;
const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

/** Parses one event line; undefined when the line is not an event; throws when it is a broken one. */
export function parseLogLine(text: string, file: string, line: number): JepsenEvent | undefined {
  if (text.indexOf(MARK) < 0) return undefined;
  const m = scanEvent(text);
  if (m === false) return undefined;
  const expected = 'expected a Jepsen event: PROCESS :TYPE :F VALUE (e.g. "3 :invoke :write 4")';
  if (m === true) throw new UserError(`${expected}, got ${JSON.stringify(text.slice(0, 80))}`, { file, line });
  const { proc, type, f, value: valueText } = m;
  if (!TYPES.has(type)) throw new UserError(`expected :invoke, :ok, :fail or :info, got :${type}`, { file, line });
  if (valueText === undefined || valueText === '') throw new UserError(`${expected}: the value is missing (use nil for none)`, { file, line });
  let value: EdnValue | undefined = simpleValue(valueText);
  if (value === undefined) {
    try {
      value = readOne(valueText, file, line);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`the value ${JSON.stringify(valueText.slice(0, 40))} is not EDN (${e.message})`, { file, line });
      throw e;
    }
  }
  const ev: JepsenEvent = { line, process: proc === ':nemesis' ? kw('nemesis') : Number(proc), type: kw(type), f: kw(f), value };
  const s = STAMP.exec(text);
  if (s) {
    const ms = Date.UTC(+s[1], +s[2] - 1, +s[3], +s[4], +s[5], +s[6], +s[7].padEnd(3, '0'));
    stampMs.set(ev, ms);
  }
  return ev;
}

const INT = /^-?\d{1,15}$/;
const INT_PAIR = /^\[(-?\d{1,15})[\s,]+(-?\d{1,15})\]$/;

/** The common values without the EDN reader: nil, an integer, a pair of integers. */
function simpleValue(text: string): EdnValue | undefined {
  if (text === 'nil') return null;
  if (INT.test(text)) return Number(text);
  const m = INT_PAIR.exec(text);
  if (m) return [Number(m[1]), Number(m[2])];
  return undefined;
}

/** Reads a Jepsen log into a History (times relative to the first event, or event positions). */
export function readJepsenLog(path: string): History {
  const events: JepsenEvent[] = [];
  const onLine = (text: string, line: number): void => {
    const ev = parseLogLine(text, path, line);
    if (ev) events.push(ev);
  };
  let size = Number.POSITIVE_INFINITY;
  try {
    const st = statSync(path);
    if (st.isFile()) size = st.size;
  } catch {
    // forEachLine reports the unreadable file.
  }
  if (size < SMALL_FILE_BYTES) {
    // Small logs (the common case) in one read: the chunked reader's buffer costs more than the file.
    const lines = readWholeFile(path, 'Jepsen log', SMALL_FILE_BYTES).split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    for (let i = 0; i < lines.length; i++) onLine(lines[i], i + 1);
  } else forEachLine(path, onLine);
  if (events.length === 0) throw new UserError('no Jepsen events found (lines like "INFO  jepsen.util - 3 :invoke :read nil")', { file: path });
  const t0 = stampMs.get(events[0]);
  const allStamped = t0 !== undefined && events.every((e) => stampMs.has(e));
  if (allStamped) for (const e of events) e.timeNs = (stampMs.get(e)! - t0) * 1e6;
  return historyFromJepsen(path, events);
}
