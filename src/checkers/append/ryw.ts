// Read-your-writes over a grouping of ops by (owner, key): per session (read-your-writes) or per
// user (read-your-writes-user). Linear: each read costs its length, plus its missing elements.

import { opIndex } from '../../history/types.js';
import { Budget } from '../budget.js';
import { AnomalyList, type CheckOptions } from '../types.js';
import { fromNode, readList, secs, showList, showValues } from './explain.js';
import { appendElement, F_APPEND, F_READ, T_OK, type AppendIndex, type Grouping } from './index.js';

export interface RywScope {
  /** The anomaly type. */
  type: string;
  /** Owner index of each element's append (session or user index, as in the grouping). */
  elemOwner: Int32Array;
  /** Per user: the writer is named with its user and session. */
  byUser: boolean;
}

export interface RywOutcome {
  list: AnomalyList;
  /** ok reads that owed at least one element. */
  readsChecked: number;
  /** Set when the budget ran out: groups fully checked, of `groups`. */
  stoppedAt?: number;
  groups: number;
}

export function checkReadYourWrites(ix: AppendIndex, g: Grouping, scope: RywScope, opts: CheckOptions, budget: Budget): RywOutcome {
  const list = new AnomalyList(opts.maxAnomalies);
  const { order, start } = g;
  const { opF, opType, completeTimeNs, appendElem } = ix;
  const state: RywState = { ix, scope, list, budget, stamp: new Int32Array(ix.elemCount), owed: new Int32Array(16), readsChecked: 0 };
  let work = 0; // work items of the groups passed over, spent in bulk
  for (let gi = 0; gi < g.count; gi++) {
    const from = start[gi];
    const to = start[gi + 1];
    work += to - from + 1;
    // A lone op owes nothing to itself: most groups, skipped without looking at the op.
    if (to - from < 2) continue;
    if (budget.spend(work)) return { list, readsChecked: state.readsChecked, stoppedAt: gi, groups: g.count };
    work = 0;
    // The group's own ok appends, by completion time (usually already in that order).
    if (state.owed.length < to - from) state.owed = new Int32Array(2 * (to - from));
    const owed = state.owed;
    let nOwed = 0;
    let sorted = true;
    let hasRead = false;
    for (let p = from; p < to; p++) {
      const id = order[p];
      if (opType[id] !== T_OK) continue;
      if (opF[id] === F_APPEND) {
        if (appendElem[id] < 0) continue; // a repeated element: the first append owns it
        if (nOwed > 0 && completeTimeNs[owed[nOwed - 1]] > completeTimeNs[id]) sorted = false;
        owed[nOwed++] = id;
      } else if (opF[id] === F_READ) hasRead = true;
    }
    if (nOwed === 0 || !hasRead) continue;
    if (!sorted) sortByCompletion(owed, nOwed, completeTimeNs);
    const check = ix.keyOrdered[ix.opKey[order[from]]] === 1 ? checkOrderedGroup : checkGroup;
    if (!check(state, order, from, to, g.owner[gi], nOwed)) return { list, readsChecked: state.readsChecked, stoppedAt: gi, groups: g.count };
  }
  return { list, readsChecked: state.readsChecked, groups: g.count };
}

/** What checking one group needs; `owed` holds the group's owed appends by completion. */
interface RywState {
  ix: AppendIndex;
  scope: RywScope;
  list: AnomalyList;
  budget: Budget;
  /** stamp[e] === read op id + 1 once element e was counted for that read (dedupes repeats). */
  stamp: Int32Array;
  owed: Int32Array;
  readsChecked: number;
}

