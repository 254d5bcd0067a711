// The fields of one history line as the byte scanner (scan.ts) read them, handed to
// HistoryBuilder.addScanned: one reused object, so the common line builds no event object.

import type { Served } from './types.js';

/** What the `value` field held: null, a non-negative integer, or a list of int32s (in `list`). */
export const VALUE_NULL = 0;
export const VALUE_INT = 1;
export const VALUE_LIST = 2;

export class ScannedEvent {
  index = 0;
  time = 0;
  process = 0;
  type = '';
  f = '';
  key = '';
  session: string | undefined = undefined;
  user: string | undefined = undefined;
  node: string | undefined = undefined;
  error: string | undefined = undefined;
  final: boolean | undefined = undefined;
  served: Served | undefined = undefined;
  valueKind = VALUE_NULL;
  valueInt = 0;
  /** The list's elements, list[0, listLen), when valueKind is VALUE_LIST. */
  list: Int32Array = new Int32Array(256);
  listLen = 0;

  /** Clears the optional fields before a line is scanned (the required ones are always set). */
  reset(): void {
    this.session = undefined;
    this.user = undefined;
    this.node = undefined;
    this.error = undefined;
    this.final = undefined;
    this.served = undefined;
    this.valueKind = VALUE_NULL;
    this.listLen = 0;
  }

  /** Appends an element to the list, growing it. */
  push(v: number): void {
    if (this.listLen === this.list.length) {
      const grown = new Int32Array(this.list.length * 2);
      grown.set(this.list);
      this.list = grown;
    }
    this.list[this.listLen++] = v;
  }

  /** The value as JSON.parse would have made it. */
  value(): unknown {
    if (this.valueKind === VALUE_NULL) return null;
    if (this.valueKind === VALUE_INT) return this.valueInt;
    const out: number[] = [];
    const list = this.list;
    for (let i = 0; i < this.listLen; i++) out.push(list[i]);
    return out;
  }
}
