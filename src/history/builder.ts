// Validates history events one at a time (SPEC section 4) and pairs invokes with completions into Ops.

import { UserError } from '../errors.js';
import { VALUE_LIST, VALUE_NULL, type ScannedEvent } from './scanned.js';
import { HistoryColumns, type TimeColumns } from './columns.js';
import type { FlatReads } from './flat-reads.js';
import { BuiltOp } from './op.js';
import { servedProblem } from './served.js';
import {
  APPEND_FS,
  KV_FS,
  REGISTER_FS,
  type CompletionType,
  type EventType,
  type History,
  type HistoryEvent,
  type NemesisEvent,
  type Served,
  type WorkloadKind,
} from './types.js';

const EVENT_TYPES = new Set<EventType>(['invoke', 'ok', 'fail', 'info']);
const NONE = -1;
const CRASHED = -2;
const SMALL_PROCESS = 1 << 22;
const CLIENT_FS = new Set([...APPEND_FS, ...REGISTER_FS]);

interface Where {
  file?: string;
  line?: number;
}

/**
 * Accepts events in history order, checks every rule of SPEC section 4 and builds the History.
 * `strictIndex` requires `index` to equal the event's position (true for JSONL files).
 */
export class HistoryBuilder {
  private readonly ops: BuiltOp[] = [];
  private readonly nemesis: NemesisEvent[] = [];
  /**
   * Per process: id of its pending op, NONE, or CRASHED (it completed an op with info). Small
   * process ids live in a growable typed array (no hashing per event); others in a Map.
   */
  private states = new Int32Array(1024).fill(NONE);
  private readonly bigStates = new Map<number, number>();
  /** The first ok read (by op id) that returned no list: an error if the workload is append. */
  private firstNonListRead = -1;
  /** Whether any ok read returned a list (a read-only history of lists is an append history). */
  private sawListRead = false;
  /** Ok read lists of int32s copied flat while each event is at hand (see flatReads). */
  private readonly cols = new HistoryColumns();
  private count = 0;
  private lastTime = 0;
  private hasFinal = false;
  private sawRegister = false;
  /** Where the workload was first told (an append, or a write or cas), to name it when they mix. */
  private firstKind: { f: string; index: number; line?: number } | undefined;

  /**
   * `kind` = 'kv' (the Porcupine kv importer) makes a kv history: its fs are get, put and append
   * (string values) and no others. Without it the fs and messages are the append/register ones,
   * unless the first client event is a get or a put: then it is a kv history too (so the
   * history.jsonl a kv check writes reads back).
   */
  constructor(
    private readonly file?: string,
    private readonly strictIndex = true,
    private kind?: 'kv',
  ) {}

  private fail(message: string, line: number | undefined, field?: string): never {
    throw new UserError(message, { file: this.file, line, field });
  }

