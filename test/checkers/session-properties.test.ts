// Property tests of monotonic-writes, writes-follow-reads and bounded-staleness: histories of
// correct stores (linearizable, and stale log replicas that restart) never yield an anomaly of the
// session-order checkers; each planted violation is found with exactly the ops it involves; the
// staleness figures equal a brute-force computation of their definitions.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedStaleness } from '../../src/checkers/bounded-staleness.js';
import { monotonicWrites } from '../../src/checkers/monotonic-writes.js';
import type { Checker, CheckResult } from '../../src/checkers/types.js';
import { writesFollowReads } from '../../src/checkers/writes-follow-reads.js';
import { historyFromEvents } from '../../src/history/builder.js';
import { opIndex, type History, type HistoryEvent, type Op } from '../../src/history/types.js';
import { historyIsUntimed } from '../../src/report/time.js';
import { appendModelArb, appendModelEvents } from '../support/append-model.js';
import { logModelArb, logReplicaEvents, type LogModelOptions } from './log-replica-model.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);
const PLANT_RUNS = Math.max(100, Math.floor(RUNS / 3));

function run(c: Checker, h: History, params?: Record<string, number>): CheckResult {
  return c.check(h, { maxAnomalies: 100_000, params }) as CheckResult;
}

function withRead(events: HistoryEvent[], op: Op, list: unknown[]): History {
  const copy = events.slice();
  copy[op.completeIndex] = { ...copy[op.completeIndex], value: list };
  return historyFromEvents(copy);
}

const okReads = (h: History) => h.ops.filter((o) => o.f === 'read' && o.type === 'ok');
const appendOf = (h: History) => new Map(h.ops.filter((o) => o.f === 'append').map((o) => [o.invokeValue, o]));
const listOf = (r: Op) => r.value as number[];

/** Both correct models, as (seed, events) pairs. */
const correctHistories = fc.oneof(
  appendModelArb.map(({ seed, options }) => appendModelEvents(seed, options)),
  logModelArb.map(({ seed, options }) => logReplicaEvents(seed, options)),
);

