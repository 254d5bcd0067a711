// The smallest failing part of a key that is not linearizable (Knossos's "final paths", Porcupine's
// failing partition): a set of the key's ops whose sub-history alone, with its real-time order, is
// already not linearizable, shrunk until no op can go.
//
// Not every subset will do: a read of 5 alone is not linearizable once its write of 5 is left out.
// A witness is therefore *closed*: every read it keeps (and every cas, which reads too) keeps the
// ops that could be the last to set the value it observed (see Needs). A closed subset of a
// linearizable history is linearizable (restrict a linearization to it: the last setter before each
// observer is kept), so a closed subset that is not linearizable proves the whole key is not, and
// shrinking is monotone: deleting ops one at a time, keeping each deletion that leaves a violation,
// ends 1-minimal.

import { performance } from 'node:perf_hooks';
import type { Op } from '../../history/types.js';
import { ABSENT, K_CAS, K_WRITE, keyProblem, withoutUnobserved, type KeyProblem } from './model.js';
import { KeySearch, type Frontier } from './search.js';

/** Ok setters scanned per observer for the ones it needs (beyond, it needs them all). */
const MAX_SCAN = 2_000;
/** Steps one sub-history's search may take; a search that does not finish keeps the op. */
const CHECK_STEPS = 200_000;

export interface Witness {
  /** The ops, in invoke order. */
  ops: Op[];
  /** The sub-problem of the witness and where its (unpruned) search got furthest. */
  problem: KeyProblem;
  frontier: Frontier;
  /** False when the time ran out before every op was tried (still a witness, maybe not minimal). */
  minimal: boolean;
}

const valueKey = (v: unknown): string => JSON.stringify(v ?? null);
const end = (o: Op): number => (o.type === 'ok' ? o.completeIndex : Number.POSITIVE_INFINITY);

/** The value an op sets when it takes effect, or undefined for a read. */
function sets(o: Op): string | undefined {
  if (o.f === 'write') return valueKey(o.invokeValue);
  if (o.f === 'cas') return valueKey(Array.isArray(o.invokeValue) ? o.invokeValue[1] : undefined);
  return undefined;
}

/** The value an op must see, or undefined for a write. */
function observes(o: Op): string | undefined {
  if (o.f === 'read') return valueKey(o.value);
  if (o.f === 'cas') return valueKey(Array.isArray(o.invokeValue) ? o.invokeValue[0] : undefined);
  return undefined;
}

/**
 * Who needs whom. An observer needs the setters of its value that begin before it ends, except an
 * ok one followed in real time by an ok write or cas that completes before the observer begins:
 * that one cannot be the last to set the register before it. For those left out it needs instead
 * the ok setter that begins last among those completed before it begins (which follows them all)
 * and one of them that completed late, so the witness shows why. Indeterminate setters are never so followed; they are kept as a prefix
 * of their value's list (no quadratic lists), the ok ones explicitly.
 */
interface Needs {
  /**
   * observer -> [its value's indeterminate setters in invoke order, how many it needs, the ok ops
   * it needs]; when the scan for the ok ones would be long, all of its value's ok setters that begin
   * before it ends are kept instead (sound, just larger), as a prefix: [ok setters, how many].
   */
  of: Map<Op, [Op[], number, Op[]] | [Op[], number, Op[], Op[], number]>;
}