  /** Validates the shape of a parsed JSON value and adds it. `line` is 1-based, for messages. */
  add(raw: unknown, line?: number): void {
    const where: Where = { file: this.file, line };
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.fail('expected a JSON object (one event per line)', line);
    }
    const e = raw as Record<string, unknown>;
    const index = e.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      this.fail(`expected a non-negative integer, got ${show(index)}`, line, 'index');
    }
    if (this.strictIndex && index !== this.count) {
      this.fail(`expected ${this.count} (the event's position from 0), got ${index}`, line, 'index');
    }
    const time = e.time;
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) {
      this.fail(`expected a non-negative number of nanoseconds, got ${show(time)}`, line, 'time');
    }
    if (time < this.lastTime) {
      this.fail(`time goes backwards (${time} after ${this.lastTime}); events must be in the order they happened`, line, 'time');
    }
    const type = e.type;
    if (typeof type !== 'string' || !EVENT_TYPES.has(type as EventType)) {
      this.fail(`expected "invoke", "ok", "fail" or "info", got ${show(type)}`, line, 'type');
    }
    const f = e.f;
    if (typeof f !== 'string' || f === '') this.fail(`expected a non-empty string, got ${show(f)}`, line, 'f');
    const process = e.process;
    this.count++;
    this.lastTime = time;
    if (process === 'nemesis') {
      this.nemesis.push(e as unknown as NemesisEvent);
      return;
    }
    if (typeof process !== 'number' || !Number.isInteger(process) || process < 0) {
      this.fail(`expected a non-negative integer or "nemesis", got ${show(process)}`, line, 'process');
    }
    if (!('value' in e)) this.fail('missing (use null for none)', line, 'value');
    optionalString(e, 'session', where);
    optionalString(e, 'user', where);
    optionalString(e, 'node', where);
    optionalString(e, 'error', where);
    if (e.final !== undefined && typeof e.final !== 'boolean') {
      this.fail(`expected true or false, got ${show(e.final)}`, line, 'final');
    }
    if (e.served !== undefined) {
      if (type === 'invoke') this.fail('served belongs on the completion (ok, fail or info), not on an invoke', line, 'served');
      const problem = servedProblem(e.served);
      if (problem) this.fail(problem[1], line, problem[0]);
    }
    if (this.kind === undefined && this.ops.length === 0 && (f === 'get' || f === 'put')) this.kind = 'kv';
    if (this.kind === 'kv') {
      if (!KV_FS.has(f)) this.fail(`expected one of get, put, append (a kv history), got ${show(f)}`, line, 'f');
      kvValue(e.value, f, type as EventType, where);
    } else if (!CLIENT_FS.has(f)) {
      this.fail(`expected one of append, read, write, cas, got ${show(f)}`, line, 'f');
    }
    const key = e.key;
    if (typeof key !== 'string') this.fail(`expected a string, got ${show(key)}`, line, 'key');
    this.addClient(e as unknown as HistoryEvent, process, type as EventType, f, key, line);
  }

  private stateOf(process: number): number {
    if (process < SMALL_PROCESS) return process < this.states.length ? this.states[process] : NONE;
    return this.bigStates.get(process) ?? NONE;
  }

  private setState(process: number, state: number): void {
    if (process >= SMALL_PROCESS) {
      if (state === NONE) this.bigStates.delete(process);
      else this.bigStates.set(process, state);
      return;
    }
    if (process >= this.states.length) {
      const grown = new Int32Array(Math.max(process + 1, this.states.length * 2)).fill(NONE);
      grown.set(this.states);
      this.states = grown;
    }
    this.states[process] = state;
  }

  private addClient(e: HistoryEvent, process: number, type: EventType, f: string, key: string, line?: number): void {
    const state = this.stateOf(process);
    if (type === 'invoke') {
      if (state === CRASHED) {
        this.fail(`process ${process} already completed an op with info; after info a client continues as a new process`, line, 'process');
      }
      if (state !== NONE) {
        const prev = this.ops[state];
        this.fail(`process ${process} invokes again while its op from index ${prev.invokeIndex} is pending`, line, 'process');
      }
      if (f !== 'read' && this.kind === undefined) this.noteWorkload(f, e.index, line);
      if (f === 'write' || f === 'cas') this.sawRegister = true;
      if (f === 'append' && e.value === null) this.fail('an append needs an element', line, 'value');
      if (f === 'cas' && !(Array.isArray(e.value) && e.value.length === 2)) {
        this.fail(`a cas needs [expected, new], got ${show(e.value)}`, line, 'value');
      }
      this.openOp(process, e.session, e.user, f, key, e.index, e.time, e.value, e.node, e.final === true);
      return;
    }
    if (state < 0) {
      this.fail(`a completion (${type}) of process ${process} with no pending invoke`, line, 'type');
    }
    const op = this.ops[state];
    if (op.f !== f) this.fail(`completion f ${show(f)} does not match its invoke's ${show(op.f)} (index ${op.invokeIndex})`, line, 'f');
    if (op.key !== key) this.fail(`completion key ${show(key)} does not match its invoke's ${show(op.key)} (index ${op.invokeIndex})`, line, 'key');
    this.closeOp(op, type, e.index, e.time, e.value, e.node, e.error, e.served, e.final === true);
    if (type === 'ok' && f === 'read') {
      if (Array.isArray(e.value)) {
        this.sawListRead = true;
        if (this.cols.lists.copy(op.id, e.value)) op.keepInLists();
      } else this.noteNonListRead(op.id);
    }
  }

  /** A new pending op of `process` from its invoke. */
  private openOp(process: number, session: string | undefined, user: string | undefined, f: string, key: string, index: number, time: number, value: unknown, node: string | undefined, final: boolean): BuiltOp {
    const op = new BuiltOp(this.cols, this.ops.length, process, session ?? String(process), user, f, key, index, time, value, node, final);
    if (final) this.hasFinal = true;
    this.setState(process, op.id);
    this.ops.push(op);
    return op;
  }

  /** Completes a pending op (the checks done). */
  private closeOp(op: BuiltOp, type: EventType, index: number, time: number, value: unknown, node: string | undefined, error: string | undefined, served: Served | undefined, final: boolean): void {
    this.setState(op.process, type === 'info' ? CRASHED : NONE);
    op.type = type as CompletionType;
    op.completeIndex = index;
    op.completeTime = time;
    op.value = value;
    if (node !== undefined) op.node = node;
    if (error !== undefined) op.error = error;
    if (served !== undefined) op.served = served;
    if (final) {
      op.final = true;
      this.hasFinal = true;
    }
  }

  private noteNonListRead(id: number): void {
    if (this.firstNonListRead < 0 || id < this.firstNonListRead) this.firstNonListRead = id;
  }

  /** A history holds one workload: the first append, or write or cas, decides it; the other kind is an error. */
  private noteWorkload(f: string, index: number, line: number | undefined): void {
    const first = this.firstKind;
    if (first === undefined) {
      this.firstKind = { f, index, line };
      return;
    }
    if ((first.f === 'append') === (f === 'append')) return;
    const where = first.line !== undefined ? `line ${first.line}` : `index ${first.index}`;
    const [has, kind] = first.f === 'append' ? ['an append', 'an append'] : [`a ${first.f}`, 'a register'];
    this.fail(
      `${show(f)} mixes workloads: ${where} has ${has}, so this is ${kind} history; a history holds one workload, append (append, read) or register (read, write, cas)`,
      line,
      'f',
    );
  }

  /**
   * Adds a line the byte scanner read (scan.ts) when it passes every check: the same op as add()
   * makes of the parsed line. False, with nothing changed, when any rule would fail or the line
   * needs add()'s general path (a kv history, a served on an invoke): the caller then add()s it.
   */
  addScanned(s: ScannedEvent, line: number): boolean {
    const { f, type } = s;
    if (this.kind !== undefined || (this.strictIndex && s.index !== this.count) || s.time < this.lastTime) return false;
    if (f !== 'append' && f !== 'read' && f !== 'write' && f !== 'cas') return false;
    const state = this.stateOf(s.process);
    if (type === 'invoke') {
      if (state !== NONE || s.served !== undefined) return false;
      if (f !== 'read' && this.mixes(f)) return false;
      if (f === 'append' ? s.valueKind === VALUE_NULL : f === 'cas' && !(s.valueKind === VALUE_LIST && s.listLen === 2)) return false;
      this.count++;
      this.lastTime = s.time;
      if (f !== 'read') this.noteWorkload(f, s.index, line);
      if (f === 'write' || f === 'cas') this.sawRegister = true;
      this.openOp(s.process, s.session, s.user, f, s.key, s.index, s.time, s.value(), s.node, s.final === true);
      return true;
    }
    if (type !== 'ok' && type !== 'fail' && type !== 'info') return false;
    if (state < 0 || this.ops[state].f !== f || this.ops[state].key !== s.key) return false;
    const op = this.ops[state];
    this.count++;
    this.lastTime = s.time;
    if (type === 'ok' && f === 'read' && s.valueKind === VALUE_LIST) {
      this.closeOp(op, type, s.index, s.time, null, s.node, s.error, s.served, s.final === true);
      this.sawListRead = true;
      this.cols.lists.copyInts(op.id, s.list, s.listLen);
      op.keepInLists();
      return true;
    }
    this.closeOp(op, type, s.index, s.time, s.value(), s.node, s.error, s.served, s.final === true);
    if (type === 'ok' && f === 'read') this.noteNonListRead(op.id);
    return true;
  }

  /** Whether an invoke of `f` (not a read) would mix workloads (noteWorkload would reject it). */
  private mixes(f: string): boolean {
    const first = this.firstKind;
    return first !== undefined && (first.f === 'append') !== (f === 'append');
  }

  /** Room for this many read-list elements in all (a caller that knows the total: no regrowth, no trim). */
  reserveListElements(n: number): void {
    this.cols.lists.reserveElements(n);
  }

  /** Adds an already-typed event (importers, the runner). */
  addEvent(e: HistoryEvent, line?: number): void {
    this.add(e, line);
  }

  /**
   * The workload: register once a write or cas was seen; a history that only reads is a register
   * history when no ok read returned a list and one returned something else (a register's value),
   * else append (a read-only history of lists, or of nothing telling). An importer of register
   * histories (Jepsen) says `register` outright: then a read-only history is one whatever it read.
   */
  private workload(known?: WorkloadKind): WorkloadKind {
    if (this.kind === 'kv') return 'kv';
    if (this.sawRegister || (known === 'register' && this.firstKind === undefined)) return 'register';
    const readOnly = this.firstKind === undefined;
    return readOnly && this.firstNonListRead >= 0 && !this.sawListRead ? 'register' : 'append';
  }

  finish(known?: WorkloadKind): History {
    const workload = this.workload(known);
    if (workload === 'append' && this.firstNonListRead >= 0) {
      const op = this.ops[this.firstNonListRead];
      throw new UserError(`an ok read of the append workload must return a list, got ${show(op.value)}`, {
        file: this.file,
        field: `value (index ${op.completeIndex})`,
      });
    }
    const history: History = {
      source: this.file,
      ops: this.ops,
      nemesis: this.nemesis,
      eventCount: this.count,
      endTime: this.lastTime,
      workload,
      hasFinalReads: this.hasFinal,
    };
    const { times, flat } = this.cols.finish(this.ops.length);
    columnsOf.set(history, { times, flat: workload === 'append' ? flat : undefined });
    return history;
  }
}

