// The events of a run held in columns while the run goes on (typed arrays and interned strings, read
// lists in one flat buffer), turned into a History by the builder once the run is over. A driver
// against a real database keeps no object per op while it drives: that is what keeps the garbage
// collector out of its way (issue 13). The History built at the end is the one the builder would
// have built event by event, with the same messages for the same faults.

import { HistoryBuilder } from './builder.js';
import { byteColumn, floatColumn, intColumn as ints, NameTable } from './growable.js';
import { ScannedEvent, VALUE_INT, VALUE_LIST, VALUE_NULL } from './scanned.js';
import { servedProblem } from './served.js';
import type { EventType, History, HistoryEvent, WorkloadKind } from './types.js';

const TYPES: EventType[] = ['invoke', 'ok', 'fail', 'info'];
const TYPE_CODE: Record<string, number> = { invoke: 0, ok: 1, fail: 2, info: 3 };
export const NONE = -1;
export const NEMESIS = -2;
/** How an event's value is held: in `num`, as a flat int32 list, or as the JS value itself. */
export const V_NULL = 0;
export const V_INT = 1;
export const V_LIST = 2;
export const V_OTHER = 3;

/** The columns are read (never written) by the history file's encoder (recorded-lines.ts). */
export class EventRecorder {
  private n = 0;
  readonly time = floatColumn(1024);
  readonly process = ints(1024);
  readonly type = byteColumn(1024);
  readonly flags = byteColumn(1024);
  readonly f = ints(1024);
  readonly key = ints(1024);
  readonly session = ints(1024);
  readonly user = ints(1024);
  readonly node = ints(1024);
  readonly error = ints(1024);
  /** The value: an int, a flat list's start, or an index into `others`. */
  readonly num = floatColumn(1024);
  readonly listLen = ints(1024);
  /** What the serving node said of itself (an index into `others`), or NONE. */
  readonly served = ints(1024);
  readonly strings = new NameTable();
  flat = new Int32Array(1 << 12);
  private flatPos = 0;
  readonly others: unknown[] = [];

  get length(): number {
    return this.n;
  }

  /** Records the event (stamped with index and time). Nemesis events are kept whole. */
  add(e: HistoryEvent): void {
    const i = this.n++;
    this.time.set(i, e.time);
    if (e.process === 'nemesis') {
      this.process.set(i, NEMESIS);
      this.num.set(i, this.others.push(e) - 1);
      return;
    }
    const s = this.strings;
    this.process.set(i, e.process);
    this.type.set(i, TYPE_CODE[e.type] ?? 0);
    this.f.set(i, s.id(e.f));
    this.key.set(i, s.id(e.key));
    this.session.set(i, s.id(e.session));
    this.user.set(i, s.id(e.user));
    this.node.set(i, s.id(e.node));
    this.error.set(i, s.id(e.error));
    this.flags.set(i, this.valueKind(i, e.value) | (e.final === undefined ? 0 : e.final ? 8 : 4));
    this.served.set(i, e.served === undefined ? NONE : this.others.push(e.served) - 1);
  }

  private valueKind(i: number, v: unknown): number {
    if (v === null || v === undefined) return V_NULL;
    if (typeof v === 'number' && (v | 0) === v) {
      this.num.set(i, v);
      return V_INT;
    }
    if (Array.isArray(v) && this.copyList(i, v)) return V_LIST;
    this.num.set(i, this.others.push(v) - 1);
    return V_OTHER;
  }

  /** Copies an all-int32 list into `flat`; false (nothing kept) if it holds anything else. */
  private copyList(i: number, v: unknown[]): boolean {
    const len = v.length;
    if (this.flatPos + len > this.flat.length) {
      const grown = new Int32Array(Math.max(this.flatPos + len, this.flat.length * 2));
      grown.set(this.flat.subarray(0, this.flatPos));
      this.flat = grown;
    }
    const at = this.flatPos;
    for (let j = 0; j < len; j++) {
      const x = v[j];
      if (typeof x !== 'number' || (x | 0) !== x) return false;
      this.flat[at + j] = x;
    }
    this.flatPos += len;
    this.num.set(i, at);
    this.listLen.set(i, len);
    return true;
  }

  /** Event i as the object the runner recorded (same fields, same order as it built them). */
  event(i: number): HistoryEvent {
    const p = this.process.a[i];
    if (p === NEMESIS) return this.others[this.num.a[i]] as HistoryEvent;
    const s = this.strings;
    const e = { index: i, time: this.time.a[i], process: p } as HistoryEvent;
    const session = s.name(this.session.a[i]);
    if (session !== undefined) e.session = session;
    const user = s.name(this.user.a[i]);
    if (user !== undefined) e.user = user;
    e.type = TYPES[this.type.a[i]];
    e.f = s.name(this.f.a[i]) as string;
    const key = s.name(this.key.a[i]);
    if (key !== undefined) e.key = key;
    e.value = this.value(i);
    const node = s.name(this.node.a[i]);
    if (node !== undefined) e.node = node;
    const flags = this.flags.a[i];
    if (flags & 12) e.final = (flags & 8) !== 0;
    const error = s.name(this.error.a[i]);
    if (error !== undefined) e.error = error;
    const served = this.served.a[i];
    if (served !== NONE) e.served = this.others[served] as HistoryEvent['served'];
    return e;
  }

  private value(i: number): unknown {
    switch (this.flags.a[i] & 3) {
      case V_INT:
        return this.num.a[i];
      case V_LIST: {
        const at = this.num.a[i];
        return Array.from(this.flat.subarray(at, at + this.listLen.a[i]));
      }
      case V_OTHER:
        return this.others[this.num.a[i]];
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
    const p = this.process.a[i];
    const flags = this.flags.a[i];
    if (p === NEMESIS || (flags & 3) === V_OTHER) return false;
    const names = this.strings;
    const key = names.name(this.key.a[i]);
    if (key === undefined) return false;
    const served = this.served.a[i];
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
    s.time = this.time.a[i];
    s.process = p;
    s.type = TYPES[this.type.a[i]];
    s.f = names.name(this.f.a[i]) as string;
    s.key = key;
    s.session = names.name(this.session.a[i]);
    s.user = names.name(this.user.a[i]);
    s.node = names.name(this.node.a[i]);
    s.error = names.name(this.error.a[i]);
    s.final = flags & 12 ? (flags & 8) !== 0 : undefined;
    this.scannedValue(i, flags & 3, s);
    return true;
  }

  private scannedValue(i: number, kind: number, s: ScannedEvent): void {
    if (kind === V_INT) {
      s.valueKind = VALUE_INT;
      s.valueInt = this.num.a[i];
    } else if (kind === V_LIST) {
      const at = this.num.a[i];
      const len = this.listLen.a[i];
      s.valueKind = VALUE_LIST;
      s.list = this.flat.subarray(at, at + len);
      s.listLen = len;
    } else s.valueKind = VALUE_NULL;
  }
}
