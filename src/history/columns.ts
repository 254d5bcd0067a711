// The columns HistoryBuilder keeps beside its Op objects: every op's invoke and completion times
// (Float64Arrays, read through each op's getters), and the ok reads' lists (flat-reads.ts). An op
// then holds no boxed number per time and no array per read, and the append index takes the
// columns as they are instead of copying them out of the ops.

import { FlatLists, type FlatReads } from './flat-reads.js';

/** The built history's time columns, sized to its ops: op i's times are invokeTime[i], completeTime[i]. */
export interface TimeColumns {
  invokeTime: Float64Array;
  completeTime: Float64Array;
}

export class HistoryColumns {
  readonly lists = new FlatLists();
  invokeTime = new Float64Array(1024);
  completeTime = new Float64Array(1024);

  /** A slot for op `id` (ids come in order), not completed: its completion time +Infinity. */
  open(id: number, time: number): void {
    if (id >= this.invokeTime.length) {
      const size = Math.max(id + 1, this.invokeTime.length * 2);
      this.invokeTime = grown(this.invokeTime, size);
      this.completeTime = grown(this.completeTime, size);
    }
    this.invokeTime[id] = time;
    this.completeTime[id] = Number.POSITIVE_INFINITY;
  }

  /** The columns for `ops` ops: the time columns and the read lists, trimmed to size (the builder is done with them). */
  finish(ops: number): { times: TimeColumns; flat: FlatReads } {
    this.invokeTime = this.invokeTime.slice(0, ops);
    this.completeTime = this.completeTime.slice(0, ops);
    return { times: { invokeTime: this.invokeTime, completeTime: this.completeTime }, flat: this.lists.finish(ops) };
  }
}

function grown(a: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(size);
  out.set(a);
  return out;
}