/** Checks each ok read of group order[from..to) against owed[0..nOwed); false when the budget ran out. */
function checkGroup(st: RywState, order: Int32Array, from: number, to: number, me: number, nOwed: number): boolean {
  const { opF, opType, invokeTimeNs, completeTimeNs, readElems, readStart, readLen, elemOkDoneNs, appendElem } = st.ix;
  const { owed, stamp, budget } = st;
  const owner = st.scope.elemOwner;
  let due = 0; // owed[0..due) completed before the current read began
  for (let p = from; p < to; p++) {
    const r = order[p];
    if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
    if (budget.spend(readLen[r] + 1)) return false;
    const t = invokeTimeNs[r];
    while (due < nOwed && completeTimeNs[owed[due]] < t) due++;
    if (due === 0) continue;
    st.readsChecked++;
    const s = readStart[r];
    const mark = r + 1;
    const present = countOwed(readElems, s, s + readLen[r], owner, me, elemOkDoneNs, t, stamp, mark);
    if (present === due) continue;
    budget.spend(due); // an anomalous read costs what it owed, too
    const missing: number[] = [];
    for (let q = 0; q < due; q++) {
      if (stamp[appendElem[owed[q]]] !== mark) missing.push(owed[q]);
    }
    st.list.add(() => explain(st.ix, st.scope, r, missing));
  }
  return true;
}

/**
 * checkGroup on a key whose reads are all prefixes of its longest read: a read holds an element
 * when the element's position in that read is below the read's length, so a read holds all it owes
 * when the latest position among them is.
 */
function checkOrderedGroup(st: RywState, order: Int32Array, from: number, to: number, _me: number, nOwed: number): boolean {
  const { opF, opType, invokeTimeNs, completeTimeNs, readLen, elemPos, appendElem } = st.ix;
  const { owed, budget } = st;
  let due = 0; // owed[0..due) completed before the current read began
  let latest = -1; // the latest position among them
  for (let p = from; p < to; p++) {
    const r = order[p];
    if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
    if (budget.spend(readLen[r] + 1)) return false;
    const t = invokeTimeNs[r];
    for (; due < nOwed && completeTimeNs[owed[due]] < t; due++) {
      const pos = elemPos[appendElem[owed[due]]];
      if (pos > latest) latest = pos;
    }
    if (due === 0) continue;
    st.readsChecked++;
    const len = readLen[r];
    if (latest < len) continue;
    budget.spend(due); // an anomalous read costs what it owed, too
    const missing: number[] = [];
    for (let q = 0; q < due; q++) {
      if (elemPos[appendElem[owed[q]]] >= len) missing.push(owed[q]);
    }
    st.list.add(() => explain(st.ix, st.scope, r, missing));
  }
  return true;
}

/** Sorts a[0..n) by completion time, stably (as Array.prototype.sort does). */
function sortByCompletion(a: Int32Array, n: number, done: Float64Array): void {
  const sorted = Array.from(a.subarray(0, n)).sort((x, y) => done[x] - done[y]);
  a.set(sorted);
}

/**
 * How many distinct elements of readElems[from..end) the owner `me` appended with an ok append
 * completed before `t`; stamps each counted one with `mark`. Small, so V8 optimises it.
 */
function countOwed(readElems: Int32Array, from: number, end: number, owner: Int32Array, me: number, okDoneNs: Float64Array, t: number, stamp: Int32Array, mark: number): number {
  let present = 0;
  for (let q = from; q < end; q++) {
    const e = readElems[q];
    if (owner[e] === me && okDoneNs[e] < t && stamp[e] !== mark) {
      stamp[e] = mark;
      present++;
    }
  }
  return present;
}

function explain(ix: AppendIndex, scope: RywScope, r: number, missing: number[]) {
  const ops = ix.ops;
  const read = ops[r];
  const last = ops[missing[missing.length - 1]];
  const values = missing.map((a) => appendElement(ops[a]));
  const sessions = [...new Set(missing.map((a) => ops[a].session))];
  const writer = scope.byUser && last.user !== undefined ? `user ${last.user} (session ${sessions.join(', ')})` : `session ${sessions.join(', ')}`;
  const reader = read.session === last.session && sessions.length === 1 ? 'its read' : `the read by its session ${read.session}`;
  const them = missing.length === 1 ? 'it' : 'them';
  const when = missing.length === 1 ? `ok at ${secs(last.completeTime)}` : `the last ok at ${secs(last.completeTime)}`;
  return {
    type: scope.type,
    ops: [...missing.map((a) => opIndex(ops[a])), opIndex(read)],
    key: read.key,
    explanation:
      `${writer} appended ${showValues(values)} to ${read.key} (${when}) but ${reader} at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}, ` +
      `which lacks ${them} although the read began after the write${missing.length === 1 ? ' was' : 's were'} acknowledged`,
    missing: values,
  };
}
