// Refutation by real time alone, without a search: an op that must take effect and observes a value
// (a read of v, a cas from v) that every op able to set v before it is fenced off from it. Decides
// stale reads in O(n log n) however hard the search would be (many clients, few values).
//
// Why it is sound. Say o observes v in a valid order, and let t be the last op before o that sets v
// (a write of v, a cas to v; the initial nil when v is nil and none does). t is placed before o, so
// t was called before o returned. A fence is an op that must take effect and leaves another value
// than v (a write or cas to another value, a read or cas-from of another value): if some fence u
// began after t returned and returned before o began, u lies between t and o in every order, and
// after u the register holds another value until the next setter of v, and there is none before o:
// o cannot see v. So if every setter t of v called before o returned has such a fence (the initial
// nil: any fence before o), no order explains o. Indeterminate setters never return, so never are.

import { ABSENT, K_CAS, K_READ, K_WRITE, type KeyProblem } from './model.js';

const NEVER = Number.POSITIVE_INFINITY;

/** Call and return positions of every op (entries; NEVER for an op without a return). */
export function positions(p: KeyProblem): { call: Int32Array; ret: Float64Array } {
  const call = new Int32Array(p.ops.length);
  const ret = new Float64Array(p.ops.length).fill(NEVER);
  for (let e = 1; e <= p.entryCount; e++) {
    if (p.entryIsCall[e] === 0) continue;
    const s = p.entrySlot[e];
    call[s] = e;
    if (p.entryReturn[e] !== 0) ret[s] = p.entryReturn[e];
  }
  return { call, ret };
}

/** The value an op leaves, or -1 for an op that must not be a fence (an optional one). */
function after(p: KeyProblem, s: number): number {
  if (s >= p.okCount) return -1;
  return p.kind[s] === K_CAS ? p.arg2[s] : p.arg1[s];
}

/** Per value, the slots of the ops that set it (writes of it, cas to it, ok or not), sorted by call. */
export function settersSorted(p: KeyProblem, call: Int32Array): Map<number, number[]> {
  const by = new Map<number, number[]>();
  for (let s = 0; s < p.ops.length; s++) {
    if (p.kind[s] === K_READ) continue;
    const v = p.kind[s] === K_WRITE ? p.arg1[s] : p.arg2[s];
    let l = by.get(v);
    if (!l) by.set(v, (l = []));
    l.push(s);
  }
  for (const l of by.values()) l.sort((a, b) => call[a] - call[b]);
  return by;
}

/** Per value, its setters sorted by call with the running maximum of their returns. */
function settersByValue(p: KeyProblem, call: Int32Array, ret: Float64Array): Map<number, { calls: number[]; maxRet: number[] }> {
  const out = new Map<number, { calls: number[]; maxRet: number[] }>();
  for (const [v, l] of settersSorted(p, call)) {
    let m = -NEVER;
    const maxRet = l.map((s) => (m = Math.max(m, ret[s])));
    out.set(v, { calls: l.map((s) => call[s]), maxRet });
  }
  return out;
}

/** The latest return among the setters called before `before`, or -Infinity if none. */
function latestSetterReturn(l: { calls: number[]; maxRet: number[] } | undefined, before: number): number {
  if (!l) return -NEVER;
  let lo = 0;
  let hi = l.calls.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (l.calls[mid] < before) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? -NEVER : l.maxRet[lo - 1];
}

/** The ops that must take effect and observe a value (reads, cas), sorted by call. */
export function observersByCall(p: KeyProblem, call: Int32Array): number[] {
  const observers: number[] = [];
  for (let s = 0; s < p.okCount; s++) if (p.kind[s] !== K_WRITE) observers.push(s);
  return observers.sort((a, b) => call[a] - call[b]);
}

/**
 * Per observer (slot): the call of the fence called last among those that returned before the
 * observer began and leave another value than it observes (-1: none). Every setter of its value
 * that returned before that call is fenced off from it. One sweep over `observers` (sorted by call).
 */
export function fenceCalls(p: KeyProblem, call: Int32Array, ret: Float64Array, observers: number[]): Float64Array {
  const fences: number[] = [];
  for (let s = 0; s < p.okCount; s++) fences.push(s);
  fences.sort((a, b) => ret[a] - ret[b]);
  const out = new Float64Array(p.ops.length).fill(-1);
  // The two fences called last among those returned so far, with different values left.
  let c1 = -1;
  let v1 = -1;
  let c2 = -1;
  let f = 0;
  for (const o of observers) {
    for (; f < fences.length && ret[fences[f]] < call[o]; f++) {
      const u = fences[f];
      const v = after(p, u);
      if (call[u] > c1) {
        if (v !== v1) c2 = c1;
        c1 = call[u];
        v1 = v;
      } else if (v !== v1 && call[u] > c2) c2 = call[u];
    }
    out[o] = v1 !== p.arg1[o] ? c1 : c2;
  }
  return out;
}

/**
 * The slot of an op that must take effect and that real time alone shows cannot observe its value
 * (the one that returns first), or undefined. Register problems only.
 */
export function fencedObserver(p: KeyProblem): number | undefined {
  if (p.coded) return undefined;
  const { call, ret } = positions(p);
  const setters = settersByValue(p, call, ret);
  const observers = observersByCall(p, call);
  const fence = fenceCalls(p, call, ret, observers);
  let found: number | undefined;
  for (const o of observers) {
    const v = p.arg1[o];
    const latest = latestSetterReturn(setters.get(v), ret[o]);
    const refuted = v === ABSENT ? fence[o] >= 0 && latest < fence[o] : latest < fence[o];
    if (refuted && (found === undefined || ret[o] < ret[found])) found = o;
  }
  return found;
}
