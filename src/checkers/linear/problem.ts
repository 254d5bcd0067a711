// One key's search problem, whatever the model: the ops by slot and their call/return entries in
// history order (the dancing-links list the search walks), plus the model's coding of the ops.

import type { Op } from '../../history/types.js';
import { CodedModel, type HistoryModel } from './seam.js';

/**
 * Slots number the ops: the ones that must take effect first (ok ones, in invoke order, and
 * indeterminate ones with a deadline), then the other indeterminate ones (info, or never
 * completed), which have no return and may be skipped. Entries are the call and return events in
 * history order, numbered from 1 (0 is the list head).
 */
export interface KeyProblem {
  key: string;
  /** Ops by slot. */
  ops: Op[];
  /** Ops that must take effect: slots 0..okCount-1. */
  okCount: number;
  /** The register's coding (model.ts); zeros under another model. */
  kind: Uint8Array;
  /** read: the value returned; write: the value; cas: the expected value. */
  arg1: Int32Array;
  /** cas: the new value. */
  arg2: Int32Array;
  /** entry -> slot */
  entrySlot: Int32Array;
  /** entry -> 1 for a call, 0 for a return */
  entryIsCall: Uint8Array;
  /** call entry -> its return entry, or 0 for an indeterminate op */
  entryReturn: Int32Array;
  entryCount: number;
  /** The register's value code -> the value, for explanations (empty under another model). */
  values: unknown[];
  /** Another model than the register: the search steps through it (state codes are its codes). */
  coded?: CodedModel;
}

export type Entries = Pick<KeyProblem, 'entrySlot' | 'entryIsCall' | 'entryReturn' | 'entryCount'>;

/**
 * The entries of ops by slot: calls at invokeIndex, returns of the first `okCount` at
 * completeIndex, or, for an op with a deadline in `due`, just before the return of the observer
 * that set it (`due`: op -> that observer's completion index).
 */
export function buildEntries(ops: Op[], okCount: number, due?: Map<Op, number>): Entries {
  const n = ops.length;
  const events: number[] = []; // position * 4 + (2 call | 3 return | 1 deadline), paired with slot below
  const eventSlot: number[] = [];
  const isReturn: boolean[] = [];
  for (let s = 0; s < n; s++) {
    events.push(ops[s].invokeIndex * 4 + 2);
    eventSlot.push(s);
    isReturn.push(false);
    if (s < okCount) {
      const d = due?.get(ops[s]);
      events.push(d === undefined ? ops[s].completeIndex * 4 + 3 : d * 4 + 1);
      eventSlot.push(s);
      isReturn.push(true);
    }
  }
  const order = events.map((_, i) => i).sort((a, b) => events[a] - events[b]);
  const entryCount = events.length;
  const entrySlot = new Int32Array(entryCount + 1);
  const entryIsCall = new Uint8Array(entryCount + 1);
  const entryReturn = new Int32Array(entryCount + 1);
  const callEntry = new Int32Array(n);
  entrySlot[0] = -1;
  for (let i = 0; i < entryCount; i++) {
    const e = i + 1;
    const ev = order[i];
    const s = eventSlot[ev];
    entrySlot[e] = s;
    if (!isReturn[ev]) {
      entryIsCall[e] = 1;
      callEntry[s] = e;
    } else {
      entryReturn[callEntry[s]] = e;
    }
  }
  return { entrySlot, entryIsCall, entryReturn, entryCount };
}

/**
 * One problem per key (in first-seen order) of the history's ops under `model`, coded for the
 * search; ops the model does not search are counted in `dropped` (fail ones, the rest).
 */
export function modelProblems<S, I, O>(ops: Op[], model: HistoryModel<S, I, O>): { problems: KeyProblem[]; dropped: { fail: number; infoReads: number } } {
  const byKey = new Map<string, Op[]>();
  const dropped = { fail: 0, infoReads: 0 };
  for (const op of ops) {
    if (!model.searched(op)) {
      if (op.type === 'fail') dropped.fail++;
      else dropped.infoReads++;
      continue;
    }
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
  }
  const problems: KeyProblem[] = [];
  for (const [key, keyOps] of byKey) problems.push(modelProblem(key, keyOps, model));
  return { problems, dropped };
}

/** One key's problem under `model` from its searched ops (in invoke order). */
export function modelProblem<S, I, O>(key: string, keyOps: Op[], model: HistoryModel<S, I, O>): KeyProblem {
  const ops = keyOps.filter((o) => o.type === 'ok').concat(keyOps.filter((o) => o.type !== 'ok'));
  const okCount = ops.length - keyOps.filter((o) => o.type !== 'ok').length;
  const n = ops.length;
  const coded = new CodedModel(model, ops.map((o) => model.input(o)), ops.map((o) => model.output(o)));
  const zeros = { kind: new Uint8Array(n), arg1: new Int32Array(n), arg2: new Int32Array(n) };
  return { key, ops, okCount, ...zeros, ...buildEntries(ops, okCount), values: [], coded: coded as CodedModel };
}

/**
 * A 32-bit print of a problem's coding (slots, entries, the register's codes): a search resumed in
 * another thread (KeySearch.resume) is of the problem built there only if both prints agree.
 */
export function problemPrint(p: KeyProblem): number {
  let h = Math.imul(p.ops.length, 0x9e3779b1) ^ p.okCount;
  const mixIn = (a: ArrayLike<number>): void => {
    for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i], 0x01000193);
  };
  for (const a of [p.kind, p.arg1, p.arg2, p.entrySlot, p.entryIsCall, p.entryReturn]) mixIn(a);
  return h | 0;
}
