// Checks every ok read against session-order dependencies (deps.ts) on one key: a read that shows
// element x must show, before x, the prefix of x's group's list that x needs. Where every read of a
// key is a prefix of its longest read (the usual case), positions in that read decide each element
// once; on a key whose reads fork, each read is walked with a moving frontier per group.

import type { Budget } from '../budget.js';
import type { Deps } from './deps.js';
import { F_READ, T_OK, type OrderIndex } from './index.js';

export interface KeyOrders {
  /** Per key: 1 when every ok read is a prefix of the longest one (and that one repeats nothing). */
  ordered: Uint8Array;
  /** Per element of an ordered key: its position in its key's longest read (ABSENT: not in it; meaningless on other keys). */
  pos: Int32Array;
  /** Per ordered key: its longest ok read (the first of them; -1: none). */
  longest: Int32Array;
}

/**
 * The index's own (appendIndex): a key's reads are checked against its longest as they are indexed.
 * (A key without reads counts as ordered there; nothing here looks at such a key.)
 */
export function keyOrders(ix: OrderIndex): KeyOrders {
  return { ordered: ix.keyOrdered, pos: ix.elemPos, longest: ix.keyLongest };
}

/** Per list entry: the latest position (in its key's longest read) of the list up to it. */
function prefixMax(deps: Deps): Int32Array {
  const { pos } = deps;
  const out = new Int32Array(deps.elems.length);
  for (let g = 0; g < deps.groups; g++) {
    let m = -1;
    for (let q = deps.start[g]; q < deps.start[g + 1]; q++) {
      const p = pos[q];
      if (p > m) m = p;
      out[q] = m;
    }
  }
  return out;
}

/** A read that breaks a dependency: the read, the element x it shows too early, x's group. */
export type OnBroken = (read: number, elem: number, group: number) => void;

/**
 * Calls `onBroken` once per (read, group) at the first element of the group the read shows before
 * what that element needs. Returns the number of keys done when the budget ran out, else undefined.
 * On a key whose reads are prefixes of its longest, whether an element comes too early depends on
 * its position alone: when no position of the longest read does, no read of the key is walked.
 */
export function checkReadDeps(ix: OrderIndex, deps: Deps, budget: Budget, onBroken: OnBroken): number | undefined {
  const { byKey, keyStart, opF, opType, readLen } = ix;
  const orders = keyOrders(ix);
  const pmax = prefixMax(deps);
  const walk = new ReadWalk(ix, deps, orders, pmax, onBroken);
  const work = keyWork(ix);
  for (let k = 0; k < ix.keys.length; k++) {
    const fast = orders.ordered[k] === 1;
    if (fast && !anyEarly(ix, deps, orders.longest[k], orders.pos, pmax)) {
      if (budget.spend(work[k])) return k;
      continue;
    }
    for (let p = keyStart[k]; p < keyStart[k + 1]; p++) {
      const r = byKey[p];
      if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
      if (budget.spend(readLen[r] + 1)) return k;
      walk.read(r, fast, budget);
    }
  }
  return undefined;
}

const workCache = new WeakMap<OrderIndex, Float64Array>();

/** Per key: the work of walking its ok reads (their elements, plus one each), summed in op order (no scattered look-ups by key). */
function keyWork(ix: OrderIndex): Float64Array {
  let w = workCache.get(ix);
  if (w === undefined) {
    w = new Float64Array(ix.keys.length);
    const { opF, opType, opKey, readLen } = ix;
    for (let i = 0; i < opF.length; i++) if (opF[i] === F_READ && opType[i] === T_OK) w[opKey[i]] += readLen[i] + 1;
    workCache.set(ix, w);
  }
  return w;
}

/** Whether an element of read r (a key's longest read, -1: none) comes before what it needs, by positions. */
function anyEarly(ix: OrderIndex, deps: Deps, r: number, pos: Int32Array, pmax: Int32Array): boolean {
  if (r < 0) return false;
  for (let j = ix.readStart[r], end = j + ix.readLen[r]; j < end; j++) {
    const x = ix.readElems[j];
    const g = deps.elemGroup[x];
    if (g >= 0 && pmax[deps.start[g] + deps.elemNeed[x] - 1] > pos[x]) return true;
  }
  return false;
}

/** Walks one read: per group, a frontier (or, on a prefix key, positions) decides each element. */
class ReadWalk {
  private readonly seen: Int32Array; // === read + 1: shown so far by the read
  private readonly groupMark: Int32Array; // === read + 1: the group's frontier/flag is this read's
  private readonly frontier: Int32Array;
  private readonly reported: Int32Array;
  constructor(
    private readonly ix: OrderIndex,
    private readonly deps: Deps,
    private readonly orders: KeyOrders,
    private readonly pmax: Int32Array,
    private readonly onBroken: OnBroken,
  ) {
    this.seen = new Int32Array(ix.elemCount);
    this.groupMark = new Int32Array(deps.groups);
    this.frontier = new Int32Array(deps.groups);
    this.reported = new Int32Array(deps.groups);
  }

  read(r: number, fast: boolean, budget: Budget): void {
    const { ix, deps, seen, groupMark, frontier, reported } = this;
    const s = ix.readStart[r];
    const end = s + ix.readLen[r];
    const mark = r + 1;
    for (let j = s; j < end; j++) {
      const x = ix.readElems[j];
      seen[x] = mark;
      const g = deps.elemGroup[x];
      if (g < 0) continue;
      const need = deps.elemNeed[x];
      if (groupMark[g] !== mark) {
        groupMark[g] = mark;
        frontier[g] = 0;
        reported[g] = 0;
      }
      if (reported[g] === 1) continue;
      let broken: boolean;
      if (fast) broken = this.pmax[deps.start[g] + need - 1] > this.orders.pos[x];
      else {
        let f = frontier[g];
        const base = deps.start[g];
        while (f < need && seen[deps.elems[base + f]] === mark) f++;
        budget.spend(f - frontier[g]);
        frontier[g] = f;
        broken = f < need;
      }
      if (!broken) continue;
      reported[g] = 1;
      this.onBroken(r, x, g);
    }
  }
}

/** What read `r` lacks of what element x needs (list entries), and what it shows only after x. */
export function brokenDeps(ix: OrderIndex, deps: Deps, r: number, x: number): { missing: number[]; after: number[] } {
  const s = ix.readStart[r];
  const at = new Map<number, number>();
  for (let j = ix.readLen[r] - 1; j >= 0; j--) at.set(ix.readElems[s + j], j);
  const px = at.get(x)!;
  const missing: number[] = [];
  const after: number[] = [];
  const g = deps.elemGroup[x];
  for (let q = deps.start[g]; q < deps.start[g] + deps.elemNeed[x]; q++) {
    const e = deps.elems[q];
    if (e === x) continue;
    const pe = at.get(e);
    if (pe === undefined) missing.push(q);
    else if (pe > px) after.push(q);
  }
  return { missing, after };
}
