// The ok reads' lists of an append history, kept in one flat Int32Array while the builder has each
// event at hand: the lists are never JS arrays per op unless something asks an op for its value
// (then that op's list is made once, from here). The append checkers read the flat columns.

/**
 * The flat columns as the checkers read them: op i's list is elems[start[i] .. start[i] + len[i])
 * when start[i] >= 0 (else op i is not an ok read whose elements are all int32s).
 */
export interface FlatReads {
  elems: Int32Array;
  start: Int32Array;
  len: Int32Array;
  /**
   * Set once the append index has turned `elems` into its element ids in place (so the lists are
   * not held twice): element e's value is ids[e]. The ops' values are then read through it.
   */
  ids?: unknown[];
}

/** The growing store behind FlatReads, owned by one HistoryBuilder. */
export class FlatLists {
  // (shared: the append index reads its elements in place, and a checker's thread reads them there too)
  private readonly store = new GrowingInts(1 << 10, RESERVE_FROM, MAX_RESERVE_BYTES, true);
  private elems = this.store.view;
  private pos = 0;
  private start = new Int32Array(1024).fill(-1);
  private len = new Int32Array(1024);
  /** The columns handed out by finish() (their `ids`, once set, decode `elems`). */
  private out: FlatReads | undefined;

  /** Copies a read's list if every element is an int32; false (nothing kept) otherwise. */
  copy(id: number, list: unknown[]): boolean {
    const n = list.length;
    const pos = this.reserve(id, n);
    const elems = this.elems;
    for (let j = 0; j < n; j++) {
      const v = list[j] as number;
      if ((v | 0) !== v) return false;
      elems[pos + j] = v;
    }
    this.commit(id, pos, n);
    return true;
  }

  /** Copies a scanned read's list (int32s already: list[0, n)). */
  copyInts(id: number, list: Int32Array, n: number): void {
    const pos = this.reserve(id, n);
    const elems = this.elems;
    if (n > 64) elems.set(list.subarray(0, n), pos);
    else for (let j = 0; j < n; j++) elems[pos + j] = list[j];
    this.commit(id, pos, n);
  }

  /** Room for `n` elements in all, allocated at once (nothing is kept yet: before the first copy). */
  reserveElements(n: number): void {
    if (this.pos === 0 && n > this.elems.length) this.elems = this.store.grow(n, 0);
  }

  /** Op `id`'s list as a new JS array (it must have one here). */
  list(id: number): number[] {
    const from = this.start[id];
    const n = this.len[id];
    const out = new Array<number>(n);
    const elems = this.elems;
    const ids = this.out?.ids;
    if (ids !== undefined) for (let j = 0; j < n; j++) out[j] = ids[elems[from + j]] as number;
    else for (let j = 0; j < n; j++) out[j] = elems[from + j];
    return out;
  }

  /**
   * The columns for `ops` ops, sized exactly; the elements are copied to their exact size too when
   * more than an eighth of the buffer is spare room (the builder is done with it).
   */
  finish(ops: number): FlatReads {
    this.elems = this.store.trim(this.pos, this.elems.length >> 3);
    if (this.start.length !== ops) {
      this.start = this.start.length > ops ? this.start.slice(0, ops) : grownCopy(this.start, ops, -1);
      this.len = this.len.length > ops ? this.len.slice(0, ops) : grownCopy(this.len, ops, 0);
    }
    return (this.out = { elems: this.elems.subarray(0, this.pos), start: this.start, len: this.len });
  }

  /** Room for `n` more elements and a slot for op `id`; returns where the elements go. */
  private reserve(id: number, n: number): number {
    const pos = this.pos;
    if (pos + n > this.elems.length) this.elems = this.store.grow(Math.max(pos + n, this.elems.length * 2), pos);
    if (id >= this.start.length) {
      const size = Math.max(id + 1, this.start.length * 2);
      this.start = grownCopy(this.start, size, -1);
      this.len = grownCopy(this.len, size, 0);
    }
    return pos;
  }

