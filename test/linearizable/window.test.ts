// The rules added for hard histories with violations no single fence proves: the memo's dominance
// (a set of placed ops with fewer optional ones stands for one with more, memo.ts and search.ts)
// and the refutation by windows with merged values (window.ts), each against brute force; and the
// generator's planted violations of those kinds (generate.ts: cross, oscillate).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../src/checkers/linearizable.js';
import { hardHistory, type PlantKind } from '../../src/checkers/linear/generate.js';
import { MemoSet } from '../../src/checkers/linear/memo.js';
import { keyProblem, keyProblems, withoutUnobserved } from '../../src/checkers/linear/model.js';
import { fencedObserver } from '../../src/checkers/linear/refute.js';
import { KeySearch } from '../../src/checkers/linear/search.js';
import { refuteByWindows, windowOps } from '../../src/checkers/linear/window.js';
import { unwrittenObserver } from '../../src/checkers/linear/witness.js';
import type { Op } from '../../src/history/types.js';
import { bruteForce, opSpecShape, rawHistory, type RawOp } from './brute-force.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1500);

const values = (n: number) => fc.constantFrom<number | null>(null, ...Array.from({ length: n }, (_, i) => i + 1));
const histories = (n: number, maxOps: number, shape: Partial<typeof opSpecShape> = {}) =>
  fc.array(fc.record({ ...opSpecShape, ...shape, v: values(n), v2: values(n) }) as fc.Arbitrary<RawOp>, { minLength: 1, maxLength: maxOps });

/** The search's verdict on the ops (one key), without refutation first. */
function searchOps(ops: Op[], valuePruning = true, dominance = true): boolean {
  const s = new KeySearch(keyProblem('x', withoutUnobserved(ops)), 1e7, valuePruning, dominance);
  const status = s.run(1e8);
  if (status === 'running') throw new Error('not decided');
  return status === 'linearizable';
}

describe('the memo', () => {
  it('finds a variant equal to the one given, or with dominance a subset of it', () => {
    const m = new MemoSet(16);
    const words = new Int32Array([0b11, 0b0101, 0]);
    // range A = word 0; range B = word 1 (bits 0 and 2). Exact lookups (state 3, as the search
    // makes them after an optional op): only an equal variant is present.
    expect(m.addIfAbsent(7, 3, words, 0, 1, 1, 2)).toBe(true);
    expect(m.addIfAbsent(7, 3, words, 0, 1, 1, 2)).toBe(false);
    words[1] = 0b0111; // a superset is another entry
    expect(m.addIfAbsent(7, 3, words, 0, 1, 1, 2)).toBe(true);
    words[1] = 0b0101;
    expect(m.addIfAbsent(7, 3, words, 0, 1, 1, 2)).toBe(false); // both stay
    expect(m.size).toBe(2);
    // With dominance (state 2, after an op that must take effect): a subset stands for its supersets.
    expect(m.addIfAbsent(7, 2, words, 0, 1, 1, 2, true)).toBe(true);
    words[1] = 0b0111;
    expect(m.addIfAbsent(7, 2, words, 0, 1, 1, 2, true)).toBe(false);
    words[1] = 0b0001; // a subset: not dominated, and it unlinks 0b0101 (it stands for it now)
    expect(m.addIfAbsent(7, 2, words, 0, 1, 1, 2, true)).toBe(true);
    expect(m.size).toBe(3);
    words[1] = 0b0111;
    expect(m.addIfAbsent(7, 2, words, 0, 1, 1, 2, true)).toBe(false); // dominated, by 0b0001
    words[1] = 0b0001;
    expect(m.addIfAbsent(7, 4, words, 0, 1, 1, 2, true)).toBe(true); // another state
    words[0] = 0b1;
    expect(m.addIfAbsent(7, 2, words, 0, 1, 1, 2, true)).toBe(true); // another range A
    words[0] = 0b11;
    words[1] = 0;
    expect(m.addIfAbsent(7, 2, words, 0, 1, 0, 0, true)).toBe(true); // none placed: a subset of none stored (it unlinks 0b0001)
    words[1] = 0b1000;
    expect(m.addIfAbsent(7, 2, words, 0, 1, 1, 2, true)).toBe(false); // the empty variant dominates
    expect(m.size).toBe(5);
    // the exact entries are untouched by the dominance ones
    words[1] = 0b0111;
    expect(m.addIfAbsent(7, 3, words, 0, 1, 1, 2)).toBe(false);
  });

  it('keeps a group an antichain under dominance: a variant that holds a new one goes, one that does not stays', () => {
    const m = new MemoSet(16);
    const words = new Int32Array([0b1, 0, 0]);
    // range A = word 0; range B = words 1..2
    const add = (w1: number, w2: number) => {
      words[1] = w1;
      words[2] = w2;
      const lo = w1 !== 0 ? 1 : w2 !== 0 ? 2 : 0;
      const hi = w2 !== 0 ? 3 : w1 !== 0 ? 2 : 0;
      return m.addIfAbsent(1, 4, words, 0, 1, lo, hi, true);
    };
    expect(add(0b110, 0)).toBe(true);
    expect(add(0b011, 0b1)).toBe(true);
    expect(add(0, 0b1)).toBe(true); // held by the second only
    expect(m.size).toBe(2);
    expect(add(0b110, 0b1)).toBe(false); // held: dominated by the first (and by the third)
    expect(add(0b011, 0)).toBe(true); // neither the first nor the third is a subset of it
    expect(add(0b010, 0)).toBe(true); // unlinks the first and the one before
    expect(m.size).toBe(2);
    expect(add(0b110, 0)).toBe(false);
    expect(add(0b100, 0)).toBe(true);
  });
});

