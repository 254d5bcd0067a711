// lost-writes (SPEC 5): an ok append whose element is in none of the final reads of its key. A key
// without ok final reads is judged on evidence: a read lacks the append yet holds an element appended
// after it was acknowledged, and no later read holds it. Ok appends that no read holds, with no such
// evidence, are listed apart as never read: a possibly stale read is not evidence of a loss.

import { opIndex, type Op } from '../history/types.js';
import { appendElement, appendIndex, F_APPEND, F_READ, T_FAIL, T_OK, type AppendIndex } from './append/index.js';
import { fromNode, readList, secs, showList, showValue } from './append/explain.js';
import { Budget } from './budget.js';
import { AnomalyList, type Checker, type CheckResult } from './types.js';

/** Never-read appends listed with an explanation (the count is the true total). */
const MAX_NEVER_READ_EXAMPLES = 10;

/** The rules, as the result states them (SPEC 5 with final reads; evidence without). */
export const RULES = {
  'final-reads': 'an ok append whose element is in none of the final reads of its key',
  evidence:
    'without final reads: an ok append missing from a read that holds an element whose append was invoked after the append was acknowledged, ' +
    'when no later read holds it; ok appends that no read holds, without such evidence, are listed as never read, not as lost',
} as const;

export interface NeverRead {
  /** Ok appends no read of their key holds, and no read shows lost (not anomalies). */
  count: number;
  /** Of those, the ones acknowledged before the last read of their key began (all the reads may have been stale). */
  acknowledgedBeforeLastRead: number;
  examples: { op: number; key: string; element: unknown; explanation: string }[];
}

export const lostWrites: Checker = {
  name: 'lost-writes',
  description:
    'an acknowledged append is missing from the final reads of its key, or (without final reads) from a read holding a later append (list-append)',
  appliesTo: (w) => w === 'append',
  check(h, opts = {}) {
    // The budget starts before the index is built, so a deadline passed while building it is honoured.
    const budget = new Budget(opts);
    return new LostWritesScan(appendIndex(h), budget, new AnomalyList(opts.maxAnomalies), h.hasFinalReads).run();
  },
};

type Rule = 'final-reads' | 'evidence' | 'mixed';

/**
 * One pass of the checker over the keys of an append index. Each step returns true once the budget
 * is spent (the scan then answers with what it has). The scratch arrays are reused from key to key.
 */
class LostWritesScan {
  /** === key + 1 when some final read of the key has the element. */
  private readonly inFinal: Int32Array;
  /** Latest completion of an ok read holding the element (element ids belong to one key each). */
  private readonly lastHeldNs: Float64Array;
  private readonly neverRead: NeverRead = { count: 0, acknowledgedBeforeLastRead: 0, examples: [] };
  private keysFinalRule = 0;
  private keysEvidenceRule = 0;
  private keysWithoutReads = 0;
  private appendsChecked = 0;
  /** The key being looked at (its count when stopped: keys done). */
  private k = 0;
  // Per key, its ok final reads and its ok reads in invoke order; per read, the latest invoke among
  // the appends of its elements (and that element); suffix maxima of those over the reads.
  private readonly finals: number[] = [];
  private readonly reads: number[] = [];
  private readonly readLatestNs: number[] = [];
  private readonly readLatestElem: number[] = [];
  private readonly sufLatestNs: number[] = [];
  private readonly sufRead: number[] = [];

  constructor(
    private readonly ix: AppendIndex,
    private readonly budget: Budget,
    private readonly list: AnomalyList,
    private readonly hasFinalReads: boolean,
  ) {
    this.inFinal = new Int32Array(ix.elemCount);
    this.lastHeldNs = new Float64Array(ix.elemCount).fill(-Infinity);
  }

  run(): CheckResult {
    for (; this.k < this.ix.keys.length; this.k++) {
      if (this.checkKey(this.k)) return this.stop();
    }
    const rule = this.rule();
    return this.list.result({ rule, ruleText: ruleText(rule), ...this.stats() });
  }

