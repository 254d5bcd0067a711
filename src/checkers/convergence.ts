// convergence (SPEC 5): after healing and settling, every ok final read of a key (from any node)
// must return the same list; one anomaly per key whose final reads disagree.

import { opIndex } from '../history/types.js';
import { appendIndex, F_READ, T_OK } from './append/index.js';
import { showList } from './append/explain.js';
import { Budget } from './budget.js';
import { AnomalyList, type Checker } from './types.js';

export const convergence: Checker = {
  name: 'convergence',
  description: 'after healing, the final reads of a key from different nodes disagree (list-append)',
  appliesTo: (w) => w === 'append',
  check(h, opts = {}) {
    const budget = new Budget(opts);
    const ix = appendIndex(h);
    const list = new AnomalyList(opts.maxAnomalies);
    const { byKey, keyStart, opF, opType, opFinal, readElems, readStart, readLen, keyOrdered, ops } = ix;
    let keysCompared = 0;
    const finals: number[] = [];
    for (let k = 0; k < ix.keys.length; k++) {
      if (budget.spend(keyStart[k + 1] - keyStart[k] + 1)) return budget.stopped(list, k, ix.keys.length, 'keys', { keysCompared });
      finals.length = 0;
      for (let p = keyStart[k]; p < keyStart[k + 1]; p++) {
        const id = byKey[p];
        if (opF[id] === F_READ && opType[id] === T_OK && opFinal[id]) finals.push(id);
      }
      if (finals.length < 2) continue;
      keysCompared++;
      const f0 = finals[0];
      const s0 = readStart[f0];
      const len0 = readLen[f0];
      if (budget.spend(len0 * finals.length)) return budget.stopped(list, k, ix.keys.length, 'keys', { keysCompared });
      // On a key whose reads are all prefixes of its longest, reads of one length are one list.
      const ordered = keyOrdered[k] === 1;
      let agree = true;
      for (let i = 1; i < finals.length && agree; i++) {
        const s = readStart[finals[i]];
        if (readLen[finals[i]] !== len0) agree = false;
        for (let j = 0; j < len0 && agree && !ordered; j++) if (readElems[s + j] !== readElems[s0 + j]) agree = false;
      }
      if (agree) continue;
      const reads = finals.slice();
      list.add(() => {
        // Group the final reads by the list they returned, to name each variant once.
        const variants = new Map<string, { list: unknown[]; nodes: string[]; ops: number[] }>();
        for (const r of reads) {
          const op = ops[r];
          const text = JSON.stringify(op.value);
          let v = variants.get(text);
          if (!v) variants.set(text, (v = { list: op.value as unknown[], nodes: [], ops: [] }));
          v.nodes.push(op.node ?? `session ${op.session}`);
          v.ops.push(opIndex(op));
        }
        const parts = [...variants.values()].map((v) => `${v.nodes.join(', ')} returned ${showList(v.list)}`);
        const key = ops[reads[0]].key;
        return {
          type: 'divergence',
          ops: reads.map((r) => opIndex(ops[r])),
          key,
          explanation: `after healing, the final reads of ${key} disagree: ${parts.join('; ')}; once the cluster has settled every replica must hold the same list`,
          variants: variants.size,
        };
      });
    }
    const note = h.hasFinalReads ? {} : { note: 'the history has no final reads: nothing to compare' };
    return list.result({ keysCompared, ...note });
  },
};
