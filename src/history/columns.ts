// The columns HistoryBuilder keeps beside its Op objects, read and written through each op's
// getters (op.ts): times (Float64Array), event indices (Int32Array), completion type and `final`
// (a byte), the rare error and served (arrays made at their first use), and the ok reads' lists
// (flat-reads.ts). An op then holds no boxed number per time and no array per read, and the append
// index takes the columns as they are instead of copying them out of the ops.

import { UserError } from '../errors.js';
import { FlatLists, type FlatReads } from './flat-reads.js';
import type { CompletionType, Served } from './types.js';

/** The built history's time columns, sized to its ops: op i's times are invokeTime[i], completeTime[i]. */
export interface TimeColumns {
  invokeTime: Float64Array;
  completeTime: Float64Array;
}

const TYPES: CompletionType[] = ['info', 'ok', 'fail'];
const TYPE_MASK = 3;
const FINAL = 4;
/** The largest event index an Int32Array column holds. */
const MAX_INDEX = 0x7fffffff;

export class HistoryColumns {
  readonly lists = new FlatLists();
  invokeTime = new Float64Array(1024);
  completeTime = new Float64Array(1024);
  invokeIndex = new Int32Array(1024);
  completeIndex = new Int32Array(1024);
  /** Bits 0-1: the completion type (TYPES); bit 2: final. */
  flags = new Uint8Array(1024);
  errors: (string | undefined)[] | undefined;
  served: (Served | undefined)[] | undefined;

  /** A slot for op `id` (ids come in order), not completed: info, no completion index, completion time +Infinity. */
  open(id: number, index: number, time: number, final: boolean): void {
    if (id >= this.flags.length) this.grow(Math.max(id + 1, this.flags.length * 2));
    this.invokeIndex[id] = checkedIndex(index);
    this.completeIndex[id] = -1;
    this.invokeTime[id] = time;
    this.completeTime[id] = Number.POSITIVE_INFINITY;
    this.flags[id] = final ? FINAL : 0;
  }

  type(id: number): CompletionType {
    return TYPES[this.flags[id] & TYPE_MASK];
  }

  setType(id: number, type: CompletionType): void {
    this.flags[id] = (this.flags[id] & ~TYPE_MASK) | (type === 'ok' ? 1 : type === 'fail' ? 2 : 0);
  }

  final(id: number): boolean {
    return (this.flags[id] & FINAL) !== 0;
  }

  setFinal(id: number, final: boolean): void {
    this.flags[id] = final ? this.flags[id] | FINAL : this.flags[id] & ~FINAL;
  }

  setInvokeIndex(id: number, index: number): void {
    this.invokeIndex[id] = checkedIndex(index);
  }

  setCompleteIndex(id: number, index: number): void {
    this.completeIndex[id] = index < 0 ? -1 : checkedIndex(index);
  }

  setError(id: number, error: string | undefined): void {
    if (error !== undefined || this.errors !== undefined) (this.errors ??= [])[id] = error;
  }

  setServed(id: number, served: Served | undefined): void {
    if (served !== undefined || this.served !== undefined) (this.served ??= [])[id] = served;
  }

  /** The columns for `ops` ops: the time columns and the read lists, trimmed to size (the builder is done with them). */
  finish(ops: number): { times: TimeColumns; flat: FlatReads } {
    if (this.flags.length !== ops) this.grow(ops);
    return { times: { invokeTime: this.invokeTime, completeTime: this.completeTime }, flat: this.lists.finish(ops) };
  }

  /** Every column resized to `size` slots (kept: the first min(size, old) of each). */
  private grow(size: number): void {
    this.invokeTime = resized(this.invokeTime, new Float64Array(size));
    this.completeTime = resized(this.completeTime, new Float64Array(size));
    this.invokeIndex = resized(this.invokeIndex, new Int32Array(size));
    this.completeIndex = resized(this.completeIndex, new Int32Array(size));
    this.flags = resized(this.flags, new Uint8Array(size));
  }
}

function resized<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from.length <= to.length ? from : from.subarray(0, to.length));
  return to;
}

function checkedIndex(index: number): number {
  if (index > MAX_INDEX) throw new UserError(`event index ${index}: a history holds at most ${MAX_INDEX + 1} events`, { field: 'index' });
  return index;
}