  private stats() {
    const { keysFinalRule, keysEvidenceRule, keysWithoutReads, appendsChecked, neverRead } = this;
    return { keysFinalRule, keysEvidenceRule, keysWithoutReads, appendsChecked, neverRead };
  }

  private rule(): Rule {
    return ruleOf(this.keysFinalRule, this.keysEvidenceRule, this.hasFinalReads);
  }

  private stop(): CheckResult {
    return this.budget.stopped(this.list, this.k, this.ix.keys.length, 'keys', { rule: this.rule(), ...this.stats() });
  }

  /** Key k: by its final reads if it has some, else on evidence; ok appends of a never-read key are never read. */
  private checkKey(k: number): boolean {
    if (this.budget.spend(1)) return true;
    const from = this.ix.keyStart[k];
    const to = this.ix.keyStart[k + 1];
    const okAppends = this.collectReads(from, to);
    if (this.budget.spend(to - from)) return true;
    if (okAppends === 0) return false;
    if (this.reads.length === 0) {
      this.keysWithoutReads++;
      this.noteUnreadKey(from, to);
      return false;
    }
    if (this.finals.length > 0) return this.checkFinalReads(k, from, to);
    return this.checkOnEvidence(from, to);
  }

  /** Fills `reads` and `finals` with the key's ok reads (ops byKey[from..to)); returns its ok appends. */
  private collectReads(from: number, to: number): number {
    const { byKey, opType, opF, opFinal } = this.ix;
    this.finals.length = 0;
    this.reads.length = 0;
    let okAppends = 0;
    for (let p = from; p < to; p++) {
      const id = byKey[p];
      if (opType[id] !== T_OK) continue;
      if (opF[id] === F_READ) {
        this.reads.push(id);
        if (opFinal[id]) this.finals.push(id);
      } else if (opF[id] === F_APPEND) okAppends++;
    }
    return okAppends;
  }

  private noteUnreadKey(from: number, to: number): void {
    const { byKey, opType, opF, appendElem } = this.ix;
    for (let p = from; p < to; p++) {
      const a = byKey[p];
      if (opF[a] === F_APPEND && opType[a] === T_OK && appendElem[a] >= 0) this.noteNeverRead(a, -1);
    }
  }

  /**
   * Calls `judge(a, e)` for each ok append a of the key with its element e (a repeated element is
   * judged by its first append), counting it as checked; true once the budget is spent.
   */
  private forEachOkAppend(from: number, to: number, judge: (a: number, e: number) => void): boolean {
    const { byKey, opType, opF, appendElem } = this.ix;
    for (let p = from; p < to; p++) {
      const a = byKey[p];
      if (opF[a] !== F_APPEND || opType[a] !== T_OK) continue;
      const e = appendElem[a];
      if (e < 0) continue;
      if (this.budget.spend(1)) return true;
      this.appendsChecked++;
      judge(a, e);
    }
    return false;
  }

  /** SPEC 5: the final reads, done after healing and settling, are the evidence. */
  private checkFinalReads(k: number, from: number, to: number): boolean {
    this.keysFinalRule++;
    const kmark = k + 1;
    // On a key whose reads are all prefixes of its longest, the final reads hold what the longest of them holds.
    const ordered = this.ix.keyOrdered[k] === 1;
    const finalLen = this.markFinalElements(kmark, ordered);
    if (finalLen === undefined) return true;
    const { elemPos, ops } = this.ix;
    return this.forEachOkAppend(from, to, (a, e) => {
      if (ordered ? elemPos[e] < finalLen : this.inFinal[e] === kmark) return;
      const evidence = this.finals.slice();
      this.list.add(() => finalReadsAnomaly(ops, a, evidence));
    });
  }

