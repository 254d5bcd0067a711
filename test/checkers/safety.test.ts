// Checkers that fail safely: a checker that throws is `unknown` with its error while the others
// still run (check-safe); every checker honours the time and memory budget and answers `unknown`
// with the reason; a history over the memory budget is refused from its size alone.

import { getHeapStatistics } from 'node:v8';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Budget, CHECK_EVERY } from '../../src/checkers/budget.js';
import { defaultMaxMemoryMb, heapNeededMb, HEAP_BYTES_PER_FILE_BYTE, overMemoryBudget } from '../../src/checkers/memory.js';
import { CHECKERS, selectCheckers } from '../../src/checkers/registry.js';
import { runCheckers, unknownResults } from '../../src/checkers/run.js';
import { AnomalyList, type Checker, type CheckResult } from '../../src/checkers/types.js';
import { exitCodeFor, overallVerdict } from '../../src/checkers/verdict.js';
import { historyFromEvents } from '../../src/history/builder.js';
import type { History } from '../../src/history/types.js';
import { historyStats } from '../../src/report/results.js';
import { appendModelEvents } from '../support/append-model.js';
import { historyOf } from '../support/ops.js';
import { registerModelEvents } from '../linearizable/register-model.js';

const small = historyOf([
  { p: 0, s: 's', f: 'append', k: 'k', v: 1, t0: 1, t1: 2 },
  { p: 0, s: 's', f: 'read', k: 'k', t0: 3, t1: 4, r: [] }, // read-your-writes fails
]);

/** Checkers added to the registry by a test, removed after it. */
const injected: Checker[] = [];
function inject(c: Checker): Checker {
  CHECKERS.push(c);
  injected.push(c);
  return c;
}
afterEach(() => {
  for (const c of injected.splice(0)) CHECKERS.splice(CHECKERS.indexOf(c), 1);
});

const thrower = (name: string, e: unknown): Checker => ({
  name,
  description: 'throws (test)',
  appliesTo: () => true,
  check: () => {
    throw e;
  },
});

describe('a checker that throws (check-safe)', () => {
  it('becomes unknown with the error and its stack; the other checkers still run; exit 3', async () => {
    inject(thrower('boom', new TypeError("Cannot read properties of undefined (reading 'x')")));
    const checkers = selectCheckers('monotonic-reads,boom,lost-writes', 'append');
    const res = await runCheckers(historyOf([{ p: 0, f: 'append', k: 'k', v: 1, t0: 1, t1: 2 }]), checkers);
    expect(Object.keys(res.checkers)).toEqual(['monotonic-reads', 'boom', 'lost-writes']);
    const boom = res.checkers.boom;
    expect(boom).toMatchObject({ valid: 'unknown', count: 0, anomalies: [] });
    expect(boom.error).toBe("TypeError: Cannot read properties of undefined (reading 'x')");
    expect(boom.reason).toBe("the boom checker failed: TypeError: Cannot read properties of undefined (reading 'x')");
    expect(boom.stack).toMatch(/TypeError[\s\S]*\n\s+at /);
    expect(res.checkers['monotonic-reads'].valid).toBe(true);
    expect(res.checkers['lost-writes'].valid).toBe(true);
    expect(res.valid).toBe('unknown');
    expect(exitCodeFor(res.valid)).toBe(3);
  });

  it('an anomaly found by another checker still wins: exit 1', async () => {
    inject(thrower('boom', new RangeError('Map maximum size exceeded')));
    const res = await runCheckers(small, selectCheckers('boom,read-your-writes', 'append'));
    expect(res.checkers.boom.valid).toBe('unknown');
    expect(res.checkers['read-your-writes'].valid).toBe(false);
    expect(exitCodeFor(res.valid)).toBe(1);
  });

  it('a rejected promise, a thrown non-Error and an answer without a verdict are unknown too', async () => {
    inject({ name: 'rejects', description: '', appliesTo: () => true, check: () => Promise.reject(new Error('async failure')) });
    inject(thrower('throws-string', 'plain string'));
    inject({ name: 'no-verdict', description: '', appliesTo: () => true, check: () => ({}) as CheckResult });
    const res = await runCheckers(small, selectCheckers('rejects,throws-string,no-verdict', 'append'));
    expect(res.checkers.rejects).toMatchObject({ valid: 'unknown', error: 'Error: async failure' });
    expect(res.checkers['throws-string']).toMatchObject({ valid: 'unknown', error: 'plain string', reason: 'the throws-string checker failed: plain string' });
    expect(res.checkers['no-verdict']).toMatchObject({ valid: 'unknown', count: 0, anomalies: [], reason: 'the no-verdict checker returned no verdict' });
  });

  it('keeps the results.json shape: valid, stats, checkers', async () => {
    inject(thrower('boom', new Error('x')));
    const res = await runCheckers(small, selectCheckers('boom', 'append'), {}, { workload: 'append' });
    expect(Object.keys(res)).toEqual(['valid', 'workload', 'stats', 'checkers']);
    expect(res.stats).toEqual(historyStats(small));
    expect(JSON.parse(JSON.stringify(res))).toEqual(res);
  });
});

