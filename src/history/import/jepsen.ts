// Converts Jepsen operations (from EDN histories or Jepsen logs) into replcheck's history model:
// register ops on one key "r", or on many keys for jepsen.independent `[k v]` tuples.

import { UserError } from '../../errors.js';
import { HistoryBuilder, show } from '../builder.js';
import type { EventType, History, HistoryEvent } from '../types.js';
import { ednToJson, Keyword, Sym, type EdnValue } from './edn.js';

/**
 * The key of a plain single-register Jepsen history (values are bare: `3`, `[from to]`, `nil`).
 * Histories of jepsen.independent put a key in every value (`[k v]`, cas `[k [from to]]`): then
 * each k becomes its own key (keywords and symbols by name, anything else as its EDN text).
 */
export const SINGLE_REGISTER_KEY = 'r';

/** One Jepsen operation as read, before conversion. */
export interface JepsenEvent {
  line: number;
  process: EdnValue;
  type: EdnValue;
  f: EdnValue;
  value: EdnValue;
  /** Nanoseconds, when the source has them. */
  timeNs?: number;
  error?: EdnValue;
  node?: EdnValue;
}

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);
const REGISTER_FS = new Set(['read', 'write', 'cas']);

function name(v: EdnValue): string | undefined {
  if (v instanceof Keyword || v instanceof Sym) return v.name;
  if (typeof v === 'string') return v;
  return undefined;
}

function isPair(v: EdnValue): v is EdnValue[] {
  return Array.isArray(v) && v.length === 2;
}

function keyName(k: EdnValue): string {
  if (typeof k === 'string') return k;
  const n = name(k);
  if (n !== undefined) return n;
  if (typeof k === 'number' || typeof k === 'boolean' || k === null) return String(k);
  return JSON.stringify(ednToJson(k));
}

/** A jepsen.independent history puts `[k v]` in every value; a plain one has nil read invokes. */
function isIndependent(events: JepsenEvent[]): boolean {
  for (const e of events) {
    if (name(e.type) !== 'invoke' || typeof e.process !== 'number') continue;
    const f = name(e.f);
    if (f === 'read') return isPair(e.value);
    if (f === 'cas') return isPair(e.value) && isPair(e.value[1]);
  }
  return false;
}

function fail(file: string, line: number, message: string, field?: string): never {
  throw new UserError(message, { file, line, field });
}

function errorText(v: EdnValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  const j = ednToJson(v);
  return typeof j === 'string' ? j : JSON.stringify(j);
}

/**
 * Builds a History. Rules: `:fail` and `:info` keep their meaning (did not happen / may have
 * happened); a keyword value on a completion (`:timed-out`) becomes the event's `error` and the
 * invoke's value is kept; times are the source's nanoseconds, else the event's position, and never
 * go backwards; a Jepsen process that invokes again after an `:info` completion (Jepsen itself
 * moves on to a new process number, but edited histories may not) continues under a fresh process
 * id above every id in the file.
 */
export function historyFromJepsen(file: string, events: JepsenEvent[], what = 'event'): History {
  const independent = isIndependent(events);
  const builder = new HistoryBuilder(file, true);
  let maxProcess = -1;
  for (const e of events) if (typeof e.process === 'number' && e.process > maxProcess) maxProcess = e.process;
  let nextFresh = maxProcess + 1;
  /** Jepsen process -> our process id now */
  const alias = new Map<number, number>();
  const crashed = new Set<number>();
  /** our process -> key and value of its pending invoke */
  const pendingKey = new Map<number, { key: string; value: unknown }>();
  let lastTime = 0;
  let index = 0;
  for (const e of events) {
    const type = name(e.type);
    if (type === undefined || !TYPES.has(type)) fail(file, e.line, `expected :invoke, :ok, :fail or :info, got ${show(ednToJson(e.type))}`, 'type');
    const f = name(e.f);
    if (f === undefined || f === '') fail(file, e.line, `expected a keyword, got ${show(ednToJson(e.f))}`, 'f');
    let time = e.timeNs ?? index;
    if (!Number.isFinite(time) || time < lastTime) time = lastTime;
    lastTime = time;
    const at = index++;
    if (name(e.process) === 'nemesis') {
      builder.addEvent({ index: at, time, process: 'nemesis', type: type as EventType, f, value: ednToJson(e.value) }, e.line);
      continue;
    }
    if (typeof e.process !== 'number' || !Number.isInteger(e.process) || e.process < 0) {
      fail(file, e.line, `expected a process number or :nemesis, got ${show(ednToJson(e.process))}`, 'process');
    }
    if (!REGISTER_FS.has(f)) fail(file, e.line, `expected :read, :write or :cas (a register history), got :${f}`, 'f');
    const jp = e.process;
    if (type === 'invoke' && crashed.has(jp)) {
      crashed.delete(jp);
      alias.set(jp, nextFresh++);
    }
    const process = alias.get(jp) ?? jp;
    if (type === 'info') crashed.add(jp);
    let key = SINGLE_REGISTER_KEY;
    let value: EdnValue = e.value;
    if (type === 'invoke') {
      if (independent) {
        if (!isPair(value)) fail(file, e.line, `expected a [key value] tuple (this history uses jepsen.independent keys), got ${show(ednToJson(value))}`, 'value');
        key = keyName(value[0]);
        value = value[1];
      }
      if (f === 'read') value = null;
      if (f === 'cas' && !isPair(value)) fail(file, e.line, `a cas needs [expected new], got ${show(ednToJson(value))}`, 'value');
      const json = ednToJson(value);
      pendingKey.set(process, { key, value: json });
      builder.addEvent({ index: at, time, process, type: 'invoke', f, key, value: json }, e.line);
      continue;
    }
    const pending = pendingKey.get(process);
    pendingKey.delete(process);
    if (pending) key = pending.key;
    if (independent && isPair(value) && keyName(value[0]) === key) value = value[1];
    let error = errorText(e.error);
    let json: unknown;
    if (type === 'ok') {
      if (value instanceof Keyword) fail(file, e.line, `an :ok ${what} needs a value, got ${value.toString()}`, 'value');
      json = ednToJson(value);
      if (f !== 'read' && pending) json = pending.value;
    } else {
      // fail / info: the value is the invoke's; a keyword is the reason (e.g. :timed-out).
      if (value instanceof Keyword && error === undefined) error = value.name;
      json = f === 'read' ? null : (pending?.value ?? ednToJson(value));
    }
    const out: HistoryEvent = { index: at, time, process, type: type as EventType, f, key, value: json };
    if (error !== undefined) out.error = error;
    const node = name(e.node ?? null);
    if (node !== undefined) out.node = node;
    builder.addEvent(out, e.line);
  }
  // Every Jepsen history imported here is a register history, one that only reads included.
  return builder.finish('register');
}