describe('histories of correct stores', () => {
  it('never yield a monotonic-writes or writes-follow-reads anomaly', () => {
    fc.assert(
      fc.property(correctHistories, (events) => {
        const h = historyFromEvents(events);
        for (const c of [monotonicWrites, writesFollowReads]) {
          const r = run(c, h);
          if (r.valid !== true) throw new Error(`${c.name}: ${JSON.stringify(r.anomalies[0])}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the log model has stale reads, restarts and cross-key pairs on one node', () => {
    const h = historyFromEvents(logReplicaEvents(3, { processes: 5, keys: 3, ops: 400, followers: 2, infoRate: 0.05, failRate: 0.05, restartRate: 0.02 }));
    expect(h.nemesis.some((e) => e.f === 'restart')).toBe(true);
    expect((run(boundedStaleness, h).staleness as { readsMissingAWrite: number }).readsMissingAWrite).toBeGreaterThan(20);
    expect(new Set(okReads(h).map((r) => `${r.node}/${r.key}`)).size).toBeGreaterThan(4);
  });
});

/** Brute force: each ok read's staleness (ns) and the earliest acknowledged write it lacks. */
function bruteStaleness(h: History): { read: Op; staleNs: number; missed?: Op }[] {
  const okAppends = h.ops.filter((o) => o.f === 'append' && o.type === 'ok');
  return okReads(h).map((read) => {
    const has = new Set(listOf(read));
    const lacks = okAppends.filter((a) => a.key === read.key && a.completeTime < read.invokeTime && !has.has(a.invokeValue as number));
    const missed = lacks.sort((a, b) => a.completeTime - b.completeTime)[0];
    return { read, staleNs: missed ? read.invokeTime - missed.completeTime : 0, missed };
  });
}

describe('bounded-staleness equals its definition', () => {
  it('the reads over the bound, the write each missed, the maximum and the never-seen writes', () => {
    fc.assert(
      fc.property(correctHistories, fc.integer({ min: 0, max: 8 }), (events, boundUs) => {
        const h = historyFromEvents(events);
        const maxStalenessMs = boundUs / 1000;
        const r = run(boundedStaleness, h, { maxStalenessMs });
        if (historyIsUntimed(h)) {
          expect([r.valid, r.staleness]).toEqual(['unknown', undefined]);
          return;
        }
        const brute = bruteStaleness(h);
        const over = brute.filter((b) => b.staleNs > maxStalenessMs * 1e6);
        expect(r.valid).toBe(over.length === 0);
        expect(r.anomalies.map((a) => a.ops)).toEqual(over.map((b) => [opIndex(b.missed!), opIndex(b.read)]));
        const st = r.staleness as { maxMs: number | null; readsMissingAWrite: number };
        expect(st.readsMissingAWrite).toBe(brute.filter((b) => b.missed).length);
        expect(st.maxMs).toBe(brute.length ? Math.round(Math.max(...brute.map((b) => b.staleNs)) / 1e3) / 1e3 : null);
        const seen = new Set(okReads(h).flatMap(listOf));
        const never = h.ops.filter((o) => o.f === 'append' && o.type === 'ok' && !seen.has(o.invokeValue as number)).map(opIndex);
        expect((r.timeToVisible as { neverSeen: number[] }).neverSeen).toEqual(never);
      }),
      { numRuns: PLANT_RUNS },
    );
  });
});

/** For the cross-key plants: the log model with enough ops, and no restarts. */
function crossKeyEvents({ seed, options }: { seed: number; options: LogModelOptions }): HistoryEvent[] {
  return logReplicaEvents(seed, { ...options, ops: Math.max(options.ops, 60), restartRate: 0 });
}

/**
 * The first read of `key` on R1's node to show v, when it began after R1 completed and no read of
 * that node and key completed before it showed v (so lacking v there is not the node going back).
 */
function firstShowing(reads: Op[], r1: Op, key: string, v: number): Op | undefined {
  const on = (o: Op) => o.node === r1.node && o.key === key && listOf(o).includes(v);
  const r2 = reads.find(on);
  if (r2 === undefined || r2.invokeTime <= r1.completeTime) return undefined;
  return reads.some((o) => on(o) && o.completeTime < r2.invokeTime) ? undefined : r2;
}

/** Whether a read of `key` on R1's node, invoked after R2 completed, still shows vb (the node held it after R2). */
function stillShown(reads: Op[], r1: Op, r2: Op, vb: number): boolean {
  return reads.some((o) => o.node === r1.node && o.key === r1.key && o.invokeTime > r2.completeTime && listOf(o).includes(vb));
}

/**
 * Drops v from R2 and checks: exactly one cross-key anomaly names R2, for v, and its R1 shows its b
 * on R2's node before R2 began; returns the anomaly's first op (the earlier write or read) and b.
 */
function plantedCrossKey(c: Checker, events: HistoryEvent[], r2: Op, v: number): Op[] {
  const m = withRead(events, r2, listOf(r2).filter((x) => x !== v));
  const cross = run(c, m).anomalies.filter((x) => x.rule === 'cross-key' && x.ops[3] === opIndex(r2));
  expect(cross.map((x) => x.missing)).toEqual([[v]]);
  const [first, b, r1, r2m, r3] = cross[0].ops.map((i) => m.ops.find((o) => opIndex(o) === i)!);
  expect([r1.node, r1.completeTime < r2m.invokeTime, listOf(r1).includes(b.invokeValue as number), b.key !== r2m.key]).toEqual([r2m.node, true, true, true]);
  expect([r3.node, r3.key, r3.invokeTime > r2m.completeTime, listOf(r3).includes(b.invokeValue as number)]).toEqual([r2m.node, b.key, true, true]);
  return [first, b];
}

describe('planted violations are found with their ops', () => {
  it('monotonic-writes: an earlier acknowledged append of the session dropped from a read that shows a later one', () => {
    fc.assert(
      fc.property(correctHistories, (events) => {
        const h = historyFromEvents(events);
        const byValue = appendOf(h);
        // A read R showing a, and after it b: the first element of a's session appended after a was acknowledged.
        let plant: { read: Op; a: Op; b: Op } | undefined;
        for (const read of okReads(h)) {
          const list = listOf(read);
          for (let i = 0; i < list.length && !plant; i++) {
            const a = byValue.get(list[i])!;
            if (a.type !== 'ok') continue;
            const later = list.slice(i + 1).map((v) => byValue.get(v)!);
            const b = later.find((x) => x.session === a.session && x.invokeTime > a.completeTime);
            if (b) plant = { read, a, b };
          }
          if (plant) break;
        }
        fc.pre(plant !== undefined);
        const { read, a, b } = plant!;
        const m = withRead(events, read, listOf(read).filter((v) => v !== a.invokeValue));
        const r = run(monotonicWrites, m);
        expect(r.valid).toBe(false);
        expect(r.anomalies.filter((x) => x.rule === 'same-key').map((x) => x.ops)).toEqual([[opIndex(a), opIndex(b), opIndex(read)]]);
      }),
      { numRuns: PLANT_RUNS },
    );
  });

  it('monotonic-writes across keys: a node that showed the later write loses the earlier one on the other key', () => {
    fc.assert(
      fc.property(logModelArb, (model) => {
        const events = crossKeyEvents(model);
        const h = historyFromEvents(events);
        const byValue = appendOf(h);
        const reads = okReads(h);
        // R1 on node N shows b; a (same session, other key) was ok before b was invoked; R2 on N, later, shows a; a read on N after R2 still shows b.
        let plant: { r2: Op; a: Op } | undefined;
        for (const r1 of reads) {
          for (const vb of listOf(r1)) {
            const b = byValue.get(vb)!;
            const a = h.ops.find((o) => o.f === 'append' && o.type === 'ok' && o.session === b.session && o.key !== b.key && o.completeTime < b.invokeTime);
            if (!a) continue;
            const r2 = firstShowing(reads, r1, a.key, a.invokeValue as number);
            if (r2 && stillShown(reads, r1, r2, vb)) plant = { r2, a };
            if (plant) break;
          }
          if (plant) break;
        }
        fc.pre(plant !== undefined);
        const { r2, a } = plant!;
        const [first, b] = plantedCrossKey(monotonicWrites, events, r2, a.invokeValue as number);
        expect([opIndex(first), b.session, b.invokeTime > a.completeTime]).toEqual([opIndex(a), a.session, true]);
      }),
      { numRuns: PLANT_RUNS },
    );
  });

  it('writes-follow-reads across keys: a node that showed the append loses, on the other key, what its session had read', () => {
    fc.assert(
      fc.property(logModelArb, (model) => {
        const events = crossKeyEvents(model);
        const h = historyFromEvents(events);
        const reads = okReads(h);
        const shows = (o: Op, v: number) => listOf(o).includes(v);
        // R0 by session S of K1 ends with a; S then appends b to K2; R1 on N shows b; R2, the first read of K1 on N to show a, comes after R1.
        let plant: { r2: Op; a: number } | undefined;
        for (const r0 of reads) {
          const a = listOf(r0)[listOf(r0).length - 1];
          if (a === undefined) continue;
          for (const b of h.ops.filter((o) => o.f === 'append' && o.session === r0.session && o.key !== r0.key && o.invokeTime > r0.completeTime)) {
            for (const r1 of reads.filter((o) => o.key === b.key && shows(o, b.invokeValue as number))) {
              const r2 = firstShowing(reads, r1, r0.key, a);
              if (r2 && stillShown(reads, r1, r2, b.invokeValue as number)) plant = { r2, a };
              if (plant) break;
            }
            if (plant) break;
          }
          if (plant) break;
        }
        fc.pre(plant !== undefined);
        const { r2, a } = plant!;
        const [seen, b] = plantedCrossKey(writesFollowReads, events, r2, a);
        expect([listOf(seen)[listOf(seen).length - 1], seen.session, seen.completeTime < b.invokeTime]).toEqual([a, b.session, true]);
      }),
      { numRuns: PLANT_RUNS },
    );
  });

  it('writes-follow-reads: what the session had read dropped from a read that shows its later append', () => {
    fc.assert(
      fc.property(correctHistories, (events) => {
        const h = historyFromEvents(events);
        const byValue = appendOf(h);
        const reads = okReads(h);
        // The earliest ok read by b's session of the key showing a, completed before b was invoked.
        const evidence = (a: number, b: Op) =>
          reads.filter((o) => o.session === b.session && o.key === b.key && o.completeTime < b.invokeTime && listOf(o).includes(a)).sort((x, y) => x.completeTime - y.completeTime)[0];
        let plant: { read: Op; b: Op; from: Op; va: number } | undefined;
        for (const read of reads) {
          const list = listOf(read);
          for (let i = 0; i < list.length && !plant; i++) {
            for (const vb of list.slice(i + 1)) {
              const b = byValue.get(vb)!;
              const from = evidence(list[i], b);
              if (from) {
                plant = { read, b, from, va: list[i] };
                break;
              }
            }
          }
          if (plant) break;
        }
        fc.pre(plant !== undefined);
        const { read, b, from, va } = plant!;
        const m = withRead(events, read, listOf(read).filter((v) => v !== va));
        const r = run(writesFollowReads, m);
        expect(r.valid).toBe(false);
        // One anomaly per session whose appends in the read needed a: b's is exactly this one.
        const same = r.anomalies.filter((x) => x.rule === 'same-key');
        expect(same.map((x) => x.ops)).toContainEqual([opIndex(from), opIndex(b), opIndex(read)]);
        // (the read a cross-key anomaly names as lacking a is its fourth op; a fifth shows the node still holding b)
        for (const x of r.anomalies) expect([x.rule === 'cross-key' ? x.ops[3] : x.ops[x.ops.length - 1], x.missing]).toEqual([opIndex(read), [va]]);
        expect(new Set(same.map((x) => m.ops.find((o) => opIndex(o) === x.ops[x.ops.length - 2])!.session)).size).toBe(same.length);
      }),
      { numRuns: PLANT_RUNS },
    );
  });
});
