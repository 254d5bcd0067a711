// How stale each ok read was and how long each write took to become visible (bounded-staleness).
// A read's staleness: its invoke time minus the earliest completion among the ok appends to its
// key that completed before it was invoked and that it lacks (0 when it lacks none). A write's
// time to visible: from its ok completion to the earliest completion of an ok read showing it.

import type { Budget } from '../budget.js';
import { F_APPEND, F_READ, T_OK, type AppendIndex } from './index.js';

export interface Staleness {
  /** The ok reads, in op order, with their staleness (ns) and the earliest write each missed (element, -1: none). */
  reads: Int32Array;
  staleNs: Float64Array;
  missed: Int32Array;
  /** Per element: the earliest completion of an ok read showing it (+Infinity: none did). */
  firstSeenNs: Float64Array;
}

/** Computes both; undefined when the budget ran out. Linear in the reads' elements (plus a sort per key). */
export function computeStaleness(ix: AppendIndex, budget: Budget): Staleness | undefined {
  const { byKey, keyStart, opF, opType, appendElem, invokeTimeNs, completeTimeNs, readElems, readStart, readLen } = ix;
  let n = 0;
  for (let i = 0; i < ix.ops.length; i++) if (readStart[i] >= 0) n++;
  const reads = new Int32Array(n);
  const staleNs = new Float64Array(n);
  const missed = new Int32Array(n).fill(-1);
  const slot = new Int32Array(ix.ops.length);
  for (let i = 0, s = 0; i < ix.ops.length; i++) if (readStart[i] >= 0) reads[(slot[i] = s++)] = i;
  const firstSeenNs = new Float64Array(ix.elemCount).fill(Infinity);
  const inRead = new Int32Array(ix.elemCount);
  const acked: number[] = [];
  for (let k = 0; k < ix.keys.length; k++) {
    acked.length = 0;
    for (let p = keyStart[k]; p < keyStart[k + 1]; p++) {
      const id = byKey[p];
      if (opF[id] === F_APPEND && opType[id] === T_OK && appendElem[id] >= 0) acked.push(id);
    }
    acked.sort((a, b) => completeTimeNs[a] - completeTimeNs[b]);
    let due = 0;
    for (let p = keyStart[k]; p < keyStart[k + 1]; p++) {
      const r = byKey[p];
      if (opF[r] !== F_READ || opType[r] !== T_OK) continue;
      if (budget.spend(readLen[r] + 1)) return undefined;
      const t = invokeTimeNs[r];
      const done = completeTimeNs[r];
      const mark = r + 1;
      for (let j = readStart[r], end = j + readLen[r]; j < end; j++) {
        const e = readElems[j];
        inRead[e] = mark;
        if (done < firstSeenNs[e]) firstSeenNs[e] = done;
      }
      while (due < acked.length && completeTimeNs[acked[due]] < t) due++;
      // The earliest acknowledged write it lacks: past the acknowledged writes it shows, in order.
      let q = 0;
      while (q < due && inRead[appendElem[acked[q]]] === mark) q++;
      if (q < due) {
        staleNs[slot[r]] = t - completeTimeNs[acked[q]];
        missed[slot[r]] = appendElem[acked[q]];
      }
    }
  }
  return { reads, staleNs, missed, firstSeenNs };
}

export interface Distribution {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

/** p50 / p99 / max (nearest rank) of durations in ns, as ms with 3 decimals; nulls when empty. */
export function distribution(valuesNs: Float64Array | number[]): Distribution {
  const sorted = Float64Array.from(valuesNs).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, p50Ms: null, p99Ms: null, maxMs: null };
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * n) - 1)];
  return { count: n, p50Ms: ms(rank(0.5)), p99Ms: ms(rank(0.99)), maxMs: ms(sorted[n - 1]) };
}

export { ms as nsToMs };
