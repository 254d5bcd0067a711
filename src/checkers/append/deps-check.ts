// Checks every ok read against session-order dependencies (deps.ts) on one key: a read that shows
// element x must show, before x, the prefix of x's group's list that x needs. Where every read of a
// key is a prefix of its longest read (the usual case), positions in that read decide each element
// once; on a key whose reads fork, each read is walked with a moving frontier per group.

import type { Budget } from '../budget.js';
import type { Deps } from './deps.js';
import { F_READ, T_OK, type AppendIndex } from './index.js';

const ABSENT = 0x7fffffff;

export interface KeyOrders {
  /** Per key: 1 when every ok read is a prefix of the longest one (and that one repeats nothing). */
  ordered: Uint8Array;
  /** Per element: its position in its key's longest read (ABSENT: not in it). */
  pos: Int32Array;
}

const orderCache = new WeakMap<AppendIndex, KeyOrders>();

export function keyOrders(ix: AppendIndex): KeyOrders {
  let o = orderCache.get(ix);
  if (o === undefined) orderCache.set(ix, (o = buildKeyOrders(ix)));
  return o;
}

function buildKeyOrders(ix: AppendIndex): KeyOrders {
  const { byKey, keyStart, opF, opType, readElems, readStart, readLen } = ix;
  const ordered = new Uint8Array(ix.keys.length);
  const pos = new Int32Array(ix.elemCount).fill(ABSENT);
  for (let k = 0; k < ix.keys.length; k++) {
    let longest = -1;
    for (let p = keyStart[k]; p < keyStart[k + 1]; p++) {
      const r = byKey[p];
      if (opF[r] === F_READ && opType[r] === T_OK && (longest < 0 || readLen[r] > readLen[longest])) longest = r;
    }
    if (longest < 0) continue;
    let ok = 1;
    const ls = readStart[longest];
    for (let j = 0; j < readLen[longest]; j++) {
      const e = readElems[ls + j];
      if (pos[e] !== ABSENT) ok = 0; // a repeated element: positions mean nothing
      pos[e] = j;
    }
    for (let p = keyStart[k]; p < keyStart[k + 1] && ok; p++) {
      const r = byKey[p];
      if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
      for (let j = 0, s = readStart[r]; j < readLen[r]; j++) if (readElems[s + j] !== readElems[ls + j]) ok = 0;
    }
    ordered[k] = ok;
  }
  return { ordered, pos };
}

/** Per list entry: the latest position (in its key's longest read) of the list up to it. */
function prefixMax(deps: Deps, pos: Int32Array): Int32Array {
  const out = new Int32Array(deps.elems.length);
  for (let g = 0; g < deps.groups; g++) {
    let m = -1;
    for (let q = deps.start[g]; q < deps.start[g + 1]; q++) {
      const p = pos[deps.elems[q]];
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
 */
export function checkReadDeps(ix: AppendIndex, deps: Deps, budget: Budget, onBroken: OnBroken): number | undefined {
  const { byKey, keyStart, opF, opType, readStart, readLen } = ix;
  const orders = keyOrders(ix);
  const pmax = prefixMax(deps, orders.pos);
  const seen = new Int32Array(ix.elemCount); // === read + 1: shown so far by the read
  const groupMark = new Int32Array(deps.groups); // === read + 1: the group's frontier/flag is this read's
  const frontier = new Int32Array(deps.groups);
  const reported = new Int32Array(deps.groups);
  for (let k = 0; k < ix.keys.length; k++) {
    const fast = orders.ordered[k] === 1;
    for (let p = keyStart[k]; p < keyStart[k + 1]; p++) {
      const r = byKey[p];
      if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
      if (budget.spend(readLen[r] + 1)) return k;
      const s = readStart[r];
      const end = s + readLen[r];
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
        if (fast) broken = pmax[deps.start[g] + need - 1] > orders.pos[x];
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
        onBroken(r, x, g);
      }
    }
  }
  return undefined;
}

/** What read `r` lacks of what element x needs (list entries), and what it shows only after x. */
export function brokenDeps(ix: AppendIndex, deps: Deps, r: number, x: number): { missing: number[]; after: number[] } {
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
