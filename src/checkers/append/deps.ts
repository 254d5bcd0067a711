// Session-order dependencies of appended elements (monotonic-writes, writes-follow-reads): per
// group of ops (a session and key, or a session) a list of elements in the order they became
// due, and per appended element how long a prefix of its group's list must be visible wherever
// the element is. Built in one pass per group: linear in the ops and the read elements. The ops'
// facts are first laid out in group order (GroupedOps, cached per grouping and shared by both
// checkers), and a read of a prefix key is walked by positions (key-positions.ts), so the passes
// read memory in order rather than one scattered op or element at a time.

import { keyOrders, type KeyOrders } from './deps-check.js';
import { keyPositions, type KeyPositions } from './key-positions.js';
import { groupByOwner, type Grouping, F_APPEND, F_READ, T_FAIL, T_OK, ELEM_OK, type OrderIndex } from './index.js';

const sessionGroups = new WeakMap<OrderIndex, Grouping>();

/** Ops grouped by session alone (all keys), for the cross-key rules. */
export function bySessionAcrossKeys(ix: OrderIndex): Grouping {
  let g = sessionGroups.get(ix);
  if (g === undefined) sessionGroups.set(ix, (g = groupByOwner(ix.opSession, ix.sessions.length, new Int32Array(ix.opF.length), 1)));
  return g;
}

export interface Deps {
  groups: number;
  /** Group g's list is elems[start[g] .. start[g + 1]). */
  start: Int32Array;
  elems: Int32Array;
  /** Per list entry: the op that made it due (its ok append, or the session's read that showed it). */
  from: Int32Array;
  /** Per list entry: its element's position in its key's longest read (keyOrders' pos). */
  pos: Int32Array;
  /** Per element: the group whose list it depends on (-1: none), and the length of the prefix it needs. */
  elemGroup: Int32Array;
  elemNeed: Int32Array;
}

/** The lists of every group, in growable typed arrays, and per element its group and need. */
class DepsBuilder {
  private readonly start: Int32Array;
  private groups = 0;
  private elems: Int32Array;
  private from: Int32Array;
  private pos: Int32Array;
  private size_ = 0;
  readonly elemGroup: Int32Array;
  readonly elemNeed: Int32Array;
  constructor(elemCount: number, groups: number, capacity: number) {
    this.start = new Int32Array(groups + 1);
    this.elems = new Int32Array(Math.max(16, capacity));
    this.from = new Int32Array(Math.max(16, capacity));
    this.pos = new Int32Array(Math.max(16, capacity));
    this.elemGroup = new Int32Array(elemCount).fill(-1);
    this.elemNeed = new Int32Array(elemCount);
  }
  /** The list so far of the group being built. */
  get size(): number {
    return this.size_ - this.start[this.groups];
  }
  push(elem: number, from: number, pos: number): void {
    if (this.size_ === this.elems.length) {
      this.elems = grow(this.elems);
      this.from = grow(this.from);
      this.pos = grow(this.pos);
    }
    this.elems[this.size_] = elem;
    this.pos[this.size_] = pos;
    this.from[this.size_++] = from;
  }
  need(elem: number, group: number, n: number): void {
    if (n === 0) return;
    this.elemGroup[elem] = group;
    this.elemNeed[elem] = n;
  }
  endGroup(): void {
    this.start[++this.groups] = this.size_;
  }
  done(): Deps {
    return {
      groups: this.groups,
      start: this.start.subarray(0, this.groups + 1),
      // (views, not copies: a copy of millions of entries costs more than the slack it frees)
      elems: this.elems.subarray(0, this.size_),
      from: this.from.subarray(0, this.size_),
      pos: this.pos.subarray(0, this.size_),
      elemGroup: this.elemGroup,
      elemNeed: this.elemNeed,
    };
  }
}

function grow(a: Int32Array): Int32Array {
  const out = new Int32Array(a.length * 2);
  out.set(a);
  return out;
}

/** A group's reads not yet due (positions in the grouping), in invoke order, in a typed buffer (no JS array per group). */
class PendingReads {
  private readonly buf: Int32Array;
  private count = 0;
  /** The reads taken by the last `take`, in order of completion (ties: invoke order). */
  readonly ready: Int32Array;
  constructor(capacity: number) {
    this.buf = new Int32Array(capacity);
    this.ready = new Int32Array(capacity);
  }
  clear(): void {
    this.count = 0;
  }
  get size(): number {
    return this.count;
  }
  push(r: number): void {
    this.buf[this.count++] = r;
  }
  /** Moves the reads completed before `t` into `ready` (returns how many); the others stay, in order. */
  take(t: number, done: Float64Array): number {
    const { buf, ready } = this;
    let n = 0;
    let w = 0;
    for (let i = 0; i < this.count; i++) {
      const r = buf[i];
      if (done[r] < t) {
        // (a stable insertion sort by completion: usually already in order)
        let j = n++;
        while (j > 0 && done[ready[j - 1]] > done[r]) ready[j] = ready[--j];
        ready[j] = r;
      } else buf[w++] = r;
    }
    this.count = w;
    return n;
  }
}

