// lost-writes (SPEC 5): an ok append whose element is in none of the final reads of its key. A key
// without ok final reads is judged on evidence: a read lacks the append yet holds an element appended
// after it was acknowledged, and no later read holds it. Ok appends that no read holds, with no such
// evidence, are listed apart as never read: a possibly stale read is not evidence of a loss.

import { opIndex, type Op } from '../history/types.js';
import { appendElement, appendIndex, F_APPEND, F_READ, T_FAIL, T_OK } from './append/index.js';
import { fromNode, readList, secs, showList, showValue } from './append/explain.js';
import { Budget } from './budget.js';
import { AnomalyList, type Checker } from './types.js';

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
    const budget = new Budget(opts);
    const ix = appendIndex(h);
    const list = new AnomalyList(opts.maxAnomalies);
    const { byKey, keyStart, opF, opType, opFinal, invokeTimeNs, completeTimeNs, readElems, readStart, readLen, appendElem, elemAppend, keyOrdered, elemPos, ops } = ix;
    const inFinal = new Int32Array(ix.elemCount); // === key + 1 when some final read of the key has it
    // Latest completion of an ok read holding the element (element ids belong to one key each).
    const lastHeldNs = new Float64Array(ix.elemCount).fill(-Infinity);
    const neverRead: NeverRead = { count: 0, acknowledgedBeforeLastRead: 0, examples: [] };
    let keysFinalRule = 0;
    let keysEvidenceRule = 0;
    let keysWithoutReads = 0;
    let appendsChecked = 0;
    const finals: number[] = [];
    // Per key, its ok reads in invoke order; per read, the latest invoke among the appends of its
    // elements (and that element); suffix maxima of those over the reads.
    const reads: number[] = [];
    const readLatestNs: number[] = [];
    const readLatestElem: number[] = [];
    const sufLatestNs: number[] = [];
    const sufRead: number[] = [];
    const stats = () => ({ keysFinalRule, keysEvidenceRule, keysWithoutReads, appendsChecked, neverRead });
    let k = 0;
    const stop = () => budget.stopped(list, k, ix.keys.length, 'keys', { rule: ruleOf(keysFinalRule, keysEvidenceRule, h.hasFinalReads), ...stats() });

    const noteNeverRead = (a: number, lastRead: number) => {
      neverRead.count++;
      if (lastRead >= 0 && completeTimeNs[a] < invokeTimeNs[lastRead]) neverRead.acknowledgedBeforeLastRead++;
      if (neverRead.examples.length >= MAX_NEVER_READ_EXAMPLES) return;
      const op = ops[a];
      const el = appendElement(op);
      const last = lastRead >= 0 ? ops[lastRead] : undefined;
      neverRead.examples.push({
        op: opIndex(op),
        key: op.key,
        element: el,
        explanation:
          `session ${op.session} appended ${showValue(el)} to ${op.key} (ok at ${secs(op.completeTime)}${fromNode(op)}) but no read of ${op.key} holds it ` +
          (last
            ? `(the last, at ${secs(last.invokeTime)}${fromNode(last)}, returned ${showList(readList(last))}) and none shows a later append without it: `
            : `(${op.key} was never read): `) +
          'it was never confirmed, but nothing shows it lost either (the reads may have been stale)',
      });
    };

    for (; k < ix.keys.length; k++) {
      if (budget.spend(1)) return stop();
      const from = keyStart[k];
      const to = keyStart[k + 1];
      const kmark = k + 1;
      finals.length = 0;
      reads.length = 0;
      let okAppends = 0;
      for (let p = from; p < to; p++) {
        const id = byKey[p];
        if (opType[id] !== T_OK) continue;
        if (opF[id] === F_READ) {
          reads.push(id);
          if (opFinal[id]) finals.push(id);
        } else if (opF[id] === F_APPEND) okAppends++;
      }
      if (budget.spend(to - from)) return stop();
      if (okAppends === 0) continue;
      if (reads.length === 0) {
        keysWithoutReads++;
        for (let p = from; p < to; p++) {
          const a = byKey[p];
          if (opF[a] === F_APPEND && opType[a] === T_OK && appendElem[a] >= 0) noteNeverRead(a, -1);
        }
        continue;
      }

      if (finals.length > 0) {
        // SPEC 5: the final reads, done after healing and settling, are the evidence.
        keysFinalRule++;
        // On a key whose reads are all prefixes of its longest, the final reads hold what the longest of them holds.
        const ordered = keyOrdered[k] === 1;
        let finalLen = 0;
        for (const r of finals) {
          const s = readStart[r];
          const end = s + readLen[r];
          if (ordered) finalLen = Math.max(finalLen, readLen[r]);
          else for (let j = s; j < end; j++) inFinal[readElems[j]] = kmark;
          if (budget.spend(readLen[r] + 1)) return stop();
        }
        for (let p = from; p < to; p++) {
          const a = byKey[p];
          if (opF[a] !== F_APPEND || opType[a] !== T_OK) continue;
          const e = appendElem[a];
          if (e < 0) continue; // a repeated element: judged by its first append
          if (budget.spend(1)) return stop();
          appendsChecked++;
          if (ordered ? elemPos[e] < finalLen : inFinal[e] === kmark) continue;
          const evidence = finals.slice();
          list.add(() => {
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
          });
        }
        continue;
      }

      // On evidence: per read, when it ended (for lastHeldNs) and the latest-invoked append it shows.
      keysEvidenceRule++;
      const n = reads.length;
      readLatestNs.length = n;
      readLatestElem.length = n;
      for (let i = 0; i < n; i++) {
        const r = reads[i];
        const doneNs = completeTimeNs[r];
        const s = readStart[r];
        const end = s + readLen[r];
        let latest = -Infinity;
        let latestElem = -1;
        for (let j = s; j < end; j++) {
          const e = readElems[j];
          if (doneNs > lastHeldNs[e]) lastHeldNs[e] = doneNs;
          const w = elemAppend[e];
          // A phantom element or a failed append's (consistent-prefix reports those) is no evidence.
          if (w < 0 || opType[w] === T_FAIL) continue;
          const t = invokeTimeNs[w];
          if (t > latest) {
            latest = t;
            latestElem = e;
          }
        }
        readLatestNs[i] = latest;
        readLatestElem[i] = latestElem;
        if (budget.spend(readLen[r] + 1)) return stop();
      }
      sufLatestNs.length = n + 1;
      sufRead.length = n + 1;
      sufLatestNs[n] = -Infinity;
      sufRead[n] = -1;
      for (let i = n - 1; i >= 0; i--) {
        const better = readLatestNs[i] > sufLatestNs[i + 1];
        sufLatestNs[i] = better ? readLatestNs[i] : sufLatestNs[i + 1];
        sufRead[i] = better ? i : sufRead[i + 1];
      }
      const lastRead = reads[n - 1];
      for (let p = from; p < to; p++) {
        const a = byKey[p];
        if (opF[a] !== F_APPEND || opType[a] !== T_OK) continue;
        const e = appendElem[a];
        if (e < 0) continue; // a repeated element: judged by its first append
        if (budget.spend(1)) return stop();
        appendsChecked++;
        const heldNs = lastHeldNs[e];
        // Reads begun after every read holding e ended lack e; the first of them, by binary search.
        let lo = 0;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (invokeTimeNs[reads[mid]] > heldNs) hi = mid;
          else lo = mid + 1;
        }
        if (lo < n && sufLatestNs[lo] > completeTimeNs[a]) {
          const i = sufRead[lo];
          const r = reads[i];
          const later = readLatestElem[i];
          list.add(() => evidenceAnomaly(ix, a, r, later, heldNs));
        } else if (heldNs === -Infinity) noteNeverRead(a, lastRead);
      }
    }
    const rule = ruleOf(keysFinalRule, keysEvidenceRule, h.hasFinalReads);
    return list.result({ rule, ruleText: ruleText(rule), ...stats() });
  },
};

function ruleOf(keysFinal: number, keysEvidence: number, hasFinalReads: boolean): 'final-reads' | 'evidence' | 'mixed' {
  if (keysFinal > 0 && keysEvidence > 0) return 'mixed';
  if (keysFinal > 0) return 'final-reads';
  if (keysEvidence > 0) return 'evidence';
  return hasFinalReads ? 'final-reads' : 'evidence';
}

function ruleText(rule: 'final-reads' | 'evidence' | 'mixed'): string {
  if (rule === 'mixed') return `keys with final reads: ${RULES['final-reads']}; keys ${RULES.evidence}`;
  return RULES[rule];
}

function appended(op: Op): string {
  return `session ${op.session} appended ${showValue(appendElement(op))} to ${op.key} (ok at ${secs(op.completeTime)}${fromNode(op)})`;
}

/** A lost write shown by read r: it lacks a's element yet holds `later`, appended after a was acknowledged. */
function evidenceAnomaly(ix: ReturnType<typeof appendIndex>, a: number, r: number, later: number, heldNs: number) {
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
