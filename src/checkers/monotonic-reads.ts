// monotonic-reads (SPEC 5): a session reads a key twice, the first read completes before the
// second begins, and the second lacks an element the first one had (the session went back in time).

import { opIndex } from '../history/types.js';
import { appendIndex, F_READ, T_OK, type AppendIndex } from './append/index.js';
import { fromNode, readList, secs, showList, showValues } from './append/explain.js';
import { Budget } from './budget.js';
import { AnomalyList, type Checker } from './types.js';

/** Adds a read's elements to the group's seen set (small helpers, so V8 optimises them). */
function addSeen(readElems: Int32Array, from: number, end: number, seenIn: Int32Array, seenFrom: Int32Array, seenList: number[], gmark: number, read: number): void {
  for (let j = from; j < end; j++) {
    const e = readElems[j];
    if (seenIn[e] !== gmark) {
      seenIn[e] = gmark;
      seenFrom[e] = read;
      seenList.push(e);
    }
  }
}

/** How many distinct seen elements readElems[from..end) has; stamps them with `mark`. */
function countSeen(readElems: Int32Array, from: number, end: number, seenIn: Int32Array, gmark: number, inRead: Int32Array, mark: number): number {
  let present = 0;
  for (let j = from; j < end; j++) {
    const e = readElems[j];
    if (seenIn[e] === gmark && inRead[e] !== mark) {
      inRead[e] = mark;
      present++;
    }
  }
  return present;
}

const CLEAN = 0;
const LOOK_AGAIN = 1;
const OUT_OF_BUDGET = 2;

export const monotonicReads: Checker = {
  name: 'monotonic-reads',
  description: 'a later read by a session lacks an element an earlier read of that session had (list-append)',
  appliesTo: (w) => w === 'append',
  check(h, opts = {}) {
    const budget = new Budget(opts);
    const ix = appendIndex(h);
    const list = new AnomalyList(opts.maxAnomalies);
    const { order, start, count } = ix.bySession;
    const st = new GroupState(ix, list, budget);
    let work = 0; // work items of the groups passed over, spent in bulk
    for (let gi = 0; gi < count; gi++) {
      const from = start[gi];
      const to = start[gi + 1];
      // A lone op has no earlier read to compare with: most groups, skipped without looking at the op.
      if (to - from < 2) {
        work += 1;
        continue;
      }
      if (budget.spend(work)) return budget.stopped(list, gi, count, 'session-key groups', { readsCompared: st.pairs });
      work = 0;
      const key = ix.opKey[order[from]];
      const quick = ix.keyOrdered[key] === 1 ? st.orderedPairs(order, from, to) : LOOK_AGAIN;
      if (quick === CLEAN) continue;
      if (quick === OUT_OF_BUDGET || !st.check(order, from, to, gi + 1)) return budget.stopped(list, gi, count, 'session-key groups', { readsCompared: st.pairs });
    }
    return list.result({ readsCompared: st.pairs });
  },
};

/**
 * Groups are processed one at a time, so one array per purpose serves every group: seenIn[e] ===
 * group + 1 when an earlier completed read of the group had element e, seenFrom[e] is that read,
 * inRead[e] === read op id + 1 while checking that read.
 */
class GroupState {
  readonly seenIn: Int32Array;
  readonly seenFrom: Int32Array;
  readonly inRead: Int32Array;
  readonly seenList: number[] = [];
  /** Reads of the group not yet known to precede the current one (pending[0..nPending)). */
  pending = new Int32Array(16);
  pairs = 0;

  constructor(
    readonly ix: AppendIndex,
    readonly list: AnomalyList,
    readonly budget: Budget,
  ) {
    this.seenIn = new Int32Array(ix.elemCount);
    this.seenFrom = new Int32Array(ix.elemCount);
    this.inRead = new Int32Array(ix.elemCount);
  }

  /**
   * On a key whose reads are all prefixes of its longest read, what earlier reads had is a prefix
   * too, as long as the longest of them: a read lacks some of it exactly when it is shorter. CLEAN
   * (and the pairs counted) when no read of group order[from..to) does; LOOK_AGAIN, counting
   * nothing, when one does (check() then looks element by element); OUT_OF_BUDGET.
   */
  orderedPairs(order: Int32Array, from: number, to: number): number {
    const { opF, opType, invokeTimeNs, completeTimeNs, readLen } = this.ix;
    if (this.pending.length < to - from) this.pending = new Int32Array(2 * (to - from));
    const pending = this.pending;
    let nPending = 0;
    let seenLen = 0; // the longest earlier read that completed before the current one began
    let pairs = 0;
    for (let p = from; p < to; p++) {
      const r = order[p];
      if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
      if (this.budget.spend(nPending + 1)) return OUT_OF_BUDGET;
      const t = invokeTimeNs[r];
      let w = 0;
      for (let i = 0; i < nPending; i++) {
        const q = pending[i];
        if (completeTimeNs[q] < t) {
          if (readLen[q] > seenLen) seenLen = readLen[q];
        } else pending[w++] = q;
      }
      nPending = w;
      pending[nPending++] = r;
      if (seenLen === 0) continue;
      pairs++;
      if (readLen[r] < seenLen) return LOOK_AGAIN;
    }
    this.pairs += pairs;
    return CLEAN;
  }