/** What the deps passes ask of an op (GroupedOps.kind): an ok read; an append that may show up in reads (not failed, the first to write its element); an ok one. */
const K_OK_READ = 1;
const K_SHOWN = 2;
const K_OK_APPEND = 4;

/** A grouping's ops in its order (position p is order[p]): kind bits, times and appended element. */
interface GroupedOps {
  kind: Uint8Array;
  invoke: Float64Array;
  complete: Float64Array;
  elem: Int32Array;
  /** An ok read's last element when an append that did not fail wrote it, else -1 (made when first asked for: lastShown). */
  last?: Int32Array;
}

const grouped = new WeakMap<Grouping, GroupedOps>();

/** Cached per grouping (both checkers group alike): walking a group then reads memory in order. */
function groupedOps(ix: OrderIndex, g: Grouping): GroupedOps {
  let o = grouped.get(g);
  if (o === undefined) grouped.set(g, (o = gatherOps(ix, g)));
  return o;
}

function gatherOps(ix: OrderIndex, g: Grouping): GroupedOps {
  const { opF, opType, appendElem, invokeTimeNs, completeTimeNs } = ix;
  const m = g.order.length;
  const out = { kind: new Uint8Array(m), invoke: new Float64Array(m), complete: new Float64Array(m), elem: new Int32Array(m) };
  // (ops read in their order, written to their places: scattered stores stall less than scattered loads)
  const at = new Int32Array(m);
  for (let p = 0; p < m; p++) at[g.order[p]] = p;
  for (let i = 0; i < m; i++) {
    const p = at[i];
    let kind = 0;
    if (opF[i] === F_READ && opType[i] === T_OK) kind = K_OK_READ;
    else if (opF[i] === F_APPEND && opType[i] !== T_FAIL && appendElem[i] >= 0) kind = opType[i] === T_OK ? K_SHOWN | K_OK_APPEND : K_SHOWN;
    out.kind[p] = kind;
    out.invoke[p] = invokeTimeNs[i];
    out.complete[p] = completeTimeNs[i];
    out.elem[p] = appendElem[i];
  }
  return out;
}

/** GroupedOps.last, made once per grouping (only the cross-key writes-follow-reads asks). */
function lastShown(ix: OrderIndex, g: Grouping, o: GroupedOps): Int32Array {
  if (o.last !== undefined) return o.last;
  const { readElems, readStart, readLen, elemStatus } = ix;
  const last = new Int32Array(g.order.length);
  for (let p = 0; p < last.length; p++) {
    const i = g.order[p];
    const e = o.kind[p] === K_OK_READ && readLen[i] > 0 ? readElems[readStart[i] + readLen[i] - 1] : -1;
    last[p] = e >= 0 && elemStatus[e] === ELEM_OK ? e : -1;
  }
  return (o.last = last);
}

/**
 * monotonic-writes: a group's list is its ok appends by completion time; an append needs those
 * that completed before it was invoked (strictly: concurrent appends are not ordered).
 */
export function writeDeps(ix: OrderIndex, g: Grouping): Deps {
  const { order, start } = g;
  const { kind, invoke, complete, elem } = groupedOps(ix, g);
  const b = new DepsBuilder(ix.elemCount, g.count, ix.elemCount);
  const pos = keyOrders(ix).pos;
  const okAppends: number[] = []; // positions in the grouping
  for (let gi = 0; gi < g.count; gi++) {
    okAppends.length = 0;
    let sorted = true;
    for (let p = start[gi]; p < start[gi + 1]; p++) {
      if ((kind[p] & K_OK_APPEND) === 0) continue;
      if (okAppends.length > 0 && complete[okAppends[okAppends.length - 1]] > complete[p]) sorted = false;
      okAppends.push(p);
    }
    if (okAppends.length === 0) {
      b.endGroup();
      continue;
    }
    if (!sorted) okAppends.sort((x, y) => complete[x] - complete[y]);
    for (const p of okAppends) b.push(elem[p], order[p], pos[elem[p]]);
    let due = 0;
    for (let p = start[gi]; p < start[gi + 1]; p++) {
      if ((kind[p] & K_SHOWN) === 0) continue;
      const t = invoke[p];
      while (due < okAppends.length && complete[okAppends[due]] < t) due++;
      b.need(elem[p], gi, due);
    }
    b.endGroup();
  }
  return b.done();
}

