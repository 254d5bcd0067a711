// Session-order dependencies of appended elements (monotonic-writes, writes-follow-reads): per
// group of ops (a session and key, or a session) a list of elements in the order they became
// due, and per appended element how long a prefix of its group's list must be visible wherever
// the element is. Built in one pass per group: linear in the ops and the read elements.

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

class DepsBuilder {
  readonly start: number[] = [0];
  readonly elems: number[] = [];
  readonly from: number[] = [];
  readonly elemGroup: Int32Array;
  readonly elemNeed: Int32Array;
  constructor(elemCount: number) {
    this.elemGroup = new Int32Array(elemCount).fill(-1);
    this.elemNeed = new Int32Array(elemCount);
  }
  /** The list so far of the group being built. */
  get size(): number {
    return this.elems.length - this.start[this.start.length - 1];
  }
  push(elem: number, from: number): void {
    this.elems.push(elem);
    this.from.push(from);
  }
  need(elem: number, group: number, n: number): void {
    if (n === 0) return;
    this.elemGroup[elem] = group;
    this.elemNeed[elem] = n;
  }
  endGroup(): void {
    this.start.push(this.elems.length);
  }
  done(): Deps {
    return {
      groups: this.start.length - 1,
      start: Int32Array.from(this.start),
      elems: Int32Array.from(this.elems),
      from: Int32Array.from(this.from),
      elemGroup: this.elemGroup,
      elemNeed: this.elemNeed,
    };
  }
}

/**
 * Moves the ops of `pending` that completed before `t` into `ready` (emptied first), in order of
 * completion; the others stay in `pending`, in their order.
 */
export function takeCompleted(pending: number[], ready: number[], t: number, completeTimeNs: Float64Array): void {
  ready.length = 0;
  let w = 0;
  for (let i = 0; i < pending.length; i++) {
    const r = pending[i];
    if (completeTimeNs[r] < t) ready.push(r);
    else pending[w++] = r;
  }
  pending.length = w;
  if (ready.length > 1) ready.sort((x, y) => completeTimeNs[x] - completeTimeNs[y]);
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
  const b = new DepsBuilder(ix.elemCount);
  const okAppends: number[] = [];
  for (let gi = 0; gi < g.count; gi++) {
    okAppends.length = 0;
    for (let p = start[gi]; p < start[gi + 1]; p++) {
      const id = order[p];
      if (opF[id] === F_APPEND && opType[id] === T_OK && appendElem[id] >= 0) okAppends.push(id);
    }
    okAppends.sort((x, y) => completeTimeNs[x] - completeTimeNs[y]);
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
  const { opF, opType, appendElem, invokeTimeNs, completeTimeNs, readElems, readStart, readLen, elemStatus } = ix;
  const b = new DepsBuilder(ix.elemCount);
  const inList = new Int32Array(ix.elemCount); // === group + 1 once in the group's list
  const pending: number[] = [];
  const ready: number[] = [];
  for (let gi = 0; gi < g.count; gi++) {
    pending.length = 0;
    const mark = gi + 1;
    for (let p = start[gi]; p < start[gi + 1]; p++) {
      const id = order[p];
      if (opF[id] === F_READ && opType[id] === T_OK) {
        pending.push(id);
        continue;
      }
      if (!shownAppend(ix, id)) continue;
      takeCompleted(pending, ready, invokeTimeNs[id], completeTimeNs);
      for (const r of ready) {
        const end = readStart[r] + readLen[r];
        for (let j = lastOnly ? end - 1 : readStart[r]; j >= readStart[r] && j < end; j++) {
          const e = readElems[j];
          if (inList[e] === mark || elemStatus[e] !== ELEM_OK) continue;
          inList[e] = mark;
          b.push(e, r);
        }
      }
      b.need(appendElem[id], gi, b.size);
    }
    b.endGroup();
  }
  return b.done();
}
