// The register model for the linearizability search: one key's ops as integer-coded arrays
// (kind, arguments), built from a History by P-compositionality (per key). The register is the
// fast path of the Model seam (seam.ts): search.ts steps it inline, without a CodedModel.

import type { History, Op } from '../../history/types.js';
import { buildEntries, type KeyProblem } from './problem.js';
import { stringHash, type HistoryModel } from './seam.js';

export const K_READ = 0;
export const K_WRITE = 1;
export const K_CAS = 2;

/** Value code 0 is "absent" (null): a key starts there. */
export const ABSENT = 0;

export type { KeyProblem } from './problem.js';

/** Number of ops dropped from the search and why, per history. */
export interface Dropped {
  fail: number;
  infoReads: number;
  /** Indeterminate writes and cas whose value no read or cas ever observes (see unobserved()). */
  unobserved: number;
}

/** A value as a Map key: numbers, strings, booleans and null as themselves, the rest as JSON. */
function valueKey(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return `\u0000${JSON.stringify(v)}`;
  return v;
}

class ValueCodes {
  private readonly codes = new Map<unknown, number>([[null, ABSENT]]);
  readonly values: unknown[] = [null];
  code(v: unknown): number {
    const k = valueKey(v);
    let c = this.codes.get(k);
    if (c === undefined) {
      c = this.values.length;
      this.codes.set(k, c);
      this.values.push(v === undefined ? null : v);
    }
    return c;
  }
}

/** Whether an op takes part in the search (fail ops and indeterminate reads do not). */
export function searched(op: Op): boolean {
  if (op.type === 'fail') return false;
  if (op.type !== 'ok' && op.f === 'read') return false;
  return op.f === 'read' || op.f === 'write' || op.f === 'cas';
}

function casPair(v: unknown): [unknown, unknown] {
  return Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [undefined, undefined];
}

/** Groups the history's register ops by key and builds one problem per key, in first-seen order. */
export function keyProblems(h: History): { problems: KeyProblem[]; dropped: Dropped } {
  const byKey = new Map<string, Op[]>();
  const dropped: Dropped = { fail: 0, infoReads: 0, unobserved: 0 };
  for (const op of h.ops) {
    if (!searched(op)) {
      if (op.type === 'fail') dropped.fail++;
      else if (op.f === 'read') dropped.infoReads++;
      continue;
    }
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
  }
  const problems: KeyProblem[] = [];
  for (const [key, ops] of byKey) {
    const kept = withoutUnobserved(ops);
    dropped.unobserved += ops.length - kept.length;
    problems.push(keyProblem(key, kept));
  }
  return { problems, dropped };
}

/**
 * Drops indeterminate writes (and cas) whose value no ok read returns and no cas expects. Such an
 * op, if linearized, sets a value that nothing after it can observe, so the next op placed after
 * it can only be a write: the same order without it is just as valid. Skipping it is always
 * allowed for an indeterminate op, so the verdict is unchanged and the search avoids trying every
 * subset of timed-out writes. Repeats until nothing more goes (a dropped cas observes nothing).
 */
