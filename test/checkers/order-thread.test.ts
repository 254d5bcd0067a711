// monotonic-writes and writes-follow-reads in a thread of their own (append/order-thread.ts,
// order-worker.ts) while the other checkers run here. Worker threads run the compiled worker, so
// these tests drive the compiled checkers (dist/, which `npm test` builds first): the same results
// as in one thread (anomalies, order, counts, caps, a spent budget), the thread really used, and no
// thread or port left behind.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { runCheckers as RunCheckers } from '../../src/checkers/run.js';
import type { monotonicWrites as MonotonicWrites } from '../../src/checkers/monotonic-writes.js';
import type { writesFollowReads as WritesFollowReads } from '../../src/checkers/writes-follow-reads.js';
import type { selectCheckers as SelectCheckers } from '../../src/checkers/registry.js';
import type { CheckOptions, CheckResult } from '../../src/checkers/types.js';
import type { appendIndex as AppendIndexOf } from '../../src/checkers/append/index.js';
import type { historyFromEvents as HistoryFromEvents } from '../../src/history/builder.js';
import type { HistoryEvent } from '../../src/history/types.js';
import { eventsOf, type OpSpec } from '../support/ops.js';
import { faultyEvents, faultyReads } from './faulty-reads.js';
import { logReplicaEvents, type LogModelOptions } from './log-replica-model.js';

const dist = (path: string) => import(new URL(`../../dist/${path}`, import.meta.url).href);
const { runCheckers } = (await dist('checkers/run.js')) as { runCheckers: typeof RunCheckers };
const { selectCheckers } = (await dist('checkers/registry.js')) as { selectCheckers: typeof SelectCheckers };
const { monotonicWrites } = (await dist('checkers/monotonic-writes.js')) as { monotonicWrites: typeof MonotonicWrites };
const { writesFollowReads } = (await dist('checkers/writes-follow-reads.js')) as { writesFollowReads: typeof WritesFollowReads };
const { historyFromEvents } = (await dist('history/builder.js')) as { historyFromEvents: typeof HistoryFromEvents };
const { appendIndex } = (await dist('checkers/append/index.js')) as { appendIndex: typeof AppendIndexOf };

/**
 * Blocks on keys of their own, one after another. Session a appends 1 to x, reads [1] of x, then
 * appends 2 to y; n2 shows 2 in y, then lacks 1 in x, then still shows 2: a cross-key finding of
 * both rules. Then a appends 3 to x, and a read shows x as [3], without 1: a same-key finding of both.
 */
function crossKeyBlocks(n: number): OpSpec[] {
  const out: OpSpec[] = [];
  for (let b = 0; b < n; b++) {
    const [x, y, t, s] = [`x${b}`, `y${b}`, b * 1000, `a${b}`];
    const p = 10 * b + 1;
    out.push(
      { p, s, f: 'append', k: x, v: 1, t0: t, t1: t + 10 },
      { p, s, f: 'read', k: x, r: [1], t0: t + 20, t1: t + 30, node: 'n1' },
      { p, s, f: 'append', k: y, v: 2, t0: t + 40, t1: t + 50 },
      { p: p + 1, s: `b${b}`, f: 'read', k: y, r: [2], t0: t + 60, t1: t + 70, node: 'n2' },
      { p: p + 2, s: `c${b}`, f: 'read', k: x, r: [], t0: t + 80, t1: t + 90, node: 'n2' },
      { p: p + 3, s: `d${b}`, f: 'read', k: y, r: [2], t0: t + 100, t1: t + 105, node: 'n2' },
      { p, s, f: 'append', k: x, v: 3, t0: t + 110, t1: t + 120 },
      { p: p + 4, s: `e${b}`, f: 'read', k: x, r: [3], t0: t + 130, t1: t + 140, node: 'n1' },
    );
  }
  return out;
}

const RUNS = Number(process.env.PROPERTY_RUNS ?? 400) >> 3;
/** Histories with stale followers, restarts (nemesis events), lost and failed ops. */
const MODEL: LogModelOptions = { processes: 6, keys: 4, ops: 400, followers: 2, infoRate: 0.02, failRate: 0.02, restartRate: 0.01 };
/** The thread for any history (its default is from 100k ops). */
const THREAD: CheckOptions = { threads: 2, orderThreadFromOps: 0 };

