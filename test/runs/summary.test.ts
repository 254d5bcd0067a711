// The summary of repeated runs: rates and first failing seeds per checker, the exit code of the
// worst run, and --until-fail's cut in seed order whatever order the runs finished in.

import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/runner/pool.js';
import { countedRuns } from '../../src/runs/execute.js';
import type { IndexedRun } from '../../src/runs/plan.js';
import { buildSummary, checkerLine, type SummaryRun } from '../../src/runs/summary.js';

const facts = { baseSeed: 10, planned: 4, configHash: 'h', target: 't', workload: 'w', nemesis: 'n' };
const run = (index: number, a: boolean | 'unknown', b: boolean | 'unknown' = true): SummaryRun => ({
  index, seed: 10 + index, dir: `runs/seed-${10 + index}`, ops: 5, valid: a === false || b === false ? false : a === 'unknown' || b === 'unknown' ? 'unknown' : true, checkers: { a, b },
});

describe('buildSummary', () => {
  it('counts failures per checker, the first failing seed by index, and sorts the runs', () => {
    const s = buildSummary(facts, [run(3, false), run(0, true, 'unknown'), run(2, false), run(1, true)]);
    expect(s.runs.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(s.checkers.a).toMatchObject({ runs: 4, failed: 2, unknown: 0, rate: 0.5, firstFailingSeed: 12, firstFailingRun: 'runs/seed-12' });
    expect(s.checkers.b).toMatchObject({ runs: 4, failed: 0, unknown: 1, rate: 0 });
    expect(s.checkers.b.firstFailingSeed).toBeUndefined();
    expect(s.exitCode).toBe(1);
    expect(s.valid).toBe(false);
  });

  it('exits 3 when some run is unknown and none failed, 0 when all held, 130 when interrupted', () => {
    expect(buildSummary(facts, [run(0, true), run(1, 'unknown')]).exitCode).toBe(3);
    expect(buildSummary(facts, [run(0, true)]).exitCode).toBe(0);
    expect(buildSummary(facts, [run(0, false)], { stopped: { reason: 'interrupted' } }).exitCode).toBe(130);
  });

  it('prints the rate line the issue asks for', () => {
    const c = { runs: 20, failed: 7, unknown: 0, rate: 0.35, ci95: [0.18119, 0.56714] as [number, number], firstFailingSeed: 1234 };
    expect(checkerLine('read-your-writes', c)).toBe('read-your-writes: failed 7/20 runs (35%, 95% CI 18–57%), first failing seed 1234');
  });
});

describe('countedRuns', () => {
  const planned = [0, 1, 2, 3, 4].map((index) => ({ index, seed: 10 + index, name: `seed-${10 + index}` }) as IndexedRun);
  const sum = (valid: boolean): RunSummary => ({ design: 't', nemesis: 'n', seed: 0, dir: '', ops: 1, valid, checkers: {} });

  it('with --until-fail keeps the runs up to the first failure in seed order, not in finishing order', () => {
    // runs 0..3 finished (3 failed first in time, then 1 failed too): the cut is at 1.
    const done = [sum(true), sum(false), sum(true), sum(false), undefined];
    expect(countedRuns(planned, done, true)).toEqual({ counted: [0, 1], stopped: { reason: 'until-fail', seed: 11 } });
    expect(countedRuns(planned, done, false)).toEqual({ counted: [0, 1, 2, 3] });
    expect(countedRuns(planned, [sum(true), sum(true), undefined, undefined, undefined], true)).toEqual({ counted: [0, 1] });
  });
});