export function withoutUnobserved(ops: Op[]): Op[] {
  let kept = ops;
  for (;;) {
    const observed = new Set<unknown>();
    for (const o of kept) {
      if (o.f === 'read') observed.add(valueKey(o.value));
      else if (o.f === 'cas') observed.add(valueKey(casPair(o.invokeValue)[0]));
    }
    const next = kept.filter((o) => {
      if (o.type === 'ok' || o.f === 'read') return true;
      const v = o.f === 'write' ? o.invokeValue : casPair(o.invokeValue)[1];
      return observed.has(valueKey(v));
    });
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

/**
 * Deadlines for indeterminate writes (and cas) that must have taken effect: when an op is the only
 * one that ever writes its value and some ok read returns that value (or some ok cas expects it),
 * it happened, and before the first such observer returned. It then joins the search like an ok
 * op whose return is just before that observer's, instead of floating to the end of the history:
 * a constraint every valid order meets anyway, which keeps timed-out writes from multiplying the
 * search. Returns op -> the observer's completion index.
 */
export function deadlines(keyOps: Op[]): Map<Op, number> {
  const writers = new Map<unknown, number>();
  const firstObserved = new Map<unknown, number>();
  for (const o of keyOps) {
    if (o.f === 'write' || o.f === 'cas') {
      const v = valueKey(o.f === 'write' ? o.invokeValue : casPair(o.invokeValue)[1]);
      writers.set(v, (writers.get(v) ?? 0) + 1);
    }
    if (o.type !== 'ok') continue;
    const seen = o.f === 'read' ? valueKey(o.value) : o.f === 'cas' ? valueKey(casPair(o.invokeValue)[0]) : undefined;
    if (seen === undefined) continue;
    const at = firstObserved.get(seen);
    if (at === undefined || o.completeIndex < at) firstObserved.set(seen, o.completeIndex);
  }
  const out = new Map<Op, number>();
  for (const o of keyOps) {
    if (o.type === 'ok' || o.f === 'read') continue;
    const v = valueKey(o.f === 'write' ? o.invokeValue : casPair(o.invokeValue)[1]);
    if (v === null || writers.get(v) !== 1) continue; // nil is also the initial state
    const at = firstObserved.get(v);
    if (at !== undefined && at > o.invokeIndex) out.set(o, at);
  }
  return out;
}

/** Builds one key's problem from its searched ops (in invoke order). */
export function keyProblem(key: string, keyOps: Op[]): KeyProblem {
  const due = deadlines(keyOps);
  const okOps = keyOps.filter((o) => o.type === 'ok' || due.has(o));
  const openOps = keyOps.filter((o) => o.type !== 'ok' && !due.has(o));
  const ops = okOps.concat(openOps);
  const n = ops.length;
  const okCount = okOps.length;
  const codes = new ValueCodes();
  const kind = new Uint8Array(n);
  const arg1 = new Int32Array(n);
  const arg2 = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const op = ops[s];
    if (op.f === 'read') {
      kind[s] = K_READ;
      arg1[s] = codes.code(op.value);
    } else if (op.f === 'write') {
      kind[s] = K_WRITE;
      arg1[s] = codes.code(op.invokeValue);
    } else {
      kind[s] = K_CAS;
      const [from, to] = casPair(op.invokeValue);
      arg1[s] = codes.code(from);
      arg2[s] = codes.code(to);
    }
  }
  return { key, ops, okCount, kind, arg1, arg2, ...buildEntries(ops, okCount, due), values: codes.values };
}

/** A register op as the Model seam sees it: read (arg = the value read), write (arg), cas (arg -> arg2). */
export interface RegisterInput {
  f: 'read' | 'write' | 'cas';
  arg: unknown;
  arg2?: unknown;
}

const json = (v: unknown): string => JSON.stringify(v ?? null);

/**
 * The register as a plain Model (seam.ts): the specification the integer-coded fast path above
 * implements. The checker never uses it (keyProblem codes the register for the inline step); the
 * tests search through it with a CodedModel and compare verdicts with the fast path.
 */
export const registerModel: HistoryModel<string, RegisterInput, undefined> = {
  name: 'register',
  init: () => 'null',
  step(state, i) {
    if (i.f === 'write') return json(i.arg);
    if (json(i.arg) !== state) return undefined;
    return i.f === 'cas' ? json(i.arg2) : state;
  },
  hash: stringHash,
  equal: (a, b) => a === b,
  readOnly: (i) => i.f === 'read' || (i.f === 'cas' && json(i.arg) === json(i.arg2)),
  describeState: (s) => (s === 'null' ? 'nil' : s),
  toJson: (s) => JSON.parse(s) as unknown,
  describeOp: (i) => (i.f === 'cas' ? `cas ${json(i.arg)} -> ${json(i.arg2)}` : `${i.f} ${json(i.arg)}`),
  searched,
  input(op) {
    if (op.f === 'read') return { f: 'read', arg: op.value };
    if (op.f === 'write') return { f: 'write', arg: op.invokeValue };
    const [from, to] = casPair(op.invokeValue);
    return { f: 'cas', arg: from, arg2: to };
  },
  output: () => undefined,
};