/** The ok write or cas that begins last among those completed before `pos`, in `okAll` (sorted by completion). */
function lastCompletedBefore(okAll: Op[], maxAt: Int32Array, pos: number): Op | undefined {
  let lo = 0;
  let hi = okAll.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (okAll[mid].completeIndex < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : okAll[maxAt[lo - 1]];
}

function needsOf(all: Op[]): Needs {
  const okSetters = new Map<string, Op[]>();
  const openSetters = new Map<string, Op[]>();
  const okAll: Op[] = [];
  let longest = 0;
  for (const o of all) {
    const v = sets(o);
    if (v === undefined) continue;
    const m = o.type === 'ok' ? okSetters : openSetters;
    let l = m.get(v);
    if (!l) m.set(v, (l = []));
    l.push(o);
    if (o.type === 'ok') {
      okAll.push(o);
      longest = Math.max(longest, o.completeIndex - o.invokeIndex);
    }
  }
  for (const l of okSetters.values()) l.sort((x, y) => x.invokeIndex - y.invokeIndex);
  for (const l of openSetters.values()) l.sort((x, y) => x.invokeIndex - y.invokeIndex);
  okAll.sort((x, y) => x.completeIndex - y.completeIndex);
  const maxAt = new Int32Array(okAll.length);
  for (let i = 0, best = 0; i < okAll.length; i++) {
    if (okAll[i].invokeIndex > okAll[best].invokeIndex) best = i;
    maxAt[i] = best;
  }
  const countBefore = (l: Op[], e: number): number => {
    let lo = 0;
    let hi = l.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (l[mid].invokeIndex < e) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const of: Needs['of'] = new Map();
  const none: Op[] = [];
  for (const o of all) {
    const v = observes(o);
    if (v === undefined) continue;
    const e = end(o);
    const open = openSetters.get(v) ?? none;
    const ok = okSetters.get(v) ?? none;
    const u = lastCompletedBefore(okAll, maxAt, o.invokeIndex);
    const m = u ? u.invokeIndex : -1;
    const need: Op[] = [];
    const n = countBefore(ok, e);
    // Ok setters that begin before o ends and complete at or after m; scanned back until none can.
    // Of those left out, one that completed last (among those scanned) shows the order: it too.
    let last: Op | undefined;
    if (n > MAX_SCAN && ok[n - MAX_SCAN].invokeIndex + longest >= m) {
      of.set(o, [open, countBefore(open, e), [], ok, n]);
      continue;
    }
    for (let i = n - 1; i >= 0; i--) {
      const w = ok[i];
      if (w === o) continue;
      if (w.invokeIndex + longest < m) {
        last ??= w;
        break;
      }
      if (w.completeIndex >= m) need.push(w);
      else if (!last || w.completeIndex > last.completeIndex) last = w;
    }
    if (last && u) need.push(u, last);
    of.set(o, [open, countBefore(open, e), need]);
  }
  return { of };
}

/** The largest closed subset of `set`: observers missing one of their writers go, repeatedly. */
function closeDown(set: Set<Op>, needs: Needs): Set<Op> {
  const out = new Set(set);
  for (let changed = true; changed; ) {
    changed = false;
    // Per list of indeterminate setters, the position of the first one not in the set.
    const firstMissing = new Map<Op[], number>();
    const missingAt = (l: Op[]): number => {
      let m = firstMissing.get(l);
      if (m === undefined) {
        m = l.findIndex((w) => !out.has(w));
        if (m < 0) m = l.length;
        firstMissing.set(l, m);
      }
      return m;
    };
    for (const o of [...out]) {
      const n = needs.of.get(o);
      if (!n) continue;
      const [l, count, ok, l2, count2] = n;
      const okMissing = ok.some((w) => !out.has(w)) || (l2 !== undefined && l2.slice(0, count2).some((w) => w !== o && !out.has(w)));
      let missing = okMissing || missingAt(l) < count;
      // (An op is never missing from the set it is in; the cached position may be stale.)
      if (missing && !okMissing) missing = l.slice(0, count).some((w) => w !== o && !out.has(w));
      if (missing) {
        out.delete(o);
        changed = true;
      }
    }
  }
  return out;
}

/** The smallest closed superset of `set`: the writers every observer needs join, repeatedly. */
function closeUp(set: Set<Op>, needs: Needs): Set<Op> {
  const out = new Set(set);
  const added = new Map<Op[], number>(); // per list of indeterminate setters, how much of its head is in
  const todo = [...out];
  const add = (w: Op) => {
    if (out.has(w)) return;
    out.add(w);
    todo.push(w);
  };
  while (todo.length > 0) {
    const n = needs.of.get(todo.pop()!);
    if (!n) continue;
    const [l, count, ok, l2, count2] = n;
    for (const [list, c] of l2 === undefined ? [[l, count] as const] : [[l, count] as const, [l2, count2!] as const]) {
      for (let i = added.get(list) ?? 0; i < c; i++) add(list[i]);
      if (c > (added.get(list) ?? 0)) added.set(list, c);
    }
    for (const w of ok) add(w);
  }
  return out;
}

/**
 * An op that must take effect and observes a value no op of the key ever sets (nor the initial
 * nil): the key fails on it alone, whatever the search would say. Undefined if none.
 */
export function unwrittenObserver(p: KeyProblem): number | undefined {
  const set = new Set<number>();
  for (let s = 0; s < p.ops.length; s++) {
    if (p.kind[s] === K_WRITE) set.add(p.arg1[s]);
    else if (p.kind[s] === K_CAS) set.add(p.arg2[s]);
  }
  for (let s = 0; s < p.okCount; s++) if (p.kind[s] !== K_WRITE && p.arg1[s] !== ABSENT && !set.has(p.arg1[s])) return s;
  return undefined;
}

/** Whether the sub-history of the ops is not linearizable: true, false, or undefined (undecided). */
function violates(key: string, ops: Op[], memoLimit: number): boolean | undefined {
  if (ops.length === 0) return false;
  const sorted = ops.slice().sort((a, b) => a.invokeIndex - b.invokeIndex);
  const s = new KeySearch(keyProblem(key, withoutUnobserved(sorted)), memoLimit);
  const status = s.run(CHECK_STEPS);
  if (status === 'running') s.end('stopped');
  return status === 'violation' ? true : status === 'linearizable' ? false : undefined;
}

/**
 * Shrinks the failed key `p` to a witness around `x` (the op where the search stopped), within
 * `until` (a performance.now() time). Starts from the ops that begin before x ends (else the whole
 * key), finds the smallest window of ops nearest x that still fails (or starts from `start`, a
 * proof's ops, when those fail), then tries to delete each op, farthest first. Undefined if no
 * starting set could be shown to fail in time.
 */
export function findWitness(p: KeyProblem, x: Op, until: number, memoLimit: number, start: Op[] = []): Witness | undefined {
  const all = p.ops;
  const writers = needsOf(all);
  const fails = (set: Set<Op>) => violates(p.key, [...set], memoLimit) === true;
  // A proof's ops (epochs.ts), closed up, when they fail; else the nearest k ops to x (by invoke
  // position), with every writer their observers need, for k = 1, 2, 4, ...: the first that fails.
  // Small sets are decided fast; big ones may not be.
  const dist = (o: Op) => Math.abs(o.invokeIndex - x.invokeIndex);
  const byNearness = all.slice().sort((a, b) => dist(a) - dist(b) || a.invokeIndex - b.invokeIndex);
  let current: Set<Op> | undefined;
  if (start.length > 0) {
    const proof = closeUp(new Set([x, ...start]), writers);
    if (proof.size < all.length && fails(proof)) current = proof;
  }
  for (let k = 1; !current && k < byNearness.length && performance.now() < until; k *= 2) {
    const window = closeUp(new Set([x, ...byNearness.slice(0, k)]), writers);
    if (window.size >= all.length) break;
    if (fails(window)) {
      current = window;
      break;
    }
  }
  if (!current) {
    const early = closeDown(new Set(all.filter((o) => o.invokeIndex < end(x))), writers);
    if (fails(early)) current = early;
    else if (fails(new Set(all))) current = new Set(all);
  }
  if (!current) return undefined;
  // One deletion pass, farthest first: an op whose deletion still fails goes (with the observers
  // that needed it). Monotonicity makes one pass enough for 1-minimality.
  let minimal = true;
  const order = [...current].sort((a, b) => dist(b) - dist(a) || b.invokeIndex - a.invokeIndex);
  for (const o of order) {
    if (!current.has(o)) continue;
    if (performance.now() >= until) {
      minimal = false;
      break;
    }
    const without = new Set(current);
    without.delete(o);
    const closed = closeDown(without, writers);
    if (fails(closed)) current = closed;
  }
  const ops = [...current].sort((a, b) => a.invokeIndex - b.invokeIndex);
  const problem = keyProblem(p.key, withoutUnobserved(ops));
  // Where the search without value pruning stops on the witness: the op that cannot be placed.
  const s = new KeySearch(problem, memoLimit, false);
  let status = s.run(CHECK_STEPS);
  while (status === 'running' && performance.now() < until) status = s.run(CHECK_STEPS);
  if (status === 'violation') return { ops, problem, frontier: s.frontier(), minimal };
  s.end('stopped');
  // The pruned search decided this very set within CHECK_STEPS (that is how it became current).
  const pruned = new KeySearch(problem, memoLimit);
  if (pruned.run(CHECK_STEPS) !== 'violation') {
    pruned.end('stopped');
    return undefined;
  }
  return { ops, problem, frontier: pruned.frontier(), minimal };
}
