// monotonic-writes (SPEC 5): a session's writes are applied in the order it issued them. Same key:
// when the session's append a was ok before its append b was invoked, no ok read shows b without a,
// or b before a. Across keys: what one node's reads reveal (append/node-order.ts). docs/checkers.md.

import { opIndex } from '../history/types.js';
import { brokenDeps } from './append/deps-check.js';
import type { Deps } from './append/deps.js';
import { fromNode, onNode, readList, secs, showList, showValues } from './append/explain.js';
import type { AppendIndex } from './append/index.js';
import { checkSessionOrder } from './append/session-order.js';
import type { Anomaly, Checker } from './types.js';

/** At most this many of the earlier writes are named in one anomaly's ops. */
const MAX_CITED = 10;

export const monotonicWrites: Checker = {
  name: 'monotonic-writes',
  description: "a read shows a session's later append without (or before) one it completed earlier, on one key or on one node (list-append)",
  appliesTo: (w) => w === 'append',
  startsFirst: true,
  check: (h, opts = {}) => checkSessionOrder(h, opts, { name: 'monotonic-writes', sameKey: sameKeyAnomaly, crossKey: crossKeyAnomaly }),
};

function sameKeyAnomaly(ix: AppendIndex, deps: Deps, r: number, x: number): Anomaly {
  const ops = ix.ops;
  const read = ops[r];
  const b = ops[ix.elemAppend[x]];
  const { missing, after } = brokenDeps(ix, deps, r, x);
  const earlier = [...missing, ...after].sort((p, q) => p - q);
  const appends = earlier.map((q) => ops[deps.from[q]]);
  const last = appends[appends.length - 1];
  const vals = (qs: number[]) => showValues(qs.map((q) => ix.elemValue[deps.elems[q]]));
  const shows = [missing.length ? `without ${vals(missing)}` : '', after.length ? `before ${vals(after)}` : ''].filter(Boolean).join(' and ');
  return {
    type: 'monotonic-writes',
    ops: [...appends.slice(0, MAX_CITED).map(opIndex), opIndex(b), opIndex(read)],
    key: read.key,
    explanation:
      `session ${b.session} appended ${vals(earlier)} to ${read.key} (${appends.length === 1 ? 'ok' : 'the last ok'} at ${secs(last.completeTime)}) and then ${showValues([ix.elemValue[x]])} (invoked at ${secs(b.invokeTime)}), ` +
      `but the read at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}, which shows ${showValues([ix.elemValue[x]])} ${shows}; ` +
      `a session's writes must be applied in the order it issued them`,
    rule: 'same-key',
    missing: missing.map((q) => ix.elemValue[deps.elems[q]]),
    outOfOrder: after.map((q) => ix.elemValue[deps.elems[q]]),
  };
}

function crossKeyAnomaly(ix: AppendIndex, deps: Deps, r1: number, x: number, r2: number, q: number, r3: number): Anomaly {
  const ops = ix.ops;
  const [first, second] = [ops[r1], ops[r2]];
  const a = ops[deps.from[q]];
  const b = ops[ix.elemAppend[x]];
  const [va, vb] = [showValues([ix.elemValue[deps.elems[q]]]), showValues([ix.elemValue[x]])];
  return {
    type: 'monotonic-writes',
    ops: [opIndex(a), opIndex(b), opIndex(first), opIndex(second), opIndex(ops[r3])],
    key: second.key,
    explanation:
      `session ${b.session} appended ${va} to ${a.key} (ok at ${secs(a.completeTime)}) and then ${vb} to ${b.key} (invoked at ${secs(b.invokeTime)}); ` +
      `the read of ${first.key}${onNode(first)} (ok at ${secs(first.completeTime)}) showed ${vb}, but the later read of ${second.key}${onNode(second)} at ${secs(second.invokeTime)} returned ${showList(readList(second))}, which lacks ${va}, while the read of ${ops[r3].key}${onNode(ops[r3])} at ${secs(ops[r3].invokeTime)} still showed ${vb}; ` +
      `a node that applied a session's later write must already have applied its earlier ones`,
    rule: 'cross-key',
    node: second.node,
    missing: [ix.elemValue[deps.elems[q]]],
  };
}
