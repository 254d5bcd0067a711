// The events of a run held while the run goes on (a row of typed-array slots per event, interned
// strings, read lists in one flat buffer), turned into a History by the builder once the run is over. A driver
// against a real database keeps no object per op while it drives: that is what keeps the garbage
// collector out of its way (issue 13). The History built at the end is the one the builder would
// have built event by event, with the same messages for the same faults.

import { HistoryBuilder } from './builder.js';
import { GrowingInts } from './flat-reads.js';
import { NameTable } from './growable.js';
import { ScannedEvent, VALUE_INT, VALUE_LIST, VALUE_NULL } from './scanned.js';
import { servedProblem } from './served.js';
import type { EventType, History, HistoryEvent, Served, WorkloadKind } from './types.js';

const TYPES: EventType[] = ['invoke', 'ok', 'fail', 'info'];
export const TYPE_CODE: Record<string, number> = { invoke: 0, ok: 1, fail: 2, info: 3 };
export const NONE = -1;
export const NEMESIS = -2;
/** How an event's value is held: in `num`, as a flat int32 list, or as the JS value itself. */
export const V_NULL = 0;
export const V_INT = 1;
export const V_LIST = 2;
export const V_OTHER = 3;

/** An event's slots in its row: 16 int32s (time and num are the row's first two float64s). */
const ROW_SHIFT = 4;
/** Rows come in chunks of 1 MiB, never copied: a run's rows do not move as they grow. */
const CHUNK_SHIFT = 14;
const CHUNK_ROWS = 1 << CHUNK_SHIFT;
const IN_CHUNK = CHUNK_ROWS - 1;
const F_TIME = 0;
const F_NUM = 1;
const I_PROCESS = 4;
const I_TYPE = 5;
const I_FLAGS = 6;
const I_F = 7;
const I_KEY = 8;
const I_SESSION = 9;
const I_USER = 10;
const I_NODE = 11;
const I_ERROR = 12;
const I_LIST_LEN = 13;
const I_SERVED = 14;

/**
 * One row of 64 bytes (a cache line) per event, read (never written) by the history file's encoder
 * (recorded-lines.ts) through the accessors. Rows, not a column per field: between two events of a
 * run the client library runs, and an event written over 13 columns touched 13 cache lines; rows
 * in fixed chunks are never copied as a run grows (the doubling columns copied every field).
 */
export class EventRecorder {
  private n = 0;
  private readonly intChunks: Int32Array[] = [];
  private readonly floatChunks: Float64Array[] = [];
  readonly strings = new NameTable();
  /** Read lists, back to back: grown in place where it can be (flat-reads.ts), not copied as it doubles. */
  private readonly lists = new GrowingInts(1 << 12);
  private flatPos = 0;
  readonly others: unknown[] = [];

  get length(): number {
    return this.n;
  }

  /** The read lists' buffer (a list's start is its event's num, its length listLen). */
  get flat(): Int32Array {
    return this.lists.view;
  }

  /** Slot `slot` of event i's row as an int32 (I_*) or a float64 (F_*). */
  private int(i: number, slot: number): number {
    return this.intChunks[i >> CHUNK_SHIFT][((i & IN_CHUNK) << ROW_SHIFT) + slot];
  }
  private float(i: number, slot: number): number {
    return this.floatChunks[i >> CHUNK_SHIFT][((i & IN_CHUNK) << (ROW_SHIFT - 1)) + slot];
  }
  private setInt(i: number, slot: number, v: number): void {
    this.intChunks[i >> CHUNK_SHIFT][((i & IN_CHUNK) << ROW_SHIFT) + slot] = v;
  }
  private setFloat(i: number, slot: number, v: number): void {
    this.floatChunks[i >> CHUNK_SHIFT][((i & IN_CHUNK) << (ROW_SHIFT - 1)) + slot] = v;
  }

