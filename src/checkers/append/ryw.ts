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
  const { opF, opType, invokeTimeNs, completeTimeNs, readElems, readStart, readLen, elemOkDoneNs, appendElem } = ix;
  const owner = scope.elemOwner;
  // stamp[e] === read op id + 1 once element e was counted for that read (dedupes repeats).
  const stamp = new Int32Array(ix.elemCount);
  let owed: number[] = [];
  let readsChecked = 0;
  for (let gi = 0; gi < g.count; gi++) {
    const from = start[gi];
    const to = start[gi + 1];
    if (budget.spend(to - from + 1)) return { list, readsChecked, stoppedAt: gi, groups: g.count };
    // The group's own ok appends, by completion time (usually already in that order).
    owed.length = 0;
    let sorted = true;
    let hasRead = false;
    for (let p = from; p < to; p++) {
      const id = order[p];
      if (opType[id] !== T_OK) continue;
      if (opF[id] === F_APPEND) {
        if (appendElem[id] < 0) continue; // a repeated element: the first append owns it
        if (owed.length > 0 && completeTimeNs[owed[owed.length - 1]] > completeTimeNs[id]) sorted = false;
        owed.push(id);
      } else if (opF[id] === F_READ) hasRead = true;
    }
    if (owed.length === 0 || !hasRead) continue;
    if (!sorted) owed = owed.sort((a, b) => completeTimeNs[a] - completeTimeNs[b]);
    const me = g.owner[gi];
    let due = 0; // owed[0..due) completed before the current read began
    for (let p = from; p < to; p++) {
      const r = order[p];
      if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
      if (budget.spend(readLen[r] + 1)) return { list, readsChecked, stoppedAt: gi, groups: g.count };
      const t = invokeTimeNs[r];
      while (due < owed.length && completeTimeNs[owed[due]] < t) due++;
      if (due === 0) continue;
      readsChecked++;
      const s = readStart[r];
      const end = s + readLen[r];
      const mark = r + 1;
      const present = countOwed(readElems, s, end, owner, me, elemOkDoneNs, t, stamp, mark);
      if (present === due) continue;
      budget.spend(due); // an anomalous read costs what it owed, too
      const missing: number[] = [];
      for (let q = 0; q < due; q++) {
        if (stamp[appendElem[owed[q]]] !== mark) missing.push(owed[q]);
      }
      list.add(() => explain(ix, scope, r, missing));
    }
  }
  return { list, readsChecked, groups: g.count };
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
