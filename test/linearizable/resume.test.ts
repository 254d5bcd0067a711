// A search suspended in one thread and resumed in another (KeySearch.suspend / resume, jobs.ts's
// handOver / resumedJob, what the checker's worker threads do): it takes exactly the steps it would
// have taken had it gone on, to the same verdict and the same frontier, on the problem rebuilt from
// the ops as the worker rebuilds it, also after the snapshot went through a structured clone.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hardHistory } from '../../src/checkers/linear/generate.js';
import { handOver, newJob, resumedJob } from '../../src/checkers/linear/jobs.js';
import { memoBuffers } from '../../src/checkers/linear/memo.js';
import { keyProblem, keyProblems, type KeyProblem } from '../../src/checkers/linear/model.js';
import { KeySearch, type SearchSnapshot } from '../../src/checkers/linear/search.js';
import { opSpecShape, rawHistory, type RawOp } from './brute-force.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

const values = fc.constantFrom<number | null>(null, 1, 2, 3);
const histories = fc.array(fc.record({ ...opSpecShape, v: values, v2: values }) as fc.Arbitrary<RawOp>, { minLength: 1, maxLength: 14 });

/** The snapshot as postMessage hands it over: cloned, the memo's buffers moved. */
function carried(snap: SearchSnapshot): SearchSnapshot {
  return structuredClone(snap, { transfer: memoBuffers(snap.memo) });
}

/** The problem as the worker builds it: from the ops by slot. */
const rebuilt = (p: KeyProblem) => keyProblem(p.key, p.ops);

interface Outcome {
  status: string;
  steps: number;
  frontier?: unknown;
}

function outcome(s: KeySearch): Outcome {
  return { status: s.status, steps: s.steps, ...(s.status === 'violation' ? { frontier: s.frontier() } : {}) };
}

/** The search run to its end in one go. */
function whole(p: KeyProblem, valuePruning = true): Outcome {
  const s = new KeySearch(p, 1e7, valuePruning);
  s.run(1e9);
  return outcome(s);
}

/** The search run `slice` steps at a time, suspended and resumed on a rebuilt problem after each. */
function relayed(p: KeyProblem, slice: number, valuePruning = true): Outcome & { resumes: number } {
  let s = new KeySearch(p, 1e7, valuePruning);
  let resumes = 0;
  while (s.run(slice) === 'running') {
    s = KeySearch.resume(rebuilt(p), 1e7, carried(s.suspend()));
    resumes++;
  }
  return { ...outcome(s), resumes };
}

describe('a search suspended and resumed', () => {
  it('takes the steps it would have taken, to the same verdict and frontier (random histories)', () => {
    const seen = { linearizable: 0, violation: 0, resumed: 0 };
    fc.assert(
      fc.property(histories, fc.integer({ min: 1, max: 40 }), fc.boolean(), (raw, slice, pruning) => {
        for (const p of keyProblems(rawHistory(raw)).problems) {
          const { resumes, ...r } = relayed(p, slice, pruning);
          expect(r).toEqual(whole(p, pruning));
          if (r.steps > slice) expect(resumes).toBeGreaterThan(0);
          if (r.status === 'linearizable' || r.status === 'violation') seen[r.status]++;
          if (resumes > 0) seen.resumed++;
        }
      }),
      { numRuns: RUNS },
    );
    // both verdicts came, and searches were relayed: the property said something of each
    for (const n of Object.values(seen)) expect(n).toBeGreaterThan(RUNS / 20);
  });

  it('goes on with a long search and its memo: a hard history', () => {
    for (const seed of [2, 3]) {
      const p = keyProblems(hardHistory({ seed, ops: 2000 })).problems[0];
      const one = whole(p);
      expect(one.status).toBe('linearizable');
      expect(one.steps).toBeGreaterThan(20_000);
      const r = relayed(p, 7_919);
      expect(r.resumes).toBeGreaterThan(1);
      expect({ status: r.status, steps: r.steps }).toEqual(one);
    }
  });

  it('hands a job over with its memo: the memo here is emptied, the one there holds its entries', () => {
    const p = keyProblems(hardHistory({ seed: 3, ops: 2000 })).problems[0];
    const job = newJob(p);
    job.search = new KeySearch(p, 1e7);
    job.search.run(5_000);
    job.windowsAt = 123_456;
    const entries = job.search.memoEntries;
    expect(entries).toBeGreaterThan(100);
    const handed = handOver(job)!;
    expect(job.search.status).toBe('stopped');
    expect(job.search.memoEntries).toBe(entries);
    const there = resumedJob(rebuilt(p), { ...handed, snapshot: carried(handed.snapshot) }, 1e7);
    expect(there.search!.steps).toBe(5_000);
    expect(there.search!.memoEntries).toBe(entries);
    expect(there.windowsAt).toBe(123_456);
    expect(handOver(newJob(p))).toBeUndefined(); // no search yet: nothing to hand over
  });

  it('refuses a search of another problem, and a search that is over', () => {
    const [a, b] = [1, 2].map((seed) => keyProblems(hardHistory({ seed, ops: 300 })).problems[0]);
    const job = newJob(a);
    job.search = new KeySearch(a, 1e7);
    job.search.run(10);
    const handed = handOver(job)!;
    expect(() => resumedJob(b, handed, 1e7)).toThrow(/the search handed over is of another problem than the one built here/);
    const done = new KeySearch(a, 1e7);
    done.run(1e9);
    expect(() => done.suspend()).toThrow(/a search that is linearizable cannot be suspended/);
  });
});
