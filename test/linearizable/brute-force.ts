// Test helper: the brute-force linearizability oracle (every real-time-respecting order tried),
// and small random register histories for it.

import fc from 'fast-check';
import type { History, Op } from '../../src/history/types.js';
import { historyOf, type OpSpec } from '../support/ops.js';

/**
 * Every order of `live` that respects real time tried, indeterminate ops optional: `step` gives the
 * state after an op, or undefined where the op cannot happen in that state.
 */
export function bruteForceOrders<S>(live: Op[], init: S, step: (state: S, o: Op) => S | undefined): boolean {
  const done = new Array<boolean>(live.length).fill(false);
  const end = (o: Op) => (o.type === 'ok' ? o.completeIndex : Number.POSITIVE_INFINITY);
  const dfs = (state: S, left: number): boolean => {
    if (left === 0) return true;
    for (let i = 0; i < live.length; i++) {
      if (done[i]) continue;
      const o = live[i];
      // Everything that precedes o in real time must already be placed.
      if (live.some((p, j) => !done[j] && j !== i && p.type === 'ok' && end(p) < o.invokeIndex)) continue;
      const next = step(state, o);
      if (next === undefined) continue;
      done[i] = true;
      const ok = dfs(next, left - (o.type === 'ok' ? 1 : 0));
      done[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return dfs(init, live.filter((o) => o.type === 'ok').length);
}

/** The register: every order of the ops that respects real time, with indeterminate ops optional, tried. */
export function bruteForce(ops: Op[]): boolean {
  const live = ops.filter((o) => o.type !== 'fail' && !(o.type !== 'ok' && o.f === 'read'));
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  // (values in a history are JSON, never undefined: undefined says the op cannot happen)
  return bruteForceOrders<unknown>(live, null, (state, o) => {
    if (o.f === 'read') return same(o.value, state) ? state : undefined;
    if (o.f === 'write') return o.invokeValue;
    const [from, to] = o.invokeValue as unknown[];
    return same(from, state) ? to : undefined;
  });
}

export const opSpecShape = {
  f: fc.constantFrom('read', 'write', 'cas') as fc.Arbitrary<'read' | 'write' | 'cas'>,
  t0: fc.integer({ min: 0, max: 30 }),
  len: fc.integer({ min: 1, max: 12 }),
  type: fc.constantFrom('ok', 'ok', 'ok', 'info', 'fail', 'pending'),
};

export interface RawOp {
  f: 'read' | 'write' | 'cas';
  t0: number;
  len: number;
  type: string;
  v: number | null;
  v2: number | null;
}

/** The history of the random ops (register "x", distinct times). */
export function rawHistory(raw: RawOp[]): History {
  const specs: OpSpec[] = raw.map((r, i) => ({
    f: r.f,
    k: 'x',
    v: r.f === 'write' ? (r.v ?? 1) : r.f === 'cas' ? [r.v, r.v2 ?? 1] : undefined,
    r: r.v,
    // Distinct times: t0/t1 in 1/100 ms steps, unique per op.
    t0: r.t0 + i / 100,
    t1: r.type === 'pending' ? undefined : r.t0 + r.len + i / 100 + 0.001,
    type: r.type === 'pending' ? undefined : (r.type as 'ok' | 'info' | 'fail'),
  }));
  if (!specs.some((s) => s.f !== 'read')) specs.push({ f: 'write', k: 'x', v: 1, t0: 100, t1: 101 });
  return historyOf(specs);
}