export type { FlatReads, TimeColumns };

/** What finish() kept of the builder's columns, per built history. */
const columnsOf = new WeakMap<History, { times: TimeColumns; flat?: FlatReads }>();

/** A built history's op times as columns (undefined: not built by HistoryBuilder). */
export function timeColumns(h: History): TimeColumns | undefined {
  return columnsOf.get(h)?.times;
}

/** The flat copy of a built history's read lists (undefined: not built by HistoryBuilder, or not append). */
export function flatReads(h: History): FlatReads | undefined {
  return columnsOf.get(h)?.flat;
}

/** A kv op's value: a string to put or append; a get's invoke nil and its ok the string read (or nil). */
function kvValue(v: unknown, f: string, type: EventType, where: Where): void {
  if (type === 'fail' || type === 'info') return; // what an op that failed or timed out carries is not read
  const getInvoke = f === 'get' && type === 'invoke';
  if (getInvoke ? v === null : typeof v === 'string' || (f === 'get' && v === null)) return;
  const want = getInvoke ? 'nil on a get invoke' : f === 'get' ? 'the string read (or nil)' : `the string to ${f}`;
  throw new UserError(`expected ${want}, got ${show(v)}`, { ...where, field: 'value' });
}

function optionalString(e: Record<string, unknown>, field: string, where: Where): void {
  const v = e[field];
  if (v !== undefined && typeof v !== 'string') {
    throw new UserError(`expected a string, got ${show(v)}`, { ...where, field });
  }
}

export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Builds a History from in-memory events (tests, the runner). */
export function historyFromEvents(events: Iterable<HistoryEvent>, source?: string): History {
  const b = new HistoryBuilder(source, true);
  let line = 1;
  for (const e of events) b.add(e, line++);
  return b.finish();
}