  /**
   * Marks the elements of the key's final reads in `inFinal` (unordered key) or returns the length of
   * the longest (ordered key; 0 otherwise); undefined once the budget is spent.
   */
  private markFinalElements(kmark: number, ordered: boolean): number | undefined {
    const { readStart, readLen, readElems } = this.ix;
    let finalLen = 0;
    for (const r of this.finals) {
      const s = readStart[r];
      const end = s + readLen[r];
      if (ordered) finalLen = Math.max(finalLen, readLen[r]);
      else for (let j = s; j < end; j++) this.inFinal[readElems[j]] = kmark;
      if (this.budget.spend(readLen[r] + 1)) return undefined;
    }
    return finalLen;
  }

  /** Without final reads: lost when a read begun after every read holding it ended shows a later append. */
  private checkOnEvidence(from: number, to: number): boolean {
    this.keysEvidenceRule++;
    if (this.scanReads()) return true;
    this.suffixMaxima();
    const { completeTimeNs } = this.ix;
    const n = this.reads.length;
    const lastRead = this.reads[n - 1];
    return this.forEachOkAppend(from, to, (a, e) => {
      const heldNs = this.lastHeldNs[e];
      const lo = this.firstReadAfter(heldNs);
      if (lo < n && this.sufLatestNs[lo] > completeTimeNs[a]) {
        const i = this.sufRead[lo];
        const r = this.reads[i];
        const later = this.readLatestElem[i];
        this.list.add(() => evidenceAnomaly(this.ix, a, r, later, heldNs));
      } else if (heldNs === -Infinity) this.noteNeverRead(a, lastRead);
    });
  }

  /** Per read, when it ended (for lastHeldNs) and the latest-invoked append it shows; true once the budget is spent. */
  private scanReads(): boolean {
    const { completeTimeNs, readStart, readLen, readElems, elemAppend, opType, invokeTimeNs } = this.ix;
    const n = this.reads.length;
    this.readLatestNs.length = n;
    this.readLatestElem.length = n;
    for (let i = 0; i < n; i++) {
      const r = this.reads[i];
      const doneNs = completeTimeNs[r];
      const s = readStart[r];
      const end = s + readLen[r];
      let latest = -Infinity;
      let latestElem = -1;
      for (let j = s; j < end; j++) {
        const e = readElems[j];
        if (doneNs > this.lastHeldNs[e]) this.lastHeldNs[e] = doneNs;
        const w = elemAppend[e];
        // A phantom element or a failed append's (consistent-prefix reports those) is no evidence.
        if (w < 0 || opType[w] === T_FAIL) continue;
        const t = invokeTimeNs[w];
        if (t > latest) {
          latest = t;
          latestElem = e;
        }
      }
      this.readLatestNs[i] = latest;
      this.readLatestElem[i] = latestElem;
      if (this.budget.spend(readLen[r] + 1)) return true;
    }
    return false;
  }

  /** sufLatestNs[i] / sufRead[i]: the latest append shown by reads i.. and the read showing it. */
  private suffixMaxima(): void {
    const { readLatestNs, sufLatestNs, sufRead } = this;
    const n = this.reads.length;
    sufLatestNs.length = n + 1;
    sufRead.length = n + 1;
    sufLatestNs[n] = -Infinity;
    sufRead[n] = -1;
    for (let i = n - 1; i >= 0; i--) {
      const better = readLatestNs[i] > sufLatestNs[i + 1];
      sufLatestNs[i] = better ? readLatestNs[i] : sufLatestNs[i + 1];
      sufRead[i] = better ? i : sufRead[i + 1];
    }
  }