  time(i: number): number {
    return this.float(i, F_TIME);
  }
  /** The value: an int, a flat list's start, or an index into `others`. */
  num(i: number): number {
    return this.float(i, F_NUM);
  }
  process(i: number): number {
    return this.int(i, I_PROCESS);
  }
  type(i: number): number {
    return this.int(i, I_TYPE);
  }
  /** The value's kind (V_*) | 4 for final: false | 8 for final: true. */
  flags(i: number): number {
    return this.int(i, I_FLAGS);
  }
  f(i: number): number {
    return this.int(i, I_F);
  }
  key(i: number): number {
    return this.int(i, I_KEY);
  }
  session(i: number): number {
    return this.int(i, I_SESSION);
  }
  user(i: number): number {
    return this.int(i, I_USER);
  }
  node(i: number): number {
    return this.int(i, I_NODE);
  }
  error(i: number): number {
    return this.int(i, I_ERROR);
  }
  listLen(i: number): number {
    return this.int(i, I_LIST_LEN);
  }
  /** What the serving node said of itself (an index into `others`), or NONE. */
  served(i: number): number {
    return this.int(i, I_SERVED);
  }

  /** Records the event (stamped with index and time). Nemesis events are kept whole. */
  add(e: HistoryEvent): void {
    if (e.process === 'nemesis') {
      const i = this.row();
      this.setFloat(i, F_TIME, e.time);
      this.setInt(i, I_PROCESS, NEMESIS);
      this.setFloat(i, F_NUM, this.others.push(e) - 1);
      return;
    }
    this.record(e.time, e.process, TYPE_CODE[e.type] ?? 0, e.f, e.key, e.value, e.session, e.user, e.node, e.error, e.served, e.final);
  }

  /**
   * Records a client event from its fields (`type`: TYPE_CODE's), as add() would the event object
   * with them: the run's hot path makes no object per event (issue 10).
   */
  record(
    time: number,
    process: number,
    type: number,
    f: string,
    key: string | undefined,
    value: unknown,
    session: string | undefined,
    user: string | undefined,
    node: string | undefined,
    error: string | undefined,
    served: Served | undefined,
    final: boolean | undefined,
  ): void {
    const i = this.row();
    const s = this.strings;
    const a = this.intChunks[i >> CHUNK_SHIFT];
    const at = (i & IN_CHUNK) << ROW_SHIFT;
    this.floatChunks[i >> CHUNK_SHIFT][(at >> 1) + F_TIME] = time;
    a[at + I_PROCESS] = process;
    a[at + I_TYPE] = type;
    a[at + I_F] = s.id(f);
    a[at + I_KEY] = s.id(key);
    a[at + I_SESSION] = s.id(session);
    a[at + I_USER] = s.id(user);
    a[at + I_NODE] = s.id(node);
    a[at + I_ERROR] = s.id(error);
    a[at + I_FLAGS] = this.valueKind(i, value) | (final === undefined ? 0 : final ? 8 : 4);
    a[at + I_SERVED] = served === undefined ? NONE : this.others.push(served) - 1;
  }

  /** The next event's row (a new chunk when the last is full). */
  private row(): number {
    const i = this.n++;
    if ((i & IN_CHUNK) === 0) {
      const chunk = new Int32Array(CHUNK_ROWS << ROW_SHIFT);
      this.intChunks.push(chunk);
      this.floatChunks.push(new Float64Array(chunk.buffer));
    }
    return i;
  }

  private valueKind(i: number, v: unknown): number {
    if (v === null || v === undefined) return V_NULL;
    if (typeof v === 'number' && (v | 0) === v) {
      this.setFloat(i, F_NUM, v);
      return V_INT;
    }
    if (Array.isArray(v) && this.copyList(i, v)) return V_LIST;
    this.setFloat(i, F_NUM, this.others.push(v) - 1);
    return V_OTHER;
  }

  /** Copies an all-int32 list into `flat`; false (nothing kept) if it holds anything else. */
  private copyList(i: number, v: unknown[]): boolean {
    const len = v.length;
    let flat = this.lists.view;
    if (this.flatPos + len > flat.length) flat = this.lists.grow(Math.max(this.flatPos + len, flat.length * 2), this.flatPos);
    const at = this.flatPos;
    for (let j = 0; j < len; j++) {
      const x = v[j];
      if (typeof x !== 'number' || (x | 0) !== x) return false;
      flat[at + j] = x;
    }
    this.flatPos += len;
    this.setFloat(i, F_NUM, at);
    this.setInt(i, I_LIST_LEN, len);
    return true;
  }