const histories = faultyEvents.map(({ events, seed, rate, cut }) => historyFromEvents(faultyReads(events, seed, rate, cut)));
/** A faulty history of the log model (stale followers, restarts), its reads cut or broken at `rate`. */
const faulty = (events: HistoryEvent[], seed: number, rate: number) => faultyReads(events, seed, rate, false);

/** A result without what differs by design: its time, and that it says it used the thread. */
const comparable = (r: CheckResult) => JSON.parse(JSON.stringify({ ...r, ms: undefined, threads: undefined })) as unknown;

/** Resolves once no worker thread or message port of this process is left (or fails after 3 s). */
async function noThreadsLeft(): Promise<void> {
  const left = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker');
  for (let i = 0; i < 60 && left().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(left()).toEqual([]);
}

describe('monotonic-writes and writes-follow-reads in a thread of their own', () => {
  it('give what one thread gives: the same anomalies in the same order, counts, caps and rules', async () => {
    const seen = { same: 0, capped: 0 };
    await fc.assert(
      fc.asyncProperty(histories, async (h) => {
        for (const c of [monotonicWrites, writesFollowReads]) {
          for (const opts of [{}, { maxAnomalies: 1 }]) {
            const one = await c.check(h, { ...opts, threads: 1 });
            const two = await c.check(h, { ...opts, ...THREAD });
            expect(two.threads).toBe(2);
            expect(one.threads).toBeUndefined();
            expect(comparable(two)).toEqual(comparable(one));
            seen.same += one.anomalies.some((a) => a.rule === 'same-key') ? 1 : 0;
            seen.capped += one.count > one.anomalies.length ? 1 : 0;
          }
        }
      }),
      { numRuns: RUNS },
    );
    // (the property was tried where it matters: findings of both rules, and more than a result lists)
    expect(seen.same).toBeGreaterThan(0);
    expect(seen.capped).toBeGreaterThan(0);
    await noThreadsLeft();
  });

  it('tells cross-key findings as one thread does, also where the cap falls among them', async () => {
    const h = historyFromEvents(eventsOf(crossKeyBlocks(5)));
    for (const c of [monotonicWrites, writesFollowReads]) {
      for (const maxAnomalies of [1, 3, 4, 100]) {
        const one = await c.check(h, { maxAnomalies, threads: 1 });
        const two = await c.check(h, { maxAnomalies, ...THREAD });
        expect(two.threads).toBe(2);
        expect(comparable(two)).toEqual(comparable(one));
      }
      const all = await c.check(h, { threads: 1 });
      // (each block: one same-key finding of a read that lacks the session's earlier element, one cross-key)
      expect([all.sameKey, all.crossKey]).toEqual([5, 5]);
      expect(all.anomalies.map((a) => a.rule)).toEqual([...Array(5).fill('same-key'), ...Array(5).fill('cross-key')]);
    }
    await noThreadsLeft();
  });

  it('every checker of a run gives the same results, the two in the thread among the rest', async () => {
    const h = historyFromEvents(faulty(logReplicaEvents(7, { ...MODEL, ops: 600 }), 7, 0.2));
    const checkers = selectCheckers(undefined, h.workload);
    const one = await runCheckers(h, checkers, { threads: 1 });
    const two = await runCheckers(h, checkers, THREAD);
    expect(Object.keys(two.checkers)).toEqual(Object.keys(one.checkers));
    expect(two.checkers['monotonic-writes'].threads).toBe(2);
    expect(two.checkers['writes-follow-reads'].threads).toBe(2);
    for (const name of Object.keys(one.checkers)) expect(comparable(two.checkers[name]), name).toEqual(comparable(one.checkers[name]));
    expect(two.valid).toBe(one.valid);
    expect(one.valid).toBe(false);
    await noThreadsLeft();
  });

  it('runs there from 100k ops by default, on index columns in shared memory', async () => {
    const h = historyFromEvents(eventsOf(crossKeyBlocks(12_500)));
    expect(h.ops.length).toBe(100_000);
    const ix = appendIndex(h);
    for (const col of [ix.opKey, ix.opType, ix.opF, ix.opSession, ix.opNode, ix.byKey, ix.appendElem]) expect(col.buffer).toBeInstanceOf(SharedArrayBuffer);
    for (const c of [monotonicWrites, writesFollowReads]) {
      const one = await c.check(h, { threads: 1 });
      const two = await c.check(h, { threads: 2 });
      expect(two.threads).toBe(2);
      expect([one.sameKey, one.crossKey, one.anomalies.length]).toEqual([12_500, 12_500, 100]);
      expect(comparable(two)).toEqual(comparable(one));
    }
    await noThreadsLeft();
  });

  it('reads the read elements in place, on shared memory, where the history is large', async () => {
    // (over a million read elements: the builder keeps them on a growable SharedArrayBuffer)
    const h = historyFromEvents(faulty(logReplicaEvents(6, { ...MODEL, ops: 30_000, keys: 40 }), 6, 0.05));
    const ix = appendIndex(h);
    expect(ix.readElems.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(ix.readElems.length).toBeGreaterThan(1 << 20);
    for (const c of [monotonicWrites, writesFollowReads]) {
      const one = await c.check(h, { threads: 1 });
      const two = await c.check(h, THREAD);
      expect(two.threads).toBe(2);
      expect(one.count).toBeGreaterThan(0);
      expect(comparable(two)).toEqual(comparable(one));
    }
    await noThreadsLeft();
  });

  it('keeps the time limit: a spent budget is unknown, with the reason told as here', async () => {
    const h = historyFromEvents(logReplicaEvents(3, { ...MODEL, ops: 20_000 }));
    const events = logReplicaEvents(4, { ...MODEL, ops: 30_000, keys: 40 });
    // (a History of its own each time: its index is built anew, which takes longer than 5 ms)
    const fresh = () => historyFromEvents(events);
    for (const c of [monotonicWrites, writesFollowReads]) {
      // No time at all: both stop at their first look, alike.
      const one = await c.check(h, { timeLimitMs: 0, threads: 1 });
      const two = await c.check(h, { timeLimitMs: 0, ...THREAD });
      expect(two.threads).toBe(2);
      expect(two.valid).toBe('unknown');
      expect(two.reason).toMatch(/^time limit of 0\.000 s reached \(--time-limit\), after 0 of \d+ keys \(same-key rule\)$/);
      expect(comparable(two)).toEqual(comparable(one));
      // 5 ms, spent here on the new history's index: the thread gets nothing left and stops at
      // once; the reason names the checker's limit, not what was left of it.
      const late = await c.check(fresh(), { timeLimitMs: 5, ...THREAD });
      expect(late.threads).toBe(2);
      expect(late.valid).toBe('unknown');
      expect(late.reason).toMatch(/^time limit of 0\.005 s reached \(--time-limit\), after 0 of \d+ keys \(same-key rule\)$/);
    }
    await noThreadsLeft();
  });

  it('a rule that fails there fails as it would here: unknown with the error, the other checkers unharmed', async () => {
    const h = historyFromEvents(faulty(logReplicaEvents(8, { ...MODEL, ops: 300 }), 8, 0.2));
    // (only the cross-key rules read the fault marks: a broken one throws in either thread)
    (appendIndex(h) as { faults: unknown }).faults = null;
    const checkers = selectCheckers(undefined, h.workload);
    const one = await runCheckers(h, checkers, { threads: 1 });
    const two = await runCheckers(h, checkers, THREAD);
    for (const name of ['monotonic-writes', 'writes-follow-reads']) {
      expect(two.checkers[name]).toMatchObject({ valid: 'unknown', error: one.checkers[name].error });
      expect(String(two.checkers[name].error)).toMatch(/^TypeError: /);
    }
    const unharmed = Object.keys(one.checkers).filter((n) => n !== 'monotonic-writes' && n !== 'writes-follow-reads');
    for (const name of unharmed) expect(comparable(two.checkers[name]), name).toEqual(comparable(one.checkers[name]));
    await noThreadsLeft();
  });

  it('stays in this thread below orderThreadFromOps, with one thread, and from the sources', async () => {
    const h = historyFromEvents(logReplicaEvents(5, { ...MODEL, ops: 200 }));
    expect((await monotonicWrites.check(h, { threads: 2 })).threads).toBeUndefined();
    expect((await monotonicWrites.check(h, { threads: 1, orderThreadFromOps: 0 })).threads).toBeUndefined();
    const { monotonicWrites: fromSources } = await import('../../src/checkers/monotonic-writes.js');
    expect((await fromSources.check(h, THREAD)).threads).toBeUndefined();
  });
});