/**
 * writes-follow-reads: a group's list is every element its ok reads showed (an append that did not
 * fail wrote it), in the order the reads completed; an append needs what the reads that completed
 * before it was invoked showed. With `lastOnly`, only each read's last such element (what the
 * cross-key rule requires: a state with it holds the rest, or consistent-prefix says otherwise).
 */
export function readDeps(ix: OrderIndex, g: Grouping, lastOnly = false): Deps {
  const { order, start } = g;
  const ops = groupedOps(ix, g);
  const { kind, invoke, complete, elem } = ops;
  const last = lastOnly ? lastShown(ix, g, ops) : undefined;
  // (capacity: each read adds at most one element, or, per group, what lies past what it read before; a
  // quarter of all read elements is a guess that spares growing copies on long histories of short keys)
  const b = new DepsBuilder(ix.elemCount, g.count, lastOnly ? ix.opF.length : Math.max(ix.elemCount, ix.readElems.length >> 2));
  const shown = new ShownByGroup(ix, b, lastOnly);
  let longest = 0;
  for (let gi = 0; gi < g.count; gi++) longest = Math.max(longest, start[gi + 1] - start[gi]);
  const pending = new PendingReads(longest);
  for (let gi = 0; gi < g.count; gi++) {
    pending.clear();
    shown.startGroup(gi);
    for (let p = start[gi]; p < start[gi + 1]; p++) {
      if (kind[p] === K_OK_READ) {
        pending.push(p);
        continue;
      }
      if ((kind[p] & K_SHOWN) === 0) continue;
      if (pending.size > 0) {
        const n = pending.take(invoke[p], complete);
        for (let i = 0; i < n; i++) {
          const q = pending.ready[i];
          if (last !== undefined) shown.addLast(order[q], last[q]);
          else shown.add(order[q]);
        }
      }
      b.need(elem[p], gi, b.size);
    }
    b.endGroup();
  }
  return b.done();
}

/**
 * Adds what a group's reads showed to its list, each element once. On a key whose reads are
 * prefixes of its longest, a read adds only what lies past the longest list the group has read
 * of that key (before it, every element is in the list already).
 */
class ShownByGroup {
  private readonly inList: Int32Array; // === group + 1 once in the group's list
  private readonly orders: KeyOrders;
  private readonly positions: KeyPositions;
  private mark = 0;
  private prefixKey = -1;
  private prefixLen = 0;
  constructor(
    private readonly ix: OrderIndex,
    private readonly b: DepsBuilder,
    private readonly lastOnly: boolean,
  ) {
    this.inList = new Int32Array(ix.elemCount);
    this.orders = keyOrders(ix);
    this.positions = keyPositions(ix);
  }
  startGroup(g: number): void {
    this.mark = g + 1;
    this.prefixKey = -1;
    this.prefixLen = 0;
  }
  add(r: number): void {
    const { readElems, readStart, readLen, elemStatus, opKey } = this.ix;
    if (!this.lastOnly && this.orders.ordered[opKey[r]] === 1) {
      // (the group's first read of the key sets which key the prefix is of)
      const k = opKey[r];
      if (this.prefixKey < 0) this.prefixKey = k;
      if (this.prefixKey === k) return this.addPast(r, k);
    }
    const end = readStart[r] + readLen[r];
    const pos = this.orders.pos;
    for (let j = this.lastOnly ? Math.max(end - 1, readStart[r]) : readStart[r]; j < end; j++) {
      const e = readElems[j];
      if (this.inList[e] === this.mark || elemStatus[e] !== ELEM_OK) continue;
      this.inList[e] = this.mark;
      this.b.push(e, r, pos[e]);
    }
  }

  /** With lastOnly: read r's last element e (-1: none, or not one an append that did not fail wrote), as add would take it. */
  addLast(r: number, e: number): void {
    if (e < 0 || this.inList[e] === this.mark) return;
    this.inList[e] = this.mark;
    this.b.push(e, r, this.orders.pos[e]);
  }

  /**
   * Read r of the prefix key k: what lies past the longest list the group read of k, position by
   * position (none of it is in the list yet: the longest read repeats nothing, and only reads of k
   * show k's elements, so they need no mark in inList).
   */
  private addPast(r: number, k: number): void {
    const len = this.ix.readLen[r];
    const from = Math.min(this.prefixLen, len);
    if (len > this.prefixLen) this.prefixLen = len;
    const { ok, base } = this.positions;
    const at = base[k];
    const s = this.ix.readStart[r];
    for (let p = from; p < len; p++) if (ok[at + p] === 1) this.b.push(this.ix.readElems[s + p], r, p);
  }
}
