// Session-order dependencies of appended elements (monotonic-writes, writes-follow-reads): per
// group of ops (a session and key, or a session) a list of elements in the order they became
// due, and per appended element how long a prefix of its group's list must be visible wherever
// the element is. Built in one pass per group: linear in the ops and the read elements.

import { keyOrders, type KeyOrders } from './deps-check.js';
import { groupByOwner, type Grouping, F_APPEND, F_READ, T_FAIL, T_OK, ELEM_OK, type AppendIndex } from './index.js';

const sessionGroups = new WeakMap<AppendIndex, Grouping>();

/** Ops grouped by session alone (all keys), for the cross-key rules. */
export function bySessionAcrossKeys(ix: AppendIndex): Grouping {
  let g = sessionGroups.get(ix);
  if (g === undefined) sessionGroups.set(ix, (g = groupByOwner(ix.opSession, ix.sessions.length, new Int32Array(ix.ops.length), 1)));
  return g;
}

export interface Deps {
  groups: number;
  /** Group g's list is elems[start[g] .. start[g + 1]). */
  start: Int32Array;
  elems: Int32Array;
  /** Per list entry: the op that made it due (its ok append, or the session's read that showed it). */
  from: Int32Array;
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
  private size_ = 0;
  readonly elemGroup: Int32Array;
  readonly elemNeed: Int32Array;
  constructor(elemCount: number, groups: number, capacity: number) {
    this.start = new Int32Array(groups + 1);
    this.elems = new Int32Array(Math.max(16, capacity));
    this.from = new Int32Array(Math.max(16, capacity));
    this.elemGroup = new Int32Array(elemCount).fill(-1);
    this.elemNeed = new Int32Array(elemCount);
  }
  /** The list so far of the group being built. */
  get size(): number {
    return this.size_ - this.start[this.groups];
  }
  push(elem: number, from: number): void {
    if (this.size_ === this.elems.length) {
      this.elems = grow(this.elems);
      this.from = grow(this.from);
    }
    this.elems[this.size_] = elem;
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
      elems: this.elems.slice(0, this.size_),
      from: this.from.slice(0, this.size_),
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

/** A group's reads not yet due, in invoke order, in a typed buffer (no JS array per group). */
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

/** An append that may show up in reads: not failed, and the first to write its element. */
function shownAppend(ix: AppendIndex, id: number): boolean {
  return ix.opF[id] === F_APPEND && ix.opType[id] !== T_FAIL && ix.appendElem[id] >= 0;
}

/**
 * monotonic-writes: a group's list is its ok appends by completion time; an append needs those
 * that completed before it was invoked (strictly: concurrent appends are not ordered).
 */
export function writeDeps(ix: AppendIndex, g: Grouping): Deps {
  const { order, start } = g;
  const { opF, opType, appendElem, invokeTimeNs, completeTimeNs } = ix;
  const b = new DepsBuilder(ix.elemCount, g.count, ix.elemCount);
  const okAppends: number[] = [];
  for (let gi = 0; gi < g.count; gi++) {
    okAppends.length = 0;
    let sorted = true;
    for (let p = start[gi]; p < start[gi + 1]; p++) {
      const id = order[p];
      if (opF[id] !== F_APPEND || opType[id] !== T_OK || appendElem[id] < 0) continue;
      if (okAppends.length > 0 && completeTimeNs[okAppends[okAppends.length - 1]] > completeTimeNs[id]) sorted = false;
      okAppends.push(id);
    }
    if (okAppends.length === 0) {
      b.endGroup();
      continue;
    }
    if (!sorted) okAppends.sort((x, y) => completeTimeNs[x] - completeTimeNs[y]);
    for (const id of okAppends) b.push(appendElem[id], id);
    let due = 0;
    for (let p = start[gi]; p < start[gi + 1]; p++) {
      const id = order[p];
      if (!shownAppend(ix, id)) continue;
      const t = invokeTimeNs[id];
      while (due < okAppends.length && completeTimeNs[okAppends[due]] < t) due++;
      b.need(appendElem[id], gi, due);
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
export function readDeps(ix: AppendIndex, g: Grouping, lastOnly = false): Deps {
  const { order, start } = g;
  const { opF, opType, appendElem, invokeTimeNs, completeTimeNs } = ix;
  const b = new DepsBuilder(ix.elemCount, g.count, lastOnly ? ix.ops.length : ix.elemCount);
  const shown = new ShownByGroup(ix, b, lastOnly);
  let longest = 0;
  for (let gi = 0; gi < g.count; gi++) longest = Math.max(longest, start[gi + 1] - start[gi]);
  const pending = new PendingReads(longest);
  for (let gi = 0; gi < g.count; gi++) {
    pending.clear();
    shown.startGroup(gi);
    for (let p = start[gi]; p < start[gi + 1]; p++) {
      const id = order[p];
      if (opF[id] === F_READ && opType[id] === T_OK) {
        pending.push(id);
        continue;
      }
      if (!shownAppend(ix, id)) continue;
      if (pending.size > 0) {
        const n = pending.take(invokeTimeNs[id], completeTimeNs);
        for (let i = 0; i < n; i++) shown.add(pending.ready[i]);
      }
      b.need(appendElem[id], gi, b.size);
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
  private mark = 0;
  private prefixKey = -1;
  private prefixLen = 0;
  constructor(
    private readonly ix: AppendIndex,
    private readonly b: DepsBuilder,
    private readonly lastOnly: boolean,
  ) {
    this.inList = new Int32Array(ix.elemCount);
    this.orders = keyOrders(ix);
  }
  startGroup(g: number): void {
    this.mark = g + 1;
    this.prefixKey = -1;
    this.prefixLen = 0;
  }
  add(r: number): void {
    const { readElems, readStart, readLen, elemStatus, opKey } = this.ix;
    const end = readStart[r] + readLen[r];
    let j = this.lastOnly ? end - 1 : readStart[r];
    if (!this.lastOnly && this.orders.ordered[opKey[r]] === 1) {
      // (the group's first read of the key sets which key the prefix is of)
      if (this.prefixKey < 0) this.prefixKey = opKey[r];
      if (this.prefixKey === opKey[r]) {
        j += Math.min(this.prefixLen, readLen[r]);
        if (readLen[r] > this.prefixLen) this.prefixLen = readLen[r];
      }
    }
    for (j = Math.max(j, readStart[r]); j < end; j++) {
      const e = readElems[j];
      if (this.inList[e] === this.mark || elemStatus[e] !== ELEM_OK) continue;
      this.inList[e] = this.mark;
      this.b.push(e, r);
    }
  }
}
