// Turns a failed key search into an anomaly: the op that cannot be linearized, the ops concurrent
// with it, the longest linearizable prefix, and one sentence saying why.

import { opIndex, type History, type Op } from '../../history/types.js';
import type { Anomaly } from '../types.js';
import type { KeyProblem } from './model.js';
import type { Frontier } from './search.js';
import type { EpochProof } from './epochs.js';
import type { Witness } from './witness.js';

/** Most concurrent ops named in an anomaly's `ops` (the `concurrent` detail lists up to 200). */
const MAX_OPS_NAMED = 20;
const MAX_CONCURRENT = 200;
/** Writes of the stale value listed in a sentence. */
const MAX_WRITERS_SHOWN = 8;

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

export function when(h: History, op: Op, completion: boolean): string {
  const idx = completion ? opIndex(op) : op.invokeIndex;
  if (timesAreIndices(h)) return `(index ${idx})`;
  const t = completion && Number.isFinite(op.completeTime) ? op.completeTime : op.invokeTime;
  return `at ${(t / 1e9).toFixed(3)} s (index ${idx})`;
}

function end(op: Op): number {
  return op.type === 'ok' ? op.completeIndex : Number.POSITIVE_INFINITY;
}

/** Ops of the key whose intervals overlap the op's, nearest first, as history indices. */
export function concurrentWith(p: KeyProblem, x: Op): number[] {
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

/** "the write of 5 (index 118)", "the cas to 5 (index 118, indeterminate)". */
function writeName(o: Op): string {
  const what = o.f === 'write' ? `the write of ${showValue(writtenValue(o))}` : `the cas to ${showValue(writtenValue(o))}`;
  return `${what} (index ${opIndex(o)}${o.type === 'ok' ? '' : ', indeterminate'})`;
}

/**
 * What the witness says about the op it cannot place, when no two-write proof applies: the latest
 * ok write that completed before the op began (a fact of real time, not of the search), else the
 * last write of the search's prefix.
 */
function lastWriteClause(p: KeyProblem, x: Op, prefix: Op[]): string {
  let best: Op | undefined;
  for (const w of p.ops) {
    if (w === x || w.f === 'read' || w.type !== 'ok' || !(w.completeIndex < x.invokeIndex)) continue;
    if (!best || w.completeIndex > best.completeIndex) best = w;
  }
  if (best) return `${writeName(best)} completed before the ${x.f} began`;
  for (let i = prefix.length - 1; i >= 0; i--) {
    const o = prefix[i];
    if (o.f === 'write' || o.f === 'cas') return `the last write that could precede it is ${writeName(o)}`;
  }
  return `no write can precede it, so ${p.key} was still absent (nil)`;
}

/** The value an op leaves in the register when it takes effect (write value, cas new value). */
function writtenValue(o: Op): unknown {
  return o.f === 'write' ? o.invokeValue : (o.invokeValue as unknown[])[1];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * A proof that `x` cannot observe `v` from the witness's ops: an ok write (or cas) of another value
 * that comes, in real time, after every op that could have written `v` before x ended and before
 * `x` began. Undefined if none.
 */
function staleProof(p: KeyProblem, x: Op, v: unknown, full: KeyProblem = p): string | undefined {
  const verb = x.f === 'read' ? 'the read' : 'the cas';
  // The witness leaves out ok writes of v followed by an ok write (or cas) that completed before x
  // began; the one of those that began last (`u`) follows them all and is in the witness.
  let u: Op | undefined;
  for (const o of full.ops) {
    if (o === x || o.f === 'read' || o.type !== 'ok' || !(o.completeIndex < x.invokeIndex)) continue;
    if (!u || o.invokeIndex > u.invokeIndex) u = o;
  }
  const all = full.ops.filter((o) => o !== x && o.f !== 'read' && same(writtenValue(o), v) && o.invokeIndex < end(x));
  const covered = (o: Op) => u !== undefined && o.type === 'ok' && o.completeIndex < u.invokeIndex;
  const writers = all.filter((o) => !covered(o));
  const others = all.length - writers.length;
  const rest = others > 0 ? ` (${others === 1 ? 'the other write' : `the ${others} other writes`} of ${showValue(v)} completed before ${writeName(u!)} began)` : '';
  if (writers.length === 0 && others > 0) {
    // The witness names one of them (witness.ts): the one of its ops that completed last.
    const shown = p.ops.filter((o) => all.includes(o)).sort((a, b) => b.completeIndex - a.completeIndex)[0];
    const lastOne = shown && shown === all.reduce((a, b) => (b.completeIndex > a.completeIndex ? b : a));
    const n =
      others === 1
        ? `the write of ${showValue(v)}${shown ? ` (index ${opIndex(shown)})` : ''} completed`
        : `${others === 2 ? 'both writes' : `all ${others} writes`} of ${showValue(v)} completed${shown ? ` (${lastOne ? 'the last' : 'one'} at index ${opIndex(shown)})` : ''}`;
    return `${writeName(u!)} began after ${n} and completed before ${verb} began`;
  }
  if (writers.some((o) => o.type !== 'ok')) return undefined; // an indeterminate one may come late
  const lastWriterEnd = writers.reduce((m, o) => Math.max(m, o.completeIndex), -1);
  // An ok write of another value, else an ok read (or cas) that saw another value and left it:
  // either, placed after every writer of v and before x, leaves v overwritten for good.
  let best: Op | undefined;
  let bestSeen: Op | undefined;
  for (const w of p.ops) {
    if (w === x || w.type !== 'ok') continue;
    if (!(w.completeIndex < x.invokeIndex) || !(lastWriterEnd < w.invokeIndex)) continue;
    const after = w.f === 'read' ? w.value : writtenValue(w);
    if (same(after, v)) continue;
    if (w.f === 'write' || (w.f === 'cas' && !same((w.invokeValue as unknown[])[0], writtenValue(w)))) {
      if (!best || w.completeIndex > best.completeIndex) best = w;
    } else if (!bestSeen || w.completeIndex > bestSeen.completeIndex) bestSeen = w;
  }
  const ws = writers.slice(0, MAX_WRITERS_SHOWN).map(opIndex).join(', ');
  const of = writers.length === 1 ? `the write of ${showValue(v)} (index ${ws})` : `every write of ${showValue(v)} (indices ${ws}${writers.length > MAX_WRITERS_SHOWN ? ', ...' : ''})`;
  if (!best && bestSeen) {
    const seen = bestSeen.f === 'read' ? showValue(bestSeen.value) : showValue(writtenValue(bestSeen));
    const what = `the ${bestSeen.f === 'read' ? 'read' : 'cas'} of ${seen} (index ${opIndex(bestSeen)})`;
    if (writers.length === 0) return `${what} completed before ${verb} began, and nothing wrote ${showValue(v)} back`;
    return `${what} began after ${of} completed and ended before ${verb} began, so ${showValue(v)} was already overwritten${rest}`;
  }
  if (!best) return undefined;
  if (writers.length === 0) return `${writeName(best)} completed before ${verb} began, and nothing wrote ${showValue(v)} back`;
  return `${writeName(best)} came after ${of} and before ${verb} began${rest}`;
}

/** "the read of 5 (index 40)", "the cas from 5 to 3 (index 41)", or the setter's name. */
function memberName(o: Op): string {
  if (o.f === 'read') return `the read of ${showValue(o.value)} (index ${opIndex(o)})`;
  if (o.f === 'cas') {
    const [from, to] = o.invokeValue as unknown[];
    return `the cas from ${showValue(from)} to ${showValue(to)} (index ${opIndex(o)})`;
  }
  return writeName(o);
}

/** "a", "a and b" */
function both(names: string[]): string {
  return names.length === 1 ? names[0] : `${names[0]} and ${names[1]}`;
}

/**
 * Why two setters' observers admit no order (epochs.ts): each is pinned to one setter, and real
 * time puts a member of each group before a member of the other.
 */
export function epochClause(p: KeyProblem, proof: EpochProof): string {
  const op = (s: number) => p.ops[s];
  const value = (s: number) => (s < 0 ? null : writtenValue(op(s)));
  const [S, T] = proof.setters;
  const [a, b] = proof.before;
  const [c, d] = proof.after;
  const sources: string[] = [];
  for (const [setter, members] of [[S, [a, d]], [T, [b, c]]] as [number, number[]][]) {
    const observers = [...new Set(members.filter((m) => m !== setter))].map((m) => memberName(op(m)));
    if (observers.length === 0) continue;
    const v = showValue(value(setter));
    sources.push(setter < 0 ? `only the initial nil can be the nil of ${both(observers)}` : `only ${writeName(op(setter))} can have set ${v} for ${both(observers)}`);
  }
  const name = (m: number, setter: number) => (m === setter ? writeName(op(m)) : memberName(op(m)));
  const setter = (s: number) => (s < 0 ? 'the initial nil' : writeName(op(s)));
  const fenced = ` (real time fences off every other write of ${sources.length === 1 ? 'that value' : 'those values'})`;
  const first = a < 0 ? `the initial nil came before ${setter(T)}` : `${name(a, S)} ended before ${name(b, T)} began, so ${setter(S)} took effect before ${setter(T)}`;
  const order = `${first}, yet ${name(c, T)} ended before ${name(d, S)} began, so it was the other way round`;
  return sources.length > 0 ? `${sources.join(', and ')}${fenced}; ${order}` : order;
}

/** "ops 60, 74 and 85" */
function opList(ops: Op[]): string {
  const xs = ops.map(opIndex).sort((a, b) => a - b);
  if (xs.length === 1) return `op ${xs[0]}`;
  return `ops ${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

/** "all 3 of ops 60, 74 and 85 alone already admit no such order", or "" without a witness of 2+ ops. */
function aloneClause(w: Witness | undefined): string {
  if (!w || w.ops.length < 2) return '';
  if (w.ops.length > MAX_OPS_NAMED) return `the ${w.ops.length} ops listed alone already admit no such order`;
  return `${w.ops.length === 2 ? 'both' : `all ${w.ops.length}`} of ${opList(w.ops)} alone already admit no such order`;
}

/** The anomaly's op lists: the witness, sorted, else the op and up to 20 ops concurrent with it. */
function namedOps(x: Op, concurrent: number[], w: Witness | undefined): number[] {
  return w ? w.ops.map(opIndex).sort((a, b) => a - b) : [opIndex(x), ...concurrent.slice(0, MAX_OPS_NAMED)];
}

/**
 * The anomaly of a failed key. `w` (the witness, see witness.ts) names the ops: `ops` is the
 * witness, sorted; `op` the op it cannot place. Without a witness (not found in time), the op where
 * the full search stopped and up to 20 ops concurrent with it. `linearizedPrefix` and
 * `valueAfterPrefix` come from the full search's frontier `f`. With `proof` (epochs.ts), the
 * sentence says why from it.
 */
export function violationAnomaly(h: History, p: KeyProblem, f: Frontier, w?: Witness, proof?: EpochProof): Anomaly {
  const wp = w ? w.problem : p;
  const wf = w ? w.frontier : f;
  const x = wp.ops[wf.blockedSlot];
  const prefix = f.prefixSlots.map((s) => p.ops[s]);
  const wPrefix = wf.prefixSlots.map((s) => wp.ops[s]);
  const concurrent = concurrentWith(p, x);
  const because = 'but no order of the operations consistent with real time explains it';
  const alone = aloneClause(w);
  const generic = (clause: string) => (alone ? `${alone}; ${clause}` : clause);
  let explanation: string;
  if (x.f === 'read') {
    const v = x.value;
    const head = `read of ${p.key} ${when(h, x, true)} returned ${showValue(v)}, ${because}`;
    const why = proof ? generic(epochClause(wp, proof)) : everWritten(p, v) ? (staleProof(wp, x, v, p) ?? generic(lastWriteClause(wp, x, wPrefix))) : `no operation ever wrote ${showValue(v)} to ${p.key}`;
    explanation = `${head}: ${why}`;
  } else if (x.f === 'cas') {
    const [from, to] = x.invokeValue as unknown[];
    const why = proof ? generic(epochClause(wp, proof)) : everWritten(p, from) ? (staleProof(wp, x, from, p) ?? generic(lastWriteClause(wp, x, wPrefix))) : `no operation ever wrote ${showValue(from)} to ${p.key}`;
    explanation = `cas of ${p.key} from ${showValue(from)} to ${showValue(to)} ${when(h, x, true)} succeeded, ${because}: ${why}`;
  } else {
    explanation =
      `write of ${showValue(x.invokeValue)} to ${p.key} ${when(h, x, true)} completed, ${because}: ` +
      `wherever it is placed, a later read or cas of ${p.key} sees the wrong value` +
      (alone ? ` (${alone})` : ` (the longest linearizable prefix has ${prefix.length} ops; ${lastWriteClause(p, x, prefix).replace(/\bit\b/g, 'the write')})`);
  }
  const anomaly: Anomaly = {
    type: 'linearizable',
    ops: namedOps(x, concurrent, w),
    key: p.key,
    explanation,
    op: opIndex(x),
    linearizedPrefix: prefix.map(opIndex),
    concurrent,
    valueAfterPrefix: p.values[f.state] ?? null,
  };
  if (w && !w.minimal) anomaly.witnessMinimal = false;
  return anomaly;
}

/**
 * The anomaly of a failed key under a model other than the register (kv.ts), as the register's: the
 * op that cannot be placed (`op`, from the witness `w` when there is one: model-witness.ts), the ops
 * concurrent with it, the longest linearizable prefix of the whole key (`f`, the search's frontier
 * without pruning) and the state it leaves, said with the model's own describe functions.
 */
export function modelViolationAnomaly(h: History, p: KeyProblem, f: Frontier, w?: Witness): Anomaly {
  const coded = p.coded!;
  const m = coded.model;
  const wp = w ? w.problem : p;
  const wf = w ? w.frontier : f;
  const x = wp.ops[wf.blockedSlot];
  const slot = p.ops.indexOf(x);
  const prefix = f.prefixSlots.map((s) => p.ops[s]);
  const concurrent = concurrentWith(p, x);
  const state = m.describeState(coded.states[f.state]);
  const op = m.describeOp(coded.inputs[slot], coded.outputs[slot]);
  const reads = m.readOnly(coded.inputs[slot]);
  const key = `key ${JSON.stringify(p.key)}`;
  const alone = aloneClause(w);
  const why = reads
    ? `in no order does ${key} hold that value when it runs; the longest linearizable prefix (${prefix.length} ops) leaves ${state}`
    : `wherever it is placed, a later op of ${key} sees the wrong value (the longest linearizable prefix has ${prefix.length} ops and leaves ${state})`;
  const anomaly: Anomaly = {
    type: 'linearizable',
    ops: namedOps(x, concurrent, w),
    key: p.key,
    explanation: `${x.f} of ${key} ${when(h, x, true)} (${op}) completed, but no order of the operations consistent with real time explains it: ${why}${alone ? `; ${alone}` : ''}`,
    op: opIndex(x),
    linearizedPrefix: prefix.map(opIndex),
    concurrent,
    valueAfterPrefix: m.toJson(coded.states[f.state]) ?? null,
  };
  if (w && !w.minimal) anomaly.witnessMinimal = false;
  return anomaly;
}
