// consistent-prefix (SPEC 5): all reads of a key must be prefixes of one order of appends. Reports
// forks (two reads, neither a prefix of the other), duplicated elements, and elements that no
// append wrote or whose append failed.

import { opIndex, type Op } from '../history/types.js';
import { appendElement, appendIndex, ELEM_OK, F_READ, T_OK } from './append/index.js';
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
    const { byKey, keyStart, opF, opType, readElems, readStart, readLen, elemAppend, elemStatus, ops } = ix;
    const inRead = new Int32Array(ix.elemCount); // === read op id + 1 while scanning that read
    const reported = new Uint8Array(ix.elemCount); // a bad element is reported once, at its first read
    let readsChecked = 0;
    for (let k = 0; k < ix.keys.length; k++) {
      const from = keyStart[k];
      const to = keyStart[k + 1];
      let longest = -1; // the longest read so far: every read must be comparable with it
      for (let p = from; p < to; p++) {
        const r = byKey[p];
        if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
        const s = readStart[r];
        const len = readLen[r];
        if (budget.spend(len + 1)) return budget.stopped(list, k, ix.keys.length, 'keys', { readsChecked, duplicateAppends: ix.duplicateAppends });
        readsChecked++;
        const mark = r + 1;
        if (!cleanRead(readElems, s, s + len, inRead, mark, elemStatus)) {
          // Rare: a repeated or bad element. Look again, slowly, to say which.
          const seen = new Set<number>();
          for (let j = s; j < s + len; j++) {
            const e = readElems[j];
            if (seen.has(e)) list.add(() => duplicate(ops[r], ix.elemValue[e]));
            else seen.add(e);
            if (elemStatus[e] !== ELEM_OK && reported[e] === 0) {
              reported[e] = 1;
              const a = elemAppend[e];
              list.add(() => (a < 0 ? phantom(ops[r], ix.elemValue[e]) : failedShown(ops[r], ops[a])));
            }
          }
        }
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
    }
    return list.result({ readsChecked, duplicateAppends: ix.duplicateAppends });
  },
};

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