  /** The first read begun after heldNs (reads begun after every read holding e ended lack e), by binary search. */
  private firstReadAfter(heldNs: number): number {
    const { invokeTimeNs } = this.ix;
    let lo = 0;
    let hi = this.reads.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (invokeTimeNs[this.reads[mid]] > heldNs) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private noteNeverRead(a: number, lastRead: number): void {
    const { neverRead } = this;
    const { completeTimeNs, invokeTimeNs, ops } = this.ix;
    neverRead.count++;
    if (lastRead >= 0 && completeTimeNs[a] < invokeTimeNs[lastRead]) neverRead.acknowledgedBeforeLastRead++;
    if (neverRead.examples.length >= MAX_NEVER_READ_EXAMPLES) return;
    neverRead.examples.push(neverReadExample(ops[a], lastRead >= 0 ? ops[lastRead] : undefined));
  }
}

function ruleOf(keysFinal: number, keysEvidence: number, hasFinalReads: boolean): Rule {
  if (keysFinal > 0 && keysEvidence > 0) return 'mixed';
  if (keysFinal > 0) return 'final-reads';
  if (keysEvidence > 0) return 'evidence';
  return hasFinalReads ? 'final-reads' : 'evidence';
}

function ruleText(rule: Rule): string {
  if (rule === 'mixed') return `keys with final reads: ${RULES['final-reads']}; keys ${RULES.evidence}`;
  return RULES[rule];
}

function appended(op: Op): string {
  return `session ${op.session} appended ${showValue(appendElement(op))} to ${op.key} (ok at ${secs(op.completeTime)}${fromNode(op)})`;
}

/** An ok append no read holds, none showing it lost; `last` is the last read of its key, if any. */
function neverReadExample(op: Op, last: Op | undefined): NeverRead['examples'][number] {
  const el = appendElement(op);
  return {
    op: opIndex(op),
    key: op.key,
    element: el,
    explanation:
      `session ${op.session} appended ${showValue(el)} to ${op.key} (ok at ${secs(op.completeTime)}${fromNode(op)}) but no read of ${op.key} holds it ` +
      (last
        ? `(the last, at ${secs(last.invokeTime)}${fromNode(last)}, returned ${showList(readList(last))}) and none shows a later append without it: `
        : `(${op.key} was never read): `) +
      'it was never confirmed, but nothing shows it lost either (the reads may have been stale)',
  };
}

/** A lost write shown by the final reads `evidence` of its key: none holds a's element. */
function finalReadsAnomaly(ops: Op[], a: number, evidence: number[]) {
  const op = ops[a];
  const nodes = [...new Set(evidence.map((r) => ops[r].node).filter((n) => n !== undefined))];
  const shown = showList(readList(ops[evidence[0]]));
  return {
    type: 'lost-write',
    ops: [opIndex(op), ...evidence.map((r) => opIndex(ops[r]))],
    key: op.key,
    rule: 'final-reads',
    explanation:
      `${appended(op)} but ${evidence.length === 1 ? 'the final read' : `none of the ${evidence.length} final reads`} of ${op.key}` +
      `${nodes.length ? ` (from ${nodes.join(', ')})` : ''} ${evidence.length === 1 ? 'returned' : 'contain it; the first returned'} ${shown}; an acknowledged write must survive healing`,
  };
}

/** A lost write shown by read r: it lacks a's element yet holds `later`, appended after a was acknowledged. */
function evidenceAnomaly(ix: AppendIndex, a: number, r: number, later: number, heldNs: number) {
  const { ops } = ix;
  const op = ops[a];
  const read = ops[r];
  const laterOp = ops[ix.elemAppend[later]];
  const el = showValue(appendElement(op));
  const lv = showValue(ix.elemValue[later]);
  const seen = heldNs === -Infinity ? `no read of ${op.key} ever held ${el}` : `no later read of ${op.key} holds ${el} (last seen by a read that ended at ${secs(heldNs)})`;
  return {
    type: 'lost-write',
    ops: [opIndex(op), opIndex(read), opIndex(laterOp)],
    key: op.key,
    rule: 'evidence',
    explanation:
      `${appended(op)} but the read of ${op.key} at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}: ` +
      `it holds ${lv}, whose append began at ${secs(laterOp.invokeTime)}, after ${el} was acknowledged, yet lacks ${el}, and ${seen}; ` +
      `a state that holds ${lv} must hold every append acknowledged before ${lv} began, so the acknowledged write was lost`,
    later: ix.elemValue[later],
  };
}
