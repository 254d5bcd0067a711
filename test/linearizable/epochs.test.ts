// The refutation by epochs (epochs.ts) against the brute-force oracle, and on the hard generator's
// planted violations that no single fence proves (cross, oscillate).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../src/checkers/linearizable.js';
import { epochConflict, type EpochProof } from '../../src/checkers/linear/epochs.js';
import { hardHistory, type PlantKind } from '../../src/checkers/linear/generate.js';
import { keyProblems, type KeyProblem } from '../../src/checkers/linear/model.js';
import { fencedObserver } from '../../src/checkers/linear/refute.js';
import { bruteForce, opSpecShape, rawHistory, type RawOp } from './brute-force.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1500);

const values = (n: number) => fc.constantFrom<number | null>(null, ...Array.from({ length: n }, (_, i) => i + 1));
/**
 * A few writes, often long (so values have one or two setters, concurrent with many reads), and ok
 * reads mostly one after another (so real time pins them to a setter and orders them): what the
 * rule looks at, small enough for brute force.
 */
const histories = (n: number, maxOps: number) => {
  const setter = fc.record({ ...opSpecShape, f: fc.constantFrom('write', 'write', 'cas'), t0: fc.integer({ min: 0, max: 15 }), len: fc.integer({ min: 1, max: 60 }), type: fc.constantFrom('ok', 'ok', 'info', 'pending'), v: values(n), v2: values(n) });
  const reads = (vs: (number | null)[], n: number) =>
    fc.array(fc.record({ ...opSpecShape, f: fc.constant('read'), t0: fc.integer({ min: 0, max: 3 }), len: fc.integer({ min: 1, max: 4 }), type: fc.constant('ok'), v: fc.constantFrom(...vs), v2: values(n) }), { minLength: 2, maxLength: maxOps - 3 });
  // (reads return values some op writes, or nil: a value nothing writes is the other rules' case)
  const written = (w: RawOp) => (w.f === 'write' ? (w.v ?? 1) : (w.v2 ?? 1));
  return fc
    .array(setter, { minLength: 1, maxLength: 3 })
    .chain((w) => reads([null, ...w.map(written)], n).map((r) => [...(w as RawOp[]), ...r.map((o, j) => ({ ...o, t0: 10 + 3 * j + o.t0 }))] as RawOp[]));
};

/** The proof's two orders hold in real time: a ended before b began (or a is the initial nil), c before d; and the setters differ. */
function expectRealTime(p: KeyProblem, proof: EpochProof): void {
  const [a, b] = proof.before.map((s) => p.ops[s]);
  const [c, d] = proof.after.map((s) => p.ops[s]);
  if (proof.before[0] < 0) expect(proof.setters[0]).toBe(-1); // the initial nil, before everything
  else {
    expect(a.completeIndex).toBeGreaterThanOrEqual(0);
    expect(a.completeIndex).toBeLessThan(b.invokeIndex);
  }
  expect(c.completeIndex).toBeGreaterThanOrEqual(0);
  expect(c.completeIndex).toBeLessThan(d.invokeIndex);
  expect(proof.setters[0]).not.toBe(proof.setters[1]);
}

describe('the refutation by epochs', () => {
  for (const [n, maxOps] of [[2, 9], [3, 10]]) {
    it(`only refutes what brute force refutes (${n} values, up to ${maxOps} ops), and refutes some no fence does`, () => {
      let refuted = 0;
      let beyondFences = 0;
      fc.assert(
        fc.property(histories(n, maxOps), (raw) => {
          const h = rawHistory(raw);
          const p = keyProblems(h).problems[0];
          if (!p) return;
          const proof = epochConflict(p);
          if (proof === undefined) return;
          refuted++;
          if (fencedObserver(p) === undefined) beyondFences++;
          expect(proof.x).toBeLessThan(p.okCount); // an op that must take effect
          expect(p.ops[proof.x].f === 'write').toBe(false); // an observer
          expectRealTime(p, proof);
          expect(bruteForce(h.ops)).toBe(false);
        }),
        { numRuns: RUNS * 4 },
      );
      // (of the 6000 histories, 55-80 refuted and 20-30 past any fence at 2 values; 140-200 and 40-50 at 3)
      expect(refuted).toBeGreaterThan(RUNS / 60);
      expect(beyondFences).toBeGreaterThan(RUNS / 200);
    });
  }

  const plants: PlantKind[] = ['cross', 'oscillate'];
  for (const plant of plants) {
    it(`decides the planted ${plant} violation of 5000 ops at once, and not its linearizable twin`, () => {
      for (const seed of [1, 4, 7]) {
        const bad = keyProblems(hardHistory({ seed, ops: 5000, bad: true, plant })).problems[0];
        const proof = epochConflict(bad);
        expect(proof).toBeDefined();
        expect(bad.ops[proof!.x].f).toBe('read');
        expectRealTime(bad, proof!);
        expect(fencedObserver(bad)).toBeUndefined(); // no single fence proves it
        expect(epochConflict(keyProblems(hardHistory({ seed, ops: 5000, bad: false, plant })).problems[0])).toBeUndefined();
      }
    });
  }

  for (const plant of plants) {
    it(`makes the checker fail the key (${plant}) with a small witness and the proof in words`, () => {
      const r = checkLinearizable(hardHistory({ seed: 3, ops: 5000, bad: true, plant }), { timeLimitMs: 5_000 });
      expect(r.valid).toBe(false);
      const a = r.anomalies[0];
      expect(a.explanation).toMatch(/^read of x .* returned \d, but no order of the operations consistent with real time explains it: all \d of ops [\d, and]+ alone already admit no such order; /);
      expect(a.explanation).toMatch(/only the write of \d \(index \d+\) can have set \d for the read of \d \(index \d+\)/);
      expect(a.explanation).toMatch(/ended before .* began, so the write of \d \(index \d+\) took effect before the write of \d \(index \d+\), yet .* ended before .* began, so it was the other way round$/);
      expect(a.ops.length).toBeLessThan(10);
      expect(a.witnessMinimal).toBeUndefined(); // shrunk to 1-minimal in time
      expect((r.keys as Record<string, { steps: number }>).x.steps).toBe(0); // no search
    });
  }
});