  private commit(id: number, pos: number, n: number): void {
    this.start[id] = pos;
    this.len[id] = n;
    this.pos = pos + n;
  }
}

function grownCopy(a: Int32Array, size: number, fill: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(size);
  if (fill !== 0) out.fill(fill, a.length);
  out.set(a);
  return out;
}

/** The most bytes a resizable buffer reserves (V8's limit for one ArrayBuffer's maxByteLength is 2^32 on 64-bit). */
const MAX_RESERVE_BYTES = 2 ** 32;
/** The size (in slots) from which the store grows in place (smaller ones copy: a few MB at most). */
const RESERVE_FROM = 1 << 20;

/** ES2024's resizable ArrayBuffer (Node 20 has it; the project's lib is ES2023, whose Node 20 subset it keeps to). */
interface Resizable extends ArrayBuffer {
  readonly maxByteLength: number;
  resize(bytes: number): void;
}
const ResizableBuffer = ArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => Resizable;

/** ES2024's growable SharedArrayBuffer (Node 20 has it). */
interface Growable extends SharedArrayBuffer {
  readonly maxByteLength: number;
  grow(bytes: number): void;
}
const GrowableBuffer = SharedArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => Growable;

/**
 * An Int32 buffer that grows in place: a resizable ArrayBuffer reserves the address space once, so
 * growing commits pages instead of copying what is there (at 1M ops of long reads the copies of
 * doubling, and the copy that trims the slack at the end, took most of the time spent here). Where
 * the reservation is refused (a capped address space), or once it is full, it grows by copying.
 */
export class GrowingInts {
  private buffer: Resizable | Growable | undefined;
  /** Whether the resizable reservation was refused or is full (then every growth copies). */
  refused = false;
  view: Int32Array;

  /**
   * reserveFrom and maxBytes are the defaults but in tests (a reservation too large to be granted
   * takes the copying path). `shared`: the reservation is a growable SharedArrayBuffer, whose views
   * another thread reads without a copy (the append index's read elements: order-thread.ts); it
   * cannot shrink, so trim() leaves its spare room reserved (never touched: no memory).
   */
  constructor(
    n: number,
    private readonly reserveFrom = RESERVE_FROM,
    private readonly maxBytes = MAX_RESERVE_BYTES,
    private readonly shared = false,
  ) {
    this.view = new Int32Array(n);
  }

  /** The view grown to n slots (n > its length), keeping its first `keep`. */
  grow(n: number, keep: number): Int32Array {
    const b = this.buffer ?? this.reserve(n, keep);
    if (b !== undefined && n * 4 <= b.maxByteLength) {
      if ('resize' in b) b.resize(n * 4);
      else b.grow(n * 4);
      return (this.view = new Int32Array(b, 0, n));
    }
    // (full, or never reserved: from here on it copies)
    if (b !== undefined) this.refused = true;
    this.buffer = undefined;
    const grown = new Int32Array(n);
    grown.set(this.view.subarray(0, keep));
    return (this.view = grown);
  }

  /** The first n slots as the final view; the rest is given back when more than `slack` slots are spare. */
  trim(n: number, slack: number): Int32Array {
    const spare = this.view.length - n;
    if (spare <= slack) return this.view;
    const b = this.buffer;
    if (b !== undefined) {
      if ('resize' in b) b.resize(n * 4);
      return (this.view = new Int32Array(b, 0, n));
    }
    return (this.view = this.view.slice(0, n));
  }

  /** Moves to a resizable (or growable shared) buffer once the store is large (a small history never reserves address space). */
  private reserve(n: number, keep: number): Resizable | Growable | undefined {
    if (this.refused || n < this.reserveFrom) return undefined;
    try {
      const b = this.shared ? new GrowableBuffer(n * 4, { maxByteLength: this.maxBytes }) : new ResizableBuffer(n * 4, { maxByteLength: this.maxBytes });
      new Int32Array(b).set(this.view.subarray(0, keep));
      return (this.buffer = b);
    } catch {
      this.refused = true;
      return undefined;
    }
  }
}