describe('overall verdict (checkers layer)', () => {
  const r = (valid: CheckResult['valid']): CheckResult => ({ valid, count: valid === false ? 1 : 0, anomalies: [] });
  it('is false if any is false, else unknown if any is unknown, else true; exit 1 / 3 / 0', () => {
    expect(overallVerdict({ a: r(true), b: r('unknown'), c: r(false) })).toBe(false);
    expect(overallVerdict({ a: r(true), b: r('unknown') })).toBe('unknown');
    expect(overallVerdict({ a: r(true) })).toBe(true);
    expect([false, 'unknown', true].map((v) => exitCodeFor(v as CheckResult['valid']))).toEqual([1, 3, 0]);
  });
});

describe('every checker honours the budget', () => {
  let appendH: History;
  let registerH: History;
  beforeAll(() => {
    // Big enough that every checker does more than CHECK_EVERY work items (ops and read elements).
    appendH = historyFromEvents(appendModelEvents(11, { ops: 3 * CHECK_EVERY, processes: 8, keys: 300, users: 3, nodes: 3, failRate: 0.02, infoRate: 0.02, finalReads: true }));
    registerH = historyFromEvents(registerModelEvents(5, { ops: 40_000, processes: 8, keys: 40, infoRate: 0.02, failRate: 0.02 }));
    expect(appendH.ops.length).toBeGreaterThan(3 * CHECK_EVERY);
  }, 120_000);

  for (const c of CHECKERS) {
    it(`${c.name}: a tiny time limit answers unknown with the reason`, async () => {
      const h = c.appliesTo('append') ? appendH : registerH;
      const r = await c.check(h, { timeLimitMs: 0.001 });
      expect(r.valid).toBe('unknown');
      expect(r.reason).toMatch(/time limit of 0\.000 s reached \(--time-limit\)/);
      const res = await runCheckers(h, [c], { timeLimitMs: 0.001 });
      expect(exitCodeFor(res.valid)).toBe(3);
    });

    it(`${c.name}: a tiny memory budget answers unknown with the reason`, async () => {
      const h = c.appliesTo('append') ? appendH : registerH;
      const r = await c.check(h, { maxMemoryMb: 1 });
      expect(r.valid).toBe('unknown');
      expect(r.reason).toMatch(/memory budget of 1 MB \(--max-memory\) reached: the heap holds \d+ MB/);
    });

    it(`${c.name}: the default budget decides the same history`, async () => {
      const h = c.appliesTo('append') ? appendH : registerH;
      const r = await c.check(h);
      expect(r.valid).toBe(true);
    });
  }

  it('a budget spent after anomalies were found keeps them (false, partial) rather than unknown', () => {
    const list = new AnomalyList();
    list.add({ type: 't', ops: [1], explanation: 'x' });
    const b = new Budget({ timeLimitMs: 0 });
    while (!b.spend(CHECK_EVERY)) {
      /* the deadline passes */
    }
    const r = b.stopped(list, 3, 10, 'keys');
    expect(r).toMatchObject({ valid: false, count: 1, partial: true });
    expect(r.reason).toMatch(/after 3 of 10 keys$/);
    const none = b.stopped(new AnomalyList(), 0, 10, 'keys');
    expect(none).toMatchObject({ valid: 'unknown', count: 0, partial: true });
  });

  it('reads the clock at the first item, then only every CHECK_EVERY items', () => {
    const passed = new Budget({ timeLimitMs: 0 });
    const t = performance.now();
    while (performance.now() === t) {
      /* let the deadline pass */
    }
    expect(passed.spend(1)).toBe(true); // spent before the checker's work began (its index, say)
    expect(passed.reason).toMatch(/time limit/);

    const b = new Budget({ timeLimitMs: 20 });
    expect(b.spend(1)).toBe(false); // the first look: within the deadline
    const t2 = performance.now();
    while (performance.now() - t2 < 30) {
      /* let the deadline pass */
    }
    let early = 0;
    for (let i = 1; i < CHECK_EVERY; i++) if (b.spend(1)) early++;
    expect(early).toBe(0);
    expect(b.spend(1)).toBe(true);
    expect(b.reason).toMatch(/time limit/);
  });
});

describe('the memory budget of a history file', () => {
  it('estimates the heap from the file size and refuses a file over the budget, with the reason', () => {
    const mb = 1024 * 1024;
    expect(heapNeededMb(100 * mb)).toBe(100 * HEAP_BYTES_PER_FILE_BYTE);
    expect(overMemoryBudget(100 * mb, 1000)).toBeUndefined();
    expect(overMemoryBudget(100 * mb, 100)).toBe('history of 100 MB needs about 150 MB, over the memory budget of 100 MB (--max-memory)');
    expect(overMemoryBudget(2 * mb, 1)).toBe('history of 2 MB needs about 3 MB, over the memory budget of 1 MB (--max-memory)');
  });

  it("defaults to 80% of V8's heap limit", () => {
    expect(defaultMaxMemoryMb()).toBe(Math.floor((getHeapStatistics().heap_size_limit * 0.8) / (1024 * 1024)));
  });

  it('answers unknown for every checker without checking', () => {
    const checkers = selectCheckers(undefined, 'append');
    const res = unknownResults(checkers, 'over budget', { workload: 'append', stats: { ops: 0, ok: 0, fail: 0, info: 0, durationNs: 0 } });
    expect(res.valid).toBe('unknown');
    expect(Object.keys(res.checkers)).toEqual(checkers.map((c) => c.name));
    for (const r of Object.values(res.checkers)) expect(r).toEqual({ valid: 'unknown', count: 0, anomalies: [], reason: 'over budget' });
  });
});
