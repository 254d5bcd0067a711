// bounded-staleness (SPEC 5): an ok read missed an acknowledged write older than maxStalenessMs.
// The result carries the staleness of the reads (p50 / p99 / max, overall and per node) and every
// write's time to visible (append/staleness.ts has the definitions). Untimed histories: unknown.

import { opIndex } from '../history/types.js';
import { historyIsUntimed } from '../report/time.js';
import { fromNode, readList, secs, showList, showValue } from './append/explain.js';
import { appendIndex, F_APPEND, T_OK, type AppendIndex } from './append/index.js';
import { computeStaleness, distribution, nsToMs, type Staleness } from './append/staleness.js';
import { Budget } from './budget.js';
import { AnomalyList, type Anomaly, type Checker } from './types.js';

export const DEFAULT_MAX_STALENESS_MS = 1000;
/** Reads without a node are grouped under this name in `staleness.byNode`. */
export const NO_NODE = '(no node)';

export const boundedStaleness: Checker = {
  name: 'bounded-staleness',
  description: `a read missed an acknowledged write older than maxStalenessMs (default ${DEFAULT_MAX_STALENESS_MS}; bounded-staleness:maxStalenessMs=N); reports staleness and time to visible; runs only when named (list-append)`,
  appliesTo: (w) => w === 'append',
  byDefault: false,
  options: { maxStalenessMs: { description: 'the bound, ms', default: DEFAULT_MAX_STALENESS_MS, min: 0 } },
  check(h, opts = {}) {
    const given = opts.params?.maxStalenessMs;
    const maxStalenessMs = given ?? DEFAULT_MAX_STALENESS_MS;
    const bound = { maxStalenessMs, boundFrom: given === undefined ? 'default' : 'option' };
    if (historyIsUntimed(h)) {
      return { valid: 'unknown', count: 0, anomalies: [], ...bound, reason: 'the history records no times (every event is at time 0 or at its position), so staleness cannot be measured' };
    }
    const budget = new Budget(opts);
    const ix = appendIndex(h);
    const s = computeStaleness(ix, budget);
    const list = new AnomalyList(opts.maxAnomalies);
    if (s === undefined) return budget.stopped(list, 0, 1, 'passes', bound);
    const limitNs = maxStalenessMs * 1e6;
    for (let i = 0; i < s.reads.length; i++) {
      if (s.staleNs[i] > limitNs) list.add(() => anomaly(ix, s, i, maxStalenessMs));
    }
    return list.result({ ...bound, staleness: stalenessSummary(ix, s), timeToVisible: timeToVisible(ix, s) });
  },
};

function stalenessSummary(ix: AppendIndex, s: Staleness) {
  const byNode = new Map<string, number[]>();
  let stale = 0;
  for (let i = 0; i < s.reads.length; i++) {
    const node = ix.ops[s.reads[i]].node ?? NO_NODE;
    let l = byNode.get(node);
    if (l === undefined) byNode.set(node, (l = []));
    l.push(s.staleNs[i]);
    if (s.missed[i] >= 0) stale++;
  }
  const nodes = [...byNode.keys()].sort();
  return {
    readsMissingAWrite: stale,
    ...distribution(s.staleNs),
    byNode: Object.fromEntries(nodes.map((n) => [n, distribution(byNode.get(n)!)])),
  };
}

/** Every ok append, in invoke order: its history index and time to visible in ms (null: never seen). */
function timeToVisible(ix: AppendIndex, s: Staleness) {
  const ops: number[] = [];
  const visibleMs: (number | null)[] = [];
  const seen: number[] = [];
  const neverSeen: number[] = [];
  for (let i = 0; i < ix.ops.length; i++) {
    if (ix.opF[i] !== F_APPEND || ix.opType[i] !== T_OK || ix.appendElem[i] < 0) continue;
    const first = s.firstSeenNs[ix.appendElem[i]];
    ops.push(opIndex(ix.ops[i]));
    if (Number.isFinite(first)) {
      const ns = Math.max(0, first - ix.completeTimeNs[i]);
      seen.push(ns);
      visibleMs.push(nsToMs(ns));
    } else {
      visibleMs.push(null);
      neverSeen.push(opIndex(ix.ops[i]));
    }
  }
  return { writes: ops.length, ...distribution(seen), neverSeen, perWrite: { ops, visibleMs } };
}

function anomaly(ix: AppendIndex, s: Staleness, i: number, maxStalenessMs: number): Anomaly {
  const read = ix.ops[s.reads[i]];
  const a = ix.ops[ix.elemAppend[s.missed[i]]];
  const stalenessMs = nsToMs(s.staleNs[i]);
  return {
    type: 'bounded-staleness',
    ops: [opIndex(a), opIndex(read)],
    key: read.key,
    explanation:
      `the read of ${read.key} at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}, which lacks ${showValue(ix.elemValue[s.missed[i]])} ` +
      `(appended by session ${a.session}, ok at ${secs(a.completeTime)}): ${stalenessMs} ms stale, over the bound of ${maxStalenessMs} ms`,
    stalenessMs,
  };
}
