// The lines of one stretch of a history file as another thread's byte scanner read them (the
// parallel JSONL reader, parallel-jsonl.ts): per line its byte length and, when the scanner took
// it, the ScannedEvent's fields in columns (strings as ids into a table that grows batch by batch,
// read lists in one flat buffer). The reading thread puts each line back into a ScannedEvent and
// hands it to the builder exactly as if it had scanned the line itself; a line the scanner did not
// take is read again from the file and takes the general path there.

import { UserError, type UserErrorWhere } from '../errors.js';
import { byteColumn, floatColumn, intColumn, NameTable } from './growable.js';
import { VALUE_INT, VALUE_LIST, VALUE_NULL, type ScannedEvent } from './scanned.js';
import type { Served } from './types.js';

/** Flags: the scanner took the line; `final` was given, and true; the value kind (bits 3-4). */
const SCANNED = 1;
const HAS_FINAL = 2;
const FINAL_TRUE = 4;
const KIND_SHIFT = 3;
/** Per line, its string fields' ids in this order (-1: absent). */
const STRINGS = 7;
const [TYPE, F, KEY, SESSION, USER, NODE, ERROR] = [0, 1, 2, 3, 4, 5, 6];

/** One stretch's lines, as posted between threads (every array is transferred, not copied). */
export interface ScanBatch {
  chunk: number;
  lines: number;
  /** Each line's length in bytes, without its newline (lines follow each other from the stretch's first byte). */
  lens: Int32Array;
  flags: Uint8Array;
  index: Float64Array;
  time: Float64Array;
  process: Float64Array;
  strs: Int32Array;
  /** An int value, or a list value's length (its elements follow the earlier lists' in `flat`). */
  num: Float64Array;
  flat: Int32Array<ArrayBuffer>;
  /** Strings first seen in this batch: they take the next ids of the table, in this order. */
  newStrings: string[];
  /** [line in the batch, served] of the lines that have one. */
  served: [number, Served][];
  /** The reading stopped after the batch's lines with this error (where.line: counted from the stretch's start). */
  stop?: { message: string; where: UserErrorWhere };
}

/** The batch's arrays, for postMessage's transfer list. */
export function transferables(b: ScanBatch): ArrayBuffer[] {
  return [b.lens, b.flags, b.index, b.time, b.process, b.strs, b.num, b.flat].map((a) => a.buffer as ArrayBuffer);
}

/** Writes the scanned lines of one stretch after another (the scanning thread); one per thread, for the string table. */
export class BatchWriter {
  private readonly names = new NameTable();
  /** The names the last batch had taken (the next one gives those after them). */
  private namesTaken = 0;
  private n = 0;
  private flatPos = 0;
  private lens = intColumn(4096);
  private flags = byteColumn(4096);
  private index = floatColumn(4096);
  private time = floatColumn(4096);
  private process = floatColumn(4096);
  private strs = intColumn(4096 * STRINGS);
  private num = floatColumn(4096);
  private flat = intColumn(1 << 16);
  private served: [number, Served][] = [];

  /** A line the scanner took (`s` as it filled it), or any other line (`s` undefined). */
  line(bytes: number, s: ScannedEvent | undefined): void {
    const i = this.n++;
    this.lens.room(i + 1)[i] = bytes;
    const flags = this.flags.room(i + 1);
    if (s === undefined) {
      flags[i] = 0;
      return;
    }
    flags[i] = SCANNED | (s.final === undefined ? 0 : s.final ? HAS_FINAL | FINAL_TRUE : HAS_FINAL) | (s.valueKind << KIND_SHIFT);
    this.index.room(i + 1)[i] = s.index;
    this.time.room(i + 1)[i] = s.time;
    this.process.room(i + 1)[i] = s.process;
    const strs = this.strs.room((i + 1) * STRINGS);
    const at = i * STRINGS;
    strs[at + TYPE] = this.id(s.type);
    strs[at + F] = this.id(s.f);
    strs[at + KEY] = this.id(s.key);
    strs[at + SESSION] = this.id(s.session);
    strs[at + USER] = this.id(s.user);
    strs[at + NODE] = this.id(s.node);
    strs[at + ERROR] = this.id(s.error);
    if (s.served !== undefined) this.served.push([i, s.served]);
    const num = this.num.room(i + 1);
    if (s.valueKind === VALUE_INT) num[i] = s.valueInt;
    else if (s.valueKind === VALUE_LIST) {
      num[i] = s.listLen;
      this.flat.room(this.flatPos + s.listLen).set(s.list.subarray(0, s.listLen), this.flatPos);
      this.flatPos += s.listLen;
    }
  }

