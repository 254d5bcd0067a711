// Importer for Jepsen's plain log lines (`INFO  jepsen.util - 3	:invoke	:read	nil`): event lines
// become history events, other log output is skipped, a malformed event line is a UserError.

import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { forEachLine } from '../jsonl.js';
import type { History } from '../types.js';
import { kw, readOne, type EdnValue } from './edn.js';
import { historyFromJepsen, type JepsenEvent } from './jepsen.js';

/** The start of an event: `jepsen.util - ` (or `jepsen.util: `) then a process number or :nemesis. */
const EVENT_START = /jepsen\.util\s*[-:]?\s+(\d+|:nemesis)\s+:/;
/** A whole event: process, :type, :f, then the value (EDN, may hold spaces). */
const EVENT = /jepsen\.util\s*[-:]?\s+(\d+|:nemesis)\s+:(\S+)\s+:(\S+)(?:\s+(.*?))?\s*$/;
/** A leading timestamp (`2017-03-21 14:05:40,120`), used as the event's time when present. */
const STAMP = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)[,.](\d{1,3})/;

/** Wall-clock stamps (ms since the epoch) of parsed lines; made relative once the file is read. */
const stampMs = new WeakMap<JepsenEvent, number>();
const SMALL_FILE_BYTES = 4 * 1024 * 1024;
const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

/** Parses one event line; undefined when the line is not an event; throws when it is a broken one. */
export function parseLogLine(text: string, file: string, line: number): JepsenEvent | undefined {
  if (text.indexOf('jepsen.util') < 0) return undefined;
  const m = EVENT.exec(text);
  if (!m && !EVENT_START.test(text)) return undefined;
  const expected = 'expected a Jepsen event: PROCESS :TYPE :F VALUE (e.g. "3 :invoke :write 4")';
  if (!m) throw new UserError(`${expected}, got ${JSON.stringify(text.slice(0, 80))}`, { file, line });
  const [, proc, type, f, valueText] = m;
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
    size = statSync(path).size;
  } catch {
    // forEachLine reports the unreadable file.
  }
  if (size < SMALL_FILE_BYTES) {
    // Small logs (the common case) in one read: the chunked reader's buffer costs more than the file.
    const lines = readFileSync(path, 'utf8').split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    for (let i = 0; i < lines.length; i++) onLine(lines[i], i + 1);
  } else forEachLine(path, onLine);
  if (events.length === 0) throw new UserError('no Jepsen events found (lines like "INFO  jepsen.util - 3 :invoke :read nil")', { file: path });
  const t0 = stampMs.get(events[0]);
  const allStamped = t0 !== undefined && events.every((e) => stampMs.has(e));
  if (allStamped) for (const e of events) e.timeNs = (stampMs.get(e)! - t0) * 1e6;
  return historyFromJepsen(path, events);
}