describe('dominance agrees with brute force', () => {
  // Many indeterminate writes and cas: the sets differ by their optional ops, so dominance cuts.
  const cases: [string, fc.Arbitrary<RawOp[]>][] = [
    ['mostly indeterminate writes and cas of two values', histories(2, 9, { f: fc.constantFrom('write', 'cas', 'read', 'read'), type: fc.constantFrom('ok', 'info', 'pending', 'ok', 'info') })],
    ['three values, long indeterminate overlaps', histories(3, 9, { type: fc.constantFrom('ok', 'ok', 'info', 'pending'), len: fc.integer({ min: 1, max: 30 }) })],
  ];
  for (const [name, arb] of cases) {
    it(name, () => {
      let invalid = 0;
      fc.assert(
        fc.property(arb, (raw) => {
          const h = rawHistory(raw);
          const want = bruteForce(h.ops);
          if (!want) invalid++;
          const live = h.ops.filter((o) => o.type !== 'fail' && !(o.type !== 'ok' && o.f === 'read'));
          expect(searchOps(live, true)).toBe(want);
          expect(searchOps(live, false)).toBe(want);
          expect(searchOps(live, true, false)).toBe(want);
        }),
        { numRuns: RUNS },
      );
      expect(invalid).toBeGreaterThan(RUNS / 50);
    });
  }
});

/** Whether every R(v) of the window is refuted by `decide` (window.ts), over φ's starting values. */
function windowRefutes(ops: Op[], from: number, to: number, kept: Set<string> | undefined, decide: (ops: Op[]) => boolean): boolean {
  const phi = (v: unknown) => (kept === undefined || kept.has(JSON.stringify(v ?? null)) ? v : '\u0000other');
  const starts = [null, 1, 2, 3].map(phi);
  return starts.every((v) => !decide(windowOps(ops, from, to, v, kept).ops));
}

describe('the refutation by windows agrees with brute force', () => {
  const window = fc.record({ from: fc.integer({ min: 0, max: 30 }), len: fc.integer({ min: 0, max: 40 }), kept: fc.option(fc.subarray(['1', '2', '3'], { minLength: 1 }), { nil: undefined }) });
  it('a window refuted from every starting value (brute force, then the search) is a violation', () => {
    let refuted = 0;
    let invalid = 0;
    fc.assert(
      fc.property(histories(3, 9, { len: fc.integer({ min: 1, max: 20 }) }), window, (raw, w) => {
        const h = rawHistory(raw);
        const live = h.ops.filter((o) => o.type !== 'fail' && !(o.type !== 'ok' && o.f === 'read'));
        const want = bruteForce(h.ops);
        if (!want) invalid++;
        // the events' indices: two per op at most
        const from = Math.floor((w.from * h.ops.length) / 15);
        const to = from + Math.floor((w.len * h.ops.length) / 15);
        const kept = w.kept ? new Set(w.kept) : undefined;
        const byBrute = windowRefutes(live, from, to, kept, (ops) => bruteForce(ops));
        expect(windowRefutes(live, from, to, kept, (ops) => searchOps(ops))).toBe(byBrute);
        if (!byBrute) return;
        refuted++;
        expect(want).toBe(false);
      }),
      { numRuns: RUNS * 2 },
    );
    expect(refuted).toBeGreaterThan(RUNS / 20);
    expect(invalid).toBeGreaterThan(refuted); // windows do not refute every violation
  });
});

describe('violations no single fence proves (generate.ts)', () => {
  const kinds: PlantKind[] = ['cross', 'oscillate'];
  it('small ones: brute force confirms the verdicts', () => {
    for (const plant of kinds) {
      for (let seed = 1; seed <= 40; seed++) {
        for (const bad of [false, true]) {
          const h = hardHistory({ seed, ops: 8, clients: 6, values: 3, infoRate: 0.2, bad, plant });
          expect(bruteForce(h.ops)).toBe(!bad);
          expect(checkLinearizable(h).valid).toBe(!bad);
        }
      }
    }
  });

  // One key, 30 clients, 5 values, 10% info, 5000 ops: `unknown` at a 10 s budget before windows.
  // The checker now decides these by epochs (epochs.ts) before any search; windows still must.
  for (const plant of kinds) {
    for (const seed of [1, 2]) {
      it(`decides 5000 ops, seed ${seed}, ${plant}: not refuted by a single fence, refuted by windows alone and by epochs at once`, () => {
        const h = hardHistory({ seed, ops: 5000, bad: true, plant });
        const p = keyProblems(h).problems[0];
        expect(unwrittenObserver(p) ?? fencedObserver(p)).toBeUndefined();
        // Windows refute it on their own (around the main search's frontier after its first 2M steps).
        const search = new KeySearch(p, 1e7);
        search.run(2_000_000);
        const tried = refuteByWindows(p, search.furthestEntry, 1e7);
        search.end('stopped');
        expect(tried.steps).toBeGreaterThan(0);
        expect(tried.refutation).toBeDefined();
        // A try begun past its deadline searches nothing and refutes nothing.
        expect(refuteByWindows(p, search.furthestEntry, 1e7, performance.now() - 1)).toEqual({ steps: 0 });
        // The checker: epochs decide it before the search takes a step.
        const r = checkLinearizable(h);
        expect(r.valid).toBe(false);
        expect(r.anomalies[0].key).toBe('x');
        expect((r.keys as Record<string, { steps: number }>).x.steps).toBe(0);
        expect(checkLinearizable(hardHistory({ seed, ops: 5000, bad: false, plant })).valid).toBe(true);
      });
    }
  }
});
