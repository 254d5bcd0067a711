// consistent-prefix (SPEC 5): all reads of a key must be prefixes of one order of appends. Reports
// forks (two reads, neither a prefix of the other), duplicated elements, and elements that no
// append wrote or whose append failed.

import { opIndex, type Op } from '../history/types.js';
import { appendElement, appendIndex, ELEM_OK, F_READ, T_OK, type AppendIndex } from './append/index.js';
import { fromNode, readList, secs, showList, showValue } from './append/explain.js';
import { Budget } from './budget.js';
import { AnomalyList, type Checker } from './types.js';

export const consistentPrefix: Checker = {
  name: 'consistent-prefix',
  description: 'reads of a key fork, repeat an element, or show one that was never (successfully) appended (list-append)',
  appliesTo: (w) => w === 'append',
  check(h, opts = {}) {
    const budget = new Budget(opts);
    const ix = appendIndex(h);
    const list = new AnomalyList(opts.maxAnomalies);
    const st: KeyState = { ix, list, budget, inRead: new Int32Array(ix.elemCount), reported: new Uint8Array(ix.elemCount), readsChecked: 0 };
    for (let k = 0; k < ix.keys.length; k++) {
      const done = ix.keyOrdered[k] === 1 ? checkOrderedKey(st, k) : checkKey(st, k);
      if (!done) return budget.stopped(list, k, ix.keys.length, 'keys', { readsChecked: st.readsChecked, duplicateAppends: ix.duplicateAppends });
    }
    return list.result({ readsChecked: st.readsChecked, duplicateAppends: ix.duplicateAppends });
  },
};

interface KeyState {
  ix: AppendIndex;
  list: AnomalyList;
  budget: Budget;
  /** === read op id + 1 while scanning that read. */
  inRead: Int32Array;
  /** A bad element is reported once, at its first read. */
  reported: Uint8Array;
  readsChecked: number;
}

/** Checks the ok reads of key k; false when the budget ran out. */
function checkKey(st: KeyState, k: number): boolean {
  const { byKey, keyStart, opF, opType, readElems, readStart, readLen, ops } = st.ix;
  const { list, budget } = st;
  let longest = -1; // the longest read so far: every read must be comparable with it
  for (let p = keyStart[k]; p < keyStart[k + 1]; p++) {
    const r = byKey[p];
    if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
    const s = readStart[r];
    const len = readLen[r];
    if (budget.spend(len + 1)) return false;
    st.readsChecked++;
    if (!cleanRead(readElems, s, s + len, st.inRead, r + 1, st.ix.elemStatus)) badElements(st, r, s, s + len);
    if (longest < 0) {
      longest = r;
      continue;
    }
    const ls = readStart[longest];
    const llen = readLen[longest];
    const n = len < llen ? len : llen;
    const i = commonPrefix(readElems, s, ls, n);
    if (i < n) {
      const other = longest;
      list.add(() => fork(ops[other], ops[r], i));
      if (len > llen) longest = r;
    } else if (len > llen) longest = r;
  }
  return true;
}

/** Rare: read r (at readElems[from..end)) repeats an element or has a bad one. Look again, slowly, to say which. */
function badElements(st: KeyState, r: number, from: number, end: number): void {
  const { readElems, elemStatus, elemAppend, elemValue, ops } = st.ix;
  const seen = new Set<number>();
  for (let j = from; j < end; j++) {
    const e = readElems[j];
    if (seen.has(e)) st.list.add(() => duplicate(ops[r], elemValue[e]));
    else seen.add(e);
    if (elemStatus[e] !== ELEM_OK && st.reported[e] === 0) {
      st.reported[e] = 1;
      const a = elemAppend[e];
      st.list.add(() => (a < 0 ? phantom(ops[r], elemValue[e]) : failedShown(ops[r], ops[a])));
    }
  }
}

/**
 * checkKey on a key whose reads are all prefixes of its longest read, which repeats nothing: no
 * read forks or repeats; a bad element is reported at the first read long enough to hold it.
 */
function checkOrderedKey(st: KeyState, k: number): boolean {
  const { byKey, keyStart, opF, opType, readElems, readStart, readLen, keyLongest, elemStatus, elemAppend, elemValue, ops } = st.ix;
  const ls = keyLongest[k] >= 0 ? readStart[keyLongest[k]] : 0;
  let covered = 0; // the longest read so far: its elements were looked at
  for (let p = keyStart[k]; p < keyStart[k + 1]; p++) {
    const r = byKey[p];
    if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
    const len = readLen[r];
    if (st.budget.spend(len + 1)) return false;
    st.readsChecked++;
    for (; covered < len; covered++) {
      const e = readElems[ls + covered];
      if (elemStatus[e] === ELEM_OK) continue;
      const a = elemAppend[e];
      st.list.add(() => (a < 0 ? phantom(ops[r], elemValue[e]) : failedShown(ops[r], ops[a])));
    }
  }
  return true;
}

/** True when readElems[from..end) has no repeated element and only ok elements; stamps them with `mark`. */
function cleanRead(readElems: Int32Array, from: number, end: number, inRead: Int32Array, mark: number, status: Uint8Array): boolean {
  let clean = true;
  for (let j = from; j < end; j++) {
    const e = readElems[j];
    if (inRead[e] === mark || status[e] !== ELEM_OK) clean = false;
    inRead[e] = mark;
  }
  return clean;
}

/** How many leading elements two reads share (up to n). */
function commonPrefix(readElems: Int32Array, a: number, b: number, n: number): number {
  let i = 0;
  while (i < n && readElems[a + i] === readElems[b + i]) i++;
  return i;
}

function duplicate(read: Op, v: unknown) {
  return {
    type: 'duplicate',
    ops: [opIndex(read)],
    key: read.key,
    explanation:
      `the read of ${read.key} at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}, which holds ${showValue(v)} more than once; ` +
      `each element is appended once, so no order of appends yields it`,
  };
}

function phantom(read: Op, v: unknown) {
  return {
    type: 'phantom-element',
    ops: [opIndex(read)],
    key: read.key,
    explanation:
      `the read of ${read.key} at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}, which holds ${showValue(v)}, ` +
      `but no operation appended ${showValue(v)} to ${read.key}`,
  };
}

function failedShown(read: Op, append: Op) {
  return {
    type: 'failed-append-read',
    ops: [opIndex(append), opIndex(read)],
    key: read.key,
    explanation:
      `session ${append.session}'s append of ${showValue(appendElement(append))} to ${read.key} failed at ${secs(append.completeTime)}, ` +
      `yet the read at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))} with it; a failed append certainly did not happen`,
  };
}

function fork(a: Op, b: Op, at: number) {
  const la = readList(a);
  const lb = readList(b);
  return {
    type: 'fork',
    ops: [opIndex(a), opIndex(b)],
    key: b.key,
    explanation:
      `the read of ${b.key} at ${secs(a.invokeTime)}${fromNode(a)} returned ${showList(la)} and the read at ${secs(b.invokeTime)}${fromNode(b)} returned ${showList(lb)}: ` +
      `they agree on ${at} element${at === 1 ? '' : 's'}, then have ${showValue(la[at])} vs ${showValue(lb[at])}, so neither is a prefix of the other and no single order of appends explains both`,
  };
}
