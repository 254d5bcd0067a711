// writes-follow-reads (SPEC 5): a session appended b after one of its ok reads (completed before
// the append was invoked) showed a. Same key: no ok read may show b without a, or b before a.
// Across keys: what one node's reads reveal (append/node-order.ts). Rules: docs/checkers.md.

import { opIndex } from '../history/types.js';
import { brokenDeps } from './append/deps-check.js';
import type { Deps } from './append/deps.js';
import { fromNode, onNode, readList, secs, showList, showValues } from './append/explain.js';
import type { AppendIndex } from './append/index.js';
import { checkSessionOrder } from './append/session-order.js';
import type { Anomaly, Checker } from './types.js';

/** At most this many of the session's earlier reads are named in one anomaly's ops. */
const MAX_CITED = 10;

export const writesFollowReads: Checker = {
  name: 'writes-follow-reads',
  description: 'a read shows an append without (or before) what its session had read before appending it, on one key or on one node (list-append)',
  appliesTo: (w) => w === 'append',
  startsFirst: true,
  check: (h, opts = {}) => checkSessionOrder(h, opts, { name: 'writes-follow-reads', sameKey: anomaly, crossKey: crossKeyAnomaly }),
};

function anomaly(ix: AppendIndex, deps: Deps, r: number, x: number): Anomaly {
  const ops = ix.ops;
  const read = ops[r];
  const b = ops[ix.elemAppend[x]];
  const { missing, after } = brokenDeps(ix, deps, r, x);
  const earlier = [...missing, ...after];
  // The session's reads that showed them, oldest first.
  const reads = [...new Set(earlier.map((q) => deps.from[q]))].sort((p, q) => ix.completeTimeNs[p] - ix.completeTimeNs[q]);
  const latest = ops[reads[reads.length - 1]];
  const vals = (qs: number[]) => showValues(qs.map((q) => ix.elemValue[deps.elems[q]]));
  const vb = showValues([ix.elemValue[x]]);
  const shows = [missing.length ? `without ${vals(missing)}` : '', after.length ? `before ${vals(after)}` : ''].filter(Boolean).join(' and ');
  const saw = reads.length === 1 ? `read ${showList(readList(latest))} from ${read.key}${onNode(latest)} (ok at ${secs(latest.completeTime)})` : `had read ${vals(earlier)} from ${read.key} (in ${reads.length} reads, the last ok at ${secs(latest.completeTime)})`;
  return {
    type: 'writes-follow-reads',
    ops: [...reads.slice(-MAX_CITED).map((q) => opIndex(ops[q])), opIndex(b), opIndex(read)],
    key: read.key,
    explanation:
      `session ${b.session} ${saw} and then appended ${vb} (invoked at ${secs(b.invokeTime)}), ` +
      `but the read at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}, which shows ${vb} ${shows}; ` +
      `a write must be ordered after the writes its session had read`,
    rule: 'same-key',
    missing: missing.map((q) => ix.elemValue[deps.elems[q]]),
    outOfOrder: after.map((q) => ix.elemValue[deps.elems[q]]),
  };
}

function crossKeyAnomaly(ix: AppendIndex, deps: Deps, r1: number, x: number, r2: number, q: number, r3: number): Anomaly {
  const ops = ix.ops;
  const [seen, first, second] = [ops[deps.from[q]], ops[r1], ops[r2]];
  const b = ops[ix.elemAppend[x]];
  const [va, vb] = [showValues([ix.elemValue[deps.elems[q]]]), showValues([ix.elemValue[x]])];
  return {
    type: 'writes-follow-reads',
    ops: [opIndex(seen), opIndex(b), opIndex(first), opIndex(second), opIndex(ops[r3])],
    key: second.key,
    explanation:
      `session ${b.session} read ${showList(readList(seen))} from ${seen.key}${onNode(seen)} (ok at ${secs(seen.completeTime)}) and then appended ${vb} to ${b.key} (invoked at ${secs(b.invokeTime)}); ` +
      `the read of ${first.key}${onNode(first)} (ok at ${secs(first.completeTime)}) showed ${vb}, but the later read of ${second.key}${onNode(second)} at ${secs(second.invokeTime)} returned ${showList(readList(second))}, which lacks ${va}, while the read of ${ops[r3].key}${onNode(ops[r3])} at ${secs(ops[r3].invokeTime)} still showed ${vb}; ` +
      `a node that applied a write must already have applied what its session had read before writing it`,
    rule: 'cross-key',
    node: second.node,
    missing: [ix.elemValue[deps.elems[q]]],
  };
}
