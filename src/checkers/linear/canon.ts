// Canonical orders for the linearizability search: rules that let the search try one order out of
// a class of orders that are all valid or all invalid, so it never explores the others.
//
// Why the rules are sound together. Take any valid order (a linearization: every ok op, some
// indeterminate ones) and, among all valid orders, one L that is least in (number of
// indeterminate ops, twin potential, how late the first eager violation comes) — see below. Each
// rule's transformation turns a valid order breaking the rule into a valid order that is smaller,
// so L breaks no rule; every rule only looks at the set of placed ops and the state (what the memo
// keys on), so the search, memo included, does not cut any prefix of L and finds an order.
//
// (E) Eager pure ops. At a prefix P in state s, let r be the enabled ok op of least call entry that
// leaves the state as it is and is allowed in s (a read of s, a cas s -> s; for another model, a
// read-only op the model allows). Enabled: no op left to place returned before r was called. Then
// some valid order goes on with r: move r from later in the completion to right after P. Its
// real-time order holds (nothing left returned before r's call; r moving earlier only helps the
// ops that must follow it), the ops that came before r in the completion see the same states (r
// changed nothing), and r is allowed in s. The move keeps the set and the indeterminate ops, and
// keeps the order of the ops that are not pure (so the twin potential), and pushes the first point
// where the rule is broken further on. So the search places r and tries nothing else at P.
//
// (T) Twins. Two ops that are not pure and have the same step (the same kind and arguments; for
// another model the same input and output) are twins. When several twins are enabled and not
// placed at P, only the one with the earliest return is tried (indeterminate ops return never; ties
// go to the lower slot). If an order places twin b at P while twin a, enabled with an earlier
// return, comes later, swap them: a is enabled so nothing that must precede it is left; a moving
// earlier only helps what must follow it; b moving to a's place is fine for what must precede it (b
// was enabled) and for what must follow it (that began after b returned, so after a returned, so
// after a's place). States are the same (same step). If a is indeterminate and not placed, b is too
// (b's return is not earlier) and a takes b's place. Potential per twin class, members ranked by
// (return, slot): (sum of the ranks placed, inversions of their ranks in order); a swap keeps the
// sum and removes an inversion, a replacement lowers the sum; indeterminate ops are as many.
//
// The search's own rules (search.ts): an indeterminate op is never followed by a write, and never
// placed where it does not change the state: in both cases dropping it keeps the order valid and
// lowers the first component.

import type { KeyProblem } from './problem.js';
import { K_CAS, K_READ } from './model.js';

/** No twin class (a pure op, or an op without twins). */
export const NO_CLASS = -1;
/** The return key of an indeterminate op: after every return. */
const NEVER = 0x7fffffff;

/**
 * slot -> twin class, or NO_CLASS for pure ops and ops without a twin. `pure`: slot -> 1 for the
 * ops rule (E) places eagerly.
 */
export function twinClasses(p: KeyProblem, pure: Uint8Array): Int32Array {
  const n = p.ops.length;
  const ids = new Map<string, number>();
  const raw = new Int32Array(n).fill(NO_CLASS);
  const size: number[] = [];
  for (let s = 0; s < n; s++) {
    if (pure[s] === 1) continue;
    const key = p.coded ? codedKey(p, s) : `${p.kind[s]},${p.arg1[s]},${p.arg2[s]}`;
    if (key === undefined) continue;
    let id = ids.get(key);
    if (id === undefined) {
      id = size.length;
      ids.set(key, id);
      size.push(0);
    }
    raw[s] = id;
    size[id]++;
  }
  // Renumber the classes that have twins 0..k-1; the rest have none.
  const dense = new Int32Array(size.length).fill(NO_CLASS);
  let k = 0;
  for (let id = 0; id < size.length; id++) if (size[id] > 1) dense[id] = k++;
  for (let s = 0; s < n; s++) if (raw[s] !== NO_CLASS) raw[s] = dense[raw[s]];
  return raw;
}

/** The step of a coded model's op as a string (its input and output), or undefined if not JSON. */
function codedKey(p: KeyProblem, s: number): string | undefined {
  try {
    return JSON.stringify([p.coded!.inputs[s], p.coded!.outputs[s]]);
  } catch {
    return undefined;
  }
}

/** slot -> the entry of its return, or NEVER for an indeterminate op: the twins' ranking key. */
export function returnKeys(p: KeyProblem): Int32Array {
  const out = new Int32Array(p.ops.length).fill(NEVER);
  for (let e = 1; e <= p.entryCount; e++) {
    if (p.entryIsCall[e] === 1 && p.entryReturn[e] !== 0) out[p.entrySlot[e]] = p.entryReturn[e];
  }
  return out;
}

/** Whether a pure op of the register is allowed in `state` (a read of it, a cas from it). */
export function pureAllowed(p: KeyProblem, state: number, s: number): boolean {
  if (p.coded) return p.coded.step(state, s) >= 0;
  const k = p.kind[s];
  return (k === K_READ || k === K_CAS) && p.arg1[s] === state;
}