  /** The batch of the lines written since the last one (the writer starts a new one). */
  take(chunk: number, stop?: ScanBatch['stop']): ScanBatch {
    const n = this.n;
    const batch: ScanBatch = {
      chunk,
      lines: n,
      lens: this.lens.a.slice(0, n),
      flags: this.flags.a.slice(0, n),
      index: this.index.a.slice(0, n),
      time: this.time.a.slice(0, n),
      process: this.process.a.slice(0, n),
      strs: this.strs.a.slice(0, n * STRINGS),
      num: this.num.a.slice(0, n),
      flat: this.flat.a.slice(0, this.flatPos),
      newStrings: this.names.names.slice(this.namesTaken),
      served: this.served,
      ...(stop ? { stop } : {}),
    };
    this.n = 0;
    this.flatPos = 0;
    this.namesTaken = this.names.names.length;
    this.served = [];
    return batch;
  }

  private id(s: string | undefined): number {
    return this.names.id(s);
  }
}

/** A batch's lines read back, in order, into a ScannedEvent (the reading thread). */
export class BatchReader {
  private flatPos = 0;
  private servedAt = 0;

  constructor(
    readonly batch: ScanBatch,
    /** The scanning thread's string table as this thread's strings (every batch received so far added to it). */
    private readonly names: string[],
  ) {}

  /** Line i (in order: each once, first to last) into `s`; false when the scanner did not take it. */
  fill(i: number, s: ScannedEvent): boolean {
    const b = this.batch;
    const flags = b.flags[i];
    if ((flags & SCANNED) === 0) return false;
    const at = i * STRINGS;
    s.index = b.index[i];
    s.time = b.time[i];
    s.process = b.process[i];
    s.type = this.name(b.strs[at + TYPE]) as string;
    s.f = this.name(b.strs[at + F]) as string;
    s.key = this.name(b.strs[at + KEY]) as string;
    s.session = this.name(b.strs[at + SESSION]);
    s.user = this.name(b.strs[at + USER]);
    s.node = this.name(b.strs[at + NODE]);
    s.error = this.name(b.strs[at + ERROR]);
    s.final = (flags & HAS_FINAL) === 0 ? undefined : (flags & FINAL_TRUE) !== 0;
    const served = b.served[this.servedAt];
    if (served !== undefined && served[0] === i) {
      s.served = served[1];
      this.servedAt++;
    } else s.served = undefined;
    const kind = flags >> KIND_SHIFT;
    s.valueKind = kind;
    if (kind === VALUE_INT) s.valueInt = b.num[i];
    else if (kind === VALUE_LIST) {
      const len = b.num[i];
      s.list = b.flat.subarray(this.flatPos, this.flatPos + len);
      s.listLen = len;
      this.flatPos += len;
    } else s.valueKind = VALUE_NULL;
    return true;
  }

  private name(id: number): string | undefined {
    return id < 0 ? undefined : this.names[id];
  }

  /** The error the scanning thread met where the batch stops, as it would have been thrown here (line `base + its line`). */
  stopError(base: number): UserError | undefined {
    const stop = this.batch.stop;
    if (stop === undefined) return undefined;
    return new UserError(stop.message, { ...stop.where, ...(stop.where.line !== undefined ? { line: base + stop.where.line } : {}) });
  }
}