  /** Event i as the object the runner recorded (same fields, same order as it built them). */
  event(i: number): HistoryEvent {
    const p = this.process(i);
    if (p === NEMESIS) return this.others[this.num(i)] as HistoryEvent;
    const s = this.strings;
    const e = { index: i, time: this.time(i), process: p } as HistoryEvent;
    const session = s.name(this.session(i));
    if (session !== undefined) e.session = session;
    const user = s.name(this.user(i));
    if (user !== undefined) e.user = user;
    e.type = TYPES[this.type(i)];
    e.f = s.name(this.f(i)) as string;
    const key = s.name(this.key(i));
    if (key !== undefined) e.key = key;
    e.value = this.value(i);
    const node = s.name(this.node(i));
    if (node !== undefined) e.node = node;
    const flags = this.flags(i);
    if (flags & 12) e.final = (flags & 8) !== 0;
    const error = s.name(this.error(i));
    if (error !== undefined) e.error = error;
    const served = this.served(i);
    if (served !== NONE) e.served = this.others[served] as HistoryEvent['served'];
    return e;
  }

  private value(i: number): unknown {
    switch (this.flags(i) & 3) {
      case V_INT:
        return this.num(i);
      case V_LIST: {
        const at = this.num(i);
        return Array.from(this.flat.subarray(at, at + this.listLen(i)));
      }
      case V_OTHER:
        return this.others[this.num(i)];
      default:
        return null;
    }
  }

  /**
   * The History, validated and paired by the builder exactly as if it had seen each event live.
   * The common event goes in as the byte scanner's ScannedEvent (builder.addScanned: every rule
   * checked, no event object, a read's list copied straight from `flat`); the rest, and anything
   * addScanned turns down, as the event object through add(), which names what is wrong.
   */
  toHistory(source?: string, known?: WorkloadKind): History {
    const b = new HistoryBuilder(source, true);
    b.reserveListElements(this.flatPos);
    const s = new ScannedEvent();
    const checked = new WeakSet<object>();
    for (let i = 0; i < this.n; i++) {
      if (!(this.scanned(i, s, checked) && b.addScanned(s, i + 1))) b.add(this.event(i), i + 1);
    }
    return b.finish(known);
  }

  /** Event i into `s` as the scanner would read its line; false for a nemesis event or a value that is not null, an int or an int list. */
  private scanned(i: number, s: ScannedEvent, checked: WeakSet<object>): boolean {
    const p = this.process(i);
    const flags = this.flags(i);
    if (p === NEMESIS || (flags & 3) === V_OTHER) return false;
    const names = this.strings;
    const key = names.name(this.key(i));
    if (key === undefined) return false;
    const served = this.served(i);
    if (served !== NONE) {
      // (a served object is shared by many events: each one is checked once)
      const v = this.others[served] as object;
      if (!checked.has(v)) {
        if (servedProblem(v) !== undefined) return false;
        checked.add(v);
      }
      s.served = v as HistoryEvent['served'];
    } else s.served = undefined;
    s.index = i;
    s.time = this.time(i);
    s.process = p;
    s.type = TYPES[this.type(i)];
    s.f = names.name(this.f(i)) as string;
    s.key = key;
    s.session = names.name(this.session(i));
    s.user = names.name(this.user(i));
    s.node = names.name(this.node(i));
    s.error = names.name(this.error(i));
    s.final = flags & 12 ? (flags & 8) !== 0 : undefined;
    this.scannedValue(i, flags & 3, s);
    return true;
  }

  private scannedValue(i: number, kind: number, s: ScannedEvent): void {
    if (kind === V_INT) {
      s.valueKind = VALUE_INT;
      s.valueInt = this.num(i);
    } else if (kind === V_LIST) {
      const at = this.num(i);
      const len = this.listLen(i);
      s.valueKind = VALUE_LIST;
      s.list = this.flat.subarray(at, at + len);
      s.listLen = len;
    } else s.valueKind = VALUE_NULL;
  }
}
