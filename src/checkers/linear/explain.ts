// Turns a failed key search into an anomaly: the op that cannot be linearized, the ops concurrent
// with it, the longest linearizable prefix, and one sentence saying why.

import { opIndex, type History, type Op } from '../../history/types.js';
import type { Anomaly } from '../types.js';
import type { KeyProblem } from './model.js';
import type { Frontier } from './search.js';

/** Most concurrent ops named in an anomaly's `ops` (the `concurrent` detail lists up to 200). */
const MAX_OPS_NAMED = 20;
const MAX_CONCURRENT = 200;

function showValue(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Whether the history's times are event positions (imports without timestamps). */
function timesAreIndices(h: History): boolean {
  return h.ops.every((o, i) => i > 20 || o.invokeTime === o.invokeIndex);
}

function when(h: History, op: Op, completion: boolean): string {
  const idx = completion ? opIndex(op) : op.invokeIndex;
  if (timesAreIndices(h)) return `(index ${idx})`;
  const t = completion && Number.isFinite(op.completeTime) ? op.completeTime : op.invokeTime;
  return `at ${(t / 1e9).toFixed(3)} s (index ${idx})`;
}

function end(op: Op): number {
  return op.type === 'ok' ? op.completeIndex : Number.POSITIVE_INFINITY;
}

/** Ops of the key whose intervals overlap the op's, nearest first, as history indices. */
function concurrentWith(p: KeyProblem, x: Op): number[] {
  const xEnd = end(x);
  const found = p.ops.filter((o) => o !== x && o.invokeIndex < xEnd && x.invokeIndex < end(o));
  // Completed ops first (indeterminate ones overlap everything after them), then the nearest.
  const rank = (o: Op) => (o.type === 'ok' ? 0 : 1);
  found.sort((a, b) => rank(a) - rank(b) || Math.abs(a.invokeIndex - x.invokeIndex) - Math.abs(b.invokeIndex - x.invokeIndex));
  return found.slice(0, MAX_CONCURRENT).map(opIndex);
}

/** Was the value written by any write or cas of the key (ok or indeterminate)? */
function everWritten(p: KeyProblem, v: unknown): boolean {
  if (v === null || v === undefined) return true;
  const code = p.values.findIndex((x) => JSON.stringify(x) === JSON.stringify(v));
  for (let s = 0; s < p.ops.length; s++) {
    if (p.kind[s] === 1 && p.arg1[s] === code) return true;
    if (p.kind[s] === 2 && p.arg2[s] === code) return true;
  }
  return false;
}

/** "the last write that could precede it wrote 5 (index 118)" from the prefix. */
function lastWriteClause(h: History, p: KeyProblem, prefix: Op[]): string {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const o = prefix[i];
    if (o.f === 'write' || o.f === 'cas') {
      const v = o.f === 'write' ? o.invokeValue : (o.invokeValue as unknown[])[1];
      const verb = o.f === 'write' ? 'wrote' : `set it by cas to`;
      const maybe = o.type === 'ok' ? '' : ' (an indeterminate op)';
      return `the last write that could precede it ${verb} ${showValue(v)} (index ${opIndex(o)}${maybe})`;
    }
  }
  return `no write can precede it, so ${p.key} was still absent (nil)`;
}

/** The value an op leaves in the register when it takes effect (write value, cas new value). */
function writtenValue(o: Op): unknown {
  return o.f === 'write' ? o.invokeValue : (o.invokeValue as unknown[])[1];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * A proof that `x` cannot observe `v`: an ok write (or cas) of another value that comes, in real
 * time, after every op that could have written `v` and before `x` began. Undefined if none.
 */
function staleProof(p: KeyProblem, x: Op, v: unknown): string | undefined {
  const writers = p.ops.filter((o) => o !== x && o.f !== 'read' && same(writtenValue(o), v));
  if (writers.some((o) => o.type !== 'ok')) return undefined; // an indeterminate one may come late
  const lastWriterEnd = writers.reduce((m, o) => Math.max(m, o.completeIndex), -1);
  let best: Op | undefined;
  for (const w of p.ops) {
    if (w === x || w.f === 'read' || w.type !== 'ok' || same(writtenValue(w), v)) continue;
    if (!(w.completeIndex < x.invokeIndex) || !(lastWriterEnd < w.invokeIndex)) continue;
    if (!best || w.completeIndex > best.completeIndex) best = w;
  }
  if (!best) return undefined;
  const what = best.f === 'write' ? `the write of ${showValue(writtenValue(best))}` : `the cas to ${showValue(writtenValue(best))}`;
  const verb = x.f === 'read' ? 'the read' : 'the cas';
  if (writers.length === 0) return `${what} (index ${opIndex(best)}) completed before ${verb} began, and nothing ever wrote ${showValue(v)} back`;
  const ws = writers.slice(0, 3).map(opIndex).join(', ');
  const of = writers.length === 1 ? `the write of ${showValue(v)} (index ${ws})` : `every write of ${showValue(v)} (indices ${ws}${writers.length > 3 ? ', ...' : ''})`;
  return `${what} (index ${opIndex(best)}) came after ${of} and before ${verb} began`;
}

export function violationAnomaly(h: History, p: KeyProblem, f: Frontier): Anomaly {
  const x = p.ops[f.blockedSlot];
  const prefix = f.prefixSlots.map((s) => p.ops[s]);
  const concurrent = concurrentWith(p, x);
  const because = 'but no order of the operations consistent with real time explains it';
  let explanation: string;
  if (x.f === 'read') {
    const v = x.value;
    const head = `read of ${p.key} ${when(h, x, true)} returned ${showValue(v)}, ${because}`;
    const why = everWritten(p, v) ? (staleProof(p, x, v) ?? lastWriteClause(h, p, prefix)) : `no operation ever wrote ${showValue(v)} to ${p.key}`;
    explanation = `${head}: ${why}`;
  } else if (x.f === 'cas') {
    const [from, to] = x.invokeValue as unknown[];
    const why = everWritten(p, from) ? (staleProof(p, x, from) ?? lastWriteClause(h, p, prefix)) : `no operation ever wrote ${showValue(from)} to ${p.key}`;
    explanation = `cas of ${p.key} from ${showValue(from)} to ${showValue(to)} ${when(h, x, true)} succeeded, ${because}: ${why}`;
  } else {
    explanation =
      `write of ${showValue(x.invokeValue)} to ${p.key} ${when(h, x, true)} completed, ${because}: ` +
      `wherever it is placed, a later read or cas of ${p.key} sees the wrong value` +
      ` (the longest linearizable prefix has ${prefix.length} ops; ${lastWriteClause(h, p, prefix).replace('precede it', 'precede the write')})`;
  }
  return {
    type: 'linearizable',
    ops: [opIndex(x), ...concurrent.slice(0, MAX_OPS_NAMED)],
    key: p.key,
    explanation,
    op: opIndex(x),
    linearizedPrefix: prefix.map(opIndex),
    concurrent,
    valueAfterPrefix: p.values[f.state] ?? null,
  };
}
