// The search on hard register histories (one key, many clients, few values: generate.ts) and each
// rule added for them against the brute-force oracle: the canonical orders (canon.ts: eager pure
// ops, twins), the stranded-value pruning (search.ts) and the refutation by real time (refute.ts).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../src/checkers/linearizable.js';
import { hardHistory } from '../../src/checkers/linear/generate.js';
import { keyProblems } from '../../src/checkers/linear/model.js';
import { fencedObserver } from '../../src/checkers/linear/refute.js';
import { KeySearch } from '../../src/checkers/linear/search.js';
import { bruteForce, opSpecShape, rawHistory, type RawOp } from './brute-force.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1500);

const values = (n: number) => fc.constantFrom<number | null>(null, ...Array.from({ length: n }, (_, i) => i + 1));
/** Random small histories; `shape` overrides the op shape (e.g. mostly writes, mostly indeterminate). */
const histories = (n: number, maxOps: number, shape: Partial<typeof opSpecShape> = {}) =>
  fc.array(fc.record({ ...opSpecShape, ...shape, v: values(n), v2: values(n) }) as fc.Arbitrary<RawOp>, { minLength: 1, maxLength: maxOps });

/** The verdict of the search alone (no refutation first), with and without value pruning. */
function searched(raw: RawOp[], valuePruning: boolean): boolean {
  return keyProblems(rawHistory(raw)).problems.every((p) => {
    const s = new KeySearch(p, 1e7, valuePruning);
    const status = s.run(1e8);
    if (status === 'running') throw new Error('not decided');
    return status === 'linearizable';
  });
}

describe('the search rules agree with brute force', () => {
  const cases: [string, fc.Arbitrary<RawOp[]>][] = [
    ['twins: many writes of two values, often indeterminate', histories(2, 8, { f: fc.constantFrom('write', 'write', 'read', 'cas'), type: fc.constantFrom('ok', 'info', 'info', 'pending', 'ok') })],
    ['eager pure ops: mostly reads and cas x -> x of two values', histories(2, 8, { f: fc.constantFrom('read', 'read', 'write', 'cas'), len: fc.integer({ min: 1, max: 25 }) })],
    ['stranded values: three values, long overlaps', histories(3, 8, { len: fc.integer({ min: 1, max: 30 }) })],
  ];
  for (const [name, arb] of cases) {
    it(name, () => {
      let invalid = 0;
      fc.assert(
        fc.property(arb, (raw) => {
          const want = bruteForce(rawHistory(raw).ops);
          if (!want) invalid++;
          expect(searched(raw, true)).toBe(want);
          expect(searched(raw, false)).toBe(want);
          expect(checkLinearizable(rawHistory(raw)).valid).toBe(want);
        }),
        { numRuns: RUNS },
      );
      expect(invalid).toBeGreaterThan(RUNS / 50); // both verdicts exercised
    });
  }

  it('the refutation by real time only refutes what brute force refutes', () => {
    let refuted = 0;
    fc.assert(
      fc.property(histories(3, 9), (raw) => {
        const h = rawHistory(raw);
        const p = keyProblems(h).problems[0];
        if (!p || fencedObserver(p) === undefined) return;
        refuted++;
        expect(bruteForce(h.ops)).toBe(false);
      }),
      { numRuns: RUNS * 2 },
    );
    expect(refuted).toBeGreaterThan(RUNS / 20);
  });
});

describe('the hard generator', () => {
  it('makes small histories whose verdict brute force confirms (bad: a planted stale read)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      for (const bad of [false, true]) {
        const h = hardHistory({ seed, ops: 9, clients: 4, values: 2, infoRate: 0.2, bad });
        expect(bruteForce(h.ops)).toBe(!bad);
        expect(checkLinearizable(h).valid).toBe(!bad);
      }
    }
  });

  it('is deterministic', () => {
    expect(hardHistory({ seed: 5, ops: 300 }).ops).toEqual(hardHistory({ seed: 5, ops: 300 }).ops);
  });

  // One key, 30 clients, 5 values, 10% info: `unknown` at a 5 s budget before these rules.
  for (const ops of [200, 1000, 5000]) {
    for (const seed of [2, 3]) {
      for (const bad of [false, true]) {
        it(`decides ${ops} ops, seed ${seed}, ${bad ? 'with a planted stale read' : 'linearizable'} within the default budget`, () => {
          const h = hardHistory({ seed, ops, bad });
          const r = checkLinearizable(h);
          expect(r.valid).toBe(!bad);
          if (bad) expect(r.anomalies[0].explanation).toMatch(/^read of x/);
        });
      }
    }
  }
});
