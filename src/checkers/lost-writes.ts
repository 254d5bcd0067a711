// lost-writes (SPEC 5): an ok append whose element is in none of the final reads of its key; for a
// key without ok final reads, an ok append that precedes the key's last read and is missing from it.

import { opIndex } from '../history/types.js';
import { appendElement, appendIndex, F_APPEND, F_READ, T_OK } from './append/index.js';
import { fromNode, readList, secs, showList, showValue } from './append/explain.js';
import { AnomalyList, type Checker } from './types.js';

export const lostWrites: Checker = {
  name: 'lost-writes',
  description: 'an acknowledged append is missing from the final reads of its key (list-append)',
  appliesTo: (w) => w === 'append',
  check(h, opts = {}) {
    const ix = appendIndex(h);
    const list = new AnomalyList(opts.maxAnomalies);
    const { byKey, keyStart, opF, opType, opFinal, invokeTimeNs, completeTimeNs, readElems, readStart, readLen, appendElem, ops } = ix;
    const inFinal = new Int32Array(ix.elemCount); // === key + 1 when some final read of the key has it
    let keysFinalRule = 0;
    let keysLastReadRule = 0;
    let keysWithoutReads = 0;
    let appendsChecked = 0;
    const finals: number[] = [];
    for (let k = 0; k < ix.keys.length; k++) {
      const from = keyStart[k];
      const to = keyStart[k + 1];
      const kmark = k + 1;
      finals.length = 0;
      let lastRead = -1;
      let okAppends = 0;
      for (let p = from; p < to; p++) {
        const id = byKey[p];
        if (opType[id] !== T_OK) continue;
        if (opF[id] === F_READ) {
          if (opFinal[id]) finals.push(id);
          if (lastRead < 0 || invokeTimeNs[id] >= invokeTimeNs[lastRead]) lastRead = id;
        } else if (opF[id] === F_APPEND) okAppends++;
      }
      if (okAppends === 0) continue;
      if (lastRead < 0) {
        keysWithoutReads++;
        continue;
      }
      const useFinal = finals.length > 0;
      if (useFinal) keysFinalRule++;
      else keysLastReadRule++;
      const evidence = useFinal ? finals : [lastRead];
      for (const r of evidence) {
        const s = readStart[r];
        const end = s + readLen[r];
        for (let j = s; j < end; j++) inFinal[readElems[j]] = kmark;
      }
      const lastInvokeNs = invokeTimeNs[lastRead];
      for (let p = from; p < to; p++) {
        const a = byKey[p];
        if (opF[a] !== F_APPEND || opType[a] !== T_OK) continue;
        const e = appendElem[a];
        if (e < 0) continue; // a repeated element: judged by its first append
        if (!useFinal && !(completeTimeNs[a] < lastInvokeNs)) continue; // concurrent with the last read
        appendsChecked++;
        if (inFinal[e] === kmark) continue;
        list.add(() => {
          const op = ops[a];
          const head = `session ${op.session} appended ${showValue(appendElement(op))} to ${op.key} (ok at ${secs(op.completeTime)}${fromNode(op)})`;
          if (useFinal) {
            const nodes = [...new Set(evidence.map((r) => ops[r].node).filter((n) => n !== undefined))];
            const shown = showList(readList(ops[evidence[0]]));
            return {
              type: 'lost-write',
              ops: [opIndex(op), ...evidence.map((r) => opIndex(ops[r]))],
              key: op.key,
              rule: 'final-reads',
              explanation:
                `${head} but ${evidence.length === 1 ? 'the final read' : `none of the ${evidence.length} final reads`} of ${op.key}` +
                `${nodes.length ? ` (from ${nodes.join(', ')})` : ''} ${evidence.length === 1 ? 'returned' : 'contain it; the first returned'} ${shown}; an acknowledged write must survive healing`,
            };
          }
          const read = ops[lastRead];
          return {
            type: 'lost-write',
            ops: [opIndex(op), opIndex(read)],
            key: op.key,
            rule: 'last-read',
            explanation:
              `${head} but the last read of ${op.key}, at ${secs(read.invokeTime)}${fromNode(read)}, returned ${showList(readList(read))} without it ` +
              `(no final reads of ${op.key}, so the last read is the evidence); an acknowledged write must stay visible`,
          };
        });
      }
    }
    const rule =
      keysFinalRule > 0 && keysLastReadRule > 0 ? 'mixed' : keysFinalRule > 0 ? 'final-reads' : keysLastReadRule > 0 ? 'last-read' : h.hasFinalReads ? 'final-reads' : 'last-read';
    return list.result({ rule, keysFinalRule, keysLastReadRule, keysWithoutReads, appendsChecked });
  },
};
