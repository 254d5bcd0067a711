// The search against a brute-force oracle: small random register histories (tiny value domain, so
// values repeat; random overlaps, fail and info ops) get the verdict of an exhaustive enumeration.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkLinearizable } from '../../src/checkers/linearizable.js';
import { bruteForce, opSpecShape, rawHistory, type RawOp } from './brute-force.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 3000);

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
  const h = rawHistory(raw);
  const want = bruteForce(h.ops);
  const got = checkLinearizable(h).valid;
  if (got !== want) throw new Error(`checker says ${String(got)}, brute force ${want}`);
}
