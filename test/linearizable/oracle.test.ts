// The search against a brute-force oracle: small random register histories (tiny value domain, so
// values repeat; random overlaps, fail and info ops) get the verdict of an exhaustive enumeration.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkLinearizable } from '../../src/checkers/linearizable.js';
import type { Op } from '../../src/history/types.js';
import { historyOf, type OpSpec } from '../support/ops.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 3000);

/** Every order of the ops that respects real time, with indeterminate ops optional, tried. */
function bruteForce(ops: Op[]): boolean {
  const live = ops.filter((o) => o.type !== 'fail' && !(o.type !== 'ok' && o.f === 'read'));
  const done = new Array<boolean>(live.length).fill(false);
  const end = (o: Op) => (o.type === 'ok' ? o.completeIndex : Number.POSITIVE_INFINITY);
  const dfs = (state: unknown, left: number): boolean => {
    if (left === 0) return true;
    for (let i = 0; i < live.length; i++) {
      if (done[i]) continue;
      const o = live[i];
      // Everything that precedes o in real time must already be placed.
      if (live.some((p, j) => !done[j] && j !== i && p.type === 'ok' && end(p) < o.invokeIndex)) continue;
      let next = state;
      if (o.f === 'read') {
        if (JSON.stringify(o.value) !== JSON.stringify(state)) continue;
      } else if (o.f === 'write') next = o.invokeValue;
      else {
        const [from, to] = o.invokeValue as unknown[];
        if (JSON.stringify(from) !== JSON.stringify(state)) continue;
        next = to;
      }
      done[i] = true;
      const ok = dfs(next, left - (o.type === 'ok' ? 1 : 0));
      done[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return dfs(null, live.filter((o) => o.type === 'ok').length);
}

const opSpecShape = {
  f: fc.constantFrom('read', 'write', 'cas') as fc.Arbitrary<'read' | 'write' | 'cas'>,
  t0: fc.integer({ min: 0, max: 30 }),
  len: fc.integer({ min: 1, max: 12 }),
  type: fc.constantFrom('ok', 'ok', 'ok', 'info', 'fail', 'pending'),
};

interface RawOp {
  f: 'read' | 'write' | 'cas';
  t0: number;
  len: number;
  type: string;
  v: number | null;
  v2: number | null;
}

/** The property over histories of up to `maxOps` ops whose values come from 1..`values` (and nil). */
function agrees(maxOps: number, values: number) {
  const v = fc.constantFrom<number | null>(null, ...Array.from({ length: values }, (_, i) => i + 1));
  const spec: fc.Arbitrary<RawOp> = fc.record({ ...opSpecShape, v, v2: v });
  return fc.property(fc.array(spec, { minLength: 1, maxLength: maxOps }), check);
}

describe('linearizable agrees with a brute-force oracle', () => {
  it('on small random histories (values 1..3, so they repeat)', () => {
    fc.assert(agrees(7, 3), { numRuns: RUNS });
  });

  it('on larger random histories with a wider value domain (values mostly written once)', () => {
    fc.assert(agrees(9, 12), { numRuns: Math.max(100, Math.floor(RUNS / 3)) });
  });
});

/** Builds the history of the random ops and compares the checker's verdict with the oracle's. */
function check(raw: RawOp[]): void {
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
  const h = historyOf(specs);
  const want = bruteForce(h.ops);
  const got = checkLinearizable(h).valid;
  if (got !== want) throw new Error(`checker says ${String(got)}, brute force ${want}`);
}