  /** Checks the reads of group order[from..to) (gmark: group + 1); false when the budget ran out. */
  check(order: Int32Array, from: number, to: number, gmark: number): boolean {
    const { opF, opType, invokeTimeNs, completeTimeNs, readElems, readStart, readLen } = this.ix;
    const { seenIn, seenFrom, inRead, seenList, budget } = this;
    if (this.pending.length < to - from) this.pending = new Int32Array(2 * (to - from));
    const pending = this.pending;
    let nPending = 0;
    seenList.length = 0;
    for (let p = from; p < to; p++) {
      const r = order[p];
      if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
      if (budget.spend(nPending + readLen[r] + 1)) return false;
      const t = invokeTimeNs[r];
      // Earlier reads that completed before this one began join the seen set.
      let w = 0;
      for (let i = 0; i < nPending; i++) {
        const q = pending[i];
        if (completeTimeNs[q] < t) addSeen(readElems, readStart[q], readStart[q] + readLen[q], seenIn, seenFrom, seenList, gmark, q);
        else pending[w++] = q;
      }
      nPending = w;
      pending[nPending++] = r;
      if (seenList.length === 0) continue;
      this.pairs++;
      const s = readStart[r];
      const mark = r + 1;
      const present = countSeen(readElems, s, s + readLen[r], seenIn, gmark, inRead, mark);
      if (present === seenList.length) continue;
      budget.spend(seenList.length); // an anomalous read costs what it lost, too
      const missing = seenList.filter((e) => inRead[e] !== mark);
      this.list.add(() => explain(this.ix, r, missing, seenFrom));
    }
    return true;
  }
}

/**
 * The anomaly of read r, which lacks `missing`: the earlier reads the sentence cites, each with the
 * lost elements it had: the read with the most of them first, then the next for what is left, until
 * all are covered.
 */
function explain(ix: AppendIndex, r: number, missing: number[], seenFrom: Int32Array) {
  const { ops, readElems, readStart, readLen } = ix;
  const read = ops[r];
  const earlier = [...new Set(missing.map((e) => seenFrom[e]))];
  const has = new Map(earlier.map((q) => [q, new Set(readElems.subarray(readStart[q], readStart[q] + readLen[q]))]));
  const cited: { q: number; lost: number[] }[] = [];
  let left = missing;
  while (left.length > 0) {
    let best = earlier[0];
    let bestLost: number[] = [];
    for (const q of earlier) {
      const lost = left.filter((e) => has.get(q)!.has(e));
      if (lost.length > bestLost.length || (lost.length === bestLost.length && q > best)) {
        best = q;
        bestLost = lost;
      }
    }
    cited.push({ q: best, lost: bestLost });
    left = left.filter((e) => !has.get(best)!.has(e));
  }
  cited.sort((a, b) => a.q - b.q);
  const values = missing.map((e) => ix.elemValue[e]);
  const okAt = (q: number) => `${fromNode(ops[q])} (ok at ${secs(ops[q].completeTime)})`;
  const lostValues = (c: { lost: number[] }) => showValues(c.lost.map((e) => ix.elemValue[e]));
  const before =
    `read ${showList(readList(ops[cited[0].q]))} from ${read.key}${okAt(cited[0].q)}` +
    cited.slice(1).map((c) => ` and then ${showList(readList(ops[c.q]))}${okAt(c.q)}`).join('');
  const losing = cited.length === 1 ? lostValues(cited[0]) : cited.map((c) => `${lostValues(c)} (of the read ok at ${secs(ops[c.q].completeTime)})`).join(' and ');
  return {
    type: 'monotonic-reads',
    ops: [...cited.map((c) => opIndex(ops[c.q])), opIndex(read)],
    key: read.key,
    explanation:
      `session ${read.session} ${before} ` +
      `but its later read at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}, losing ${losing}; ` +
      `a session's reads must never go back to an older state`,
    missing: values,
  };
}
