// Property tests of the append checkers: histories of a correct linearizable store never yield an
// anomaly, and each planted anomaly is found with the planted ops among those named; histories of a
// correct store cut anywhere (no final reads; stale replicas too) never yield a lost write.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consistentPrefix } from '../../src/checkers/consistent-prefix.js';
import { convergence } from '../../src/checkers/convergence.js';
import { lostWrites } from '../../src/checkers/lost-writes.js';
import { monotonicReads } from '../../src/checkers/monotonic-reads.js';
import { readYourWritesUser } from '../../src/checkers/read-your-writes-user.js';
import { readYourWrites } from '../../src/checkers/read-your-writes.js';
import type { Checker, CheckResult } from '../../src/checkers/types.js';
import { historyFromEvents } from '../../src/history/builder.js';
import { opIndex, type History, type HistoryEvent, type Op } from '../../src/history/types.js';
import { appendModelArb, appendModelEvents } from '../support/append-model.js';
import { staleModelArb, staleReplicaEvents } from './stale-replica-model.js';

const APPEND_CHECKERS: Checker[] = [readYourWrites, readYourWritesUser, monotonicReads, lostWrites, consistentPrefix, convergence];
const RUNS = Number(process.env.PROPERTY_RUNS ?? 3000);
const MUTATION_RUNS = Math.max(100, Math.floor(RUNS / 3));

function run(c: Checker, h: History): CheckResult {
  return c.check(h, { maxAnomalies: 1000 }) as CheckResult;
}

/** Rebuilds the history with one op's completion value replaced. */
function withRead(events: HistoryEvent[], op: Op, list: unknown[]): History {
  const copy = events.slice();
  copy[op.completeIndex] = { ...copy[op.completeIndex], value: list };
  return historyFromEvents(copy);
}

function okReads(h: History): Op[] {
  return h.ops.filter((o) => o.f === 'read' && o.type === 'ok');
}

function okAppends(h: History): Op[] {
  return h.ops.filter((o) => o.f === 'append' && o.type === 'ok');
}

/** Some anomaly of the result names every one of `indices`. */
function namesAll(r: CheckResult, indices: number[]): boolean {
  return r.anomalies.some((a) => indices.every((i) => a.ops.includes(i)));
}

describe('append checkers on histories of a correct store', () => {
  it('find no anomaly', () => {
    fc.assert(
      fc.property(appendModelArb, ({ seed, options }) => {
        const h = historyFromEvents(appendModelEvents(seed, options));
        for (const c of APPEND_CHECKERS) {
          const r = run(c, h);
          if (r.valid !== true) throw new Error(`${c.name}: ${JSON.stringify(r.anomalies[0])}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the model produces the interesting cases (info, fail, users with several sessions, final reads)', () => {
    const h = historyFromEvents(appendModelEvents(7, { ops: 400, infoRate: 0.1, failRate: 0.1, processes: 5, users: 2 }));
    expect(h.ops.some((o) => o.type === 'info' && o.completeIndex < 0)).toBe(true);
    expect(h.ops.some((o) => o.type === 'info' && o.completeIndex >= 0)).toBe(true);
    expect(h.ops.some((o) => o.type === 'fail')).toBe(true);
    expect(h.hasFinalReads).toBe(true);
    expect(new Set(h.ops.filter((o) => o.user === 'u0').map((o) => o.session)).size).toBeGreaterThan(1);
  });
});

describe('planted anomalies are found', () => {
  it('read-your-writes: an own acknowledged element dropped from a later read', () => {
    fc.assert(
      fc.property(appendModelArb, ({ seed, options }) => {
        const events = appendModelEvents(seed, { ...options, ops: Math.max(options.ops, 20) });
        const h = historyFromEvents(events);
        const pair = findPair(h, (a, r) => a.session === r.session && !r.final);
        fc.pre(pair !== undefined);
        const [a, r] = pair!;
        const m = withRead(events, r, (r.value as unknown[]).filter((x) => x !== a.invokeValue));
        const res = run(readYourWrites, m);
        expect(res.valid).toBe(false);
        expect(namesAll(res, [opIndex(a), opIndex(r)])).toBe(true);
        expect(namesAll(run(readYourWritesUser, m), [opIndex(a), opIndex(r)])).toBe(true);
      }),
      { numRuns: MUTATION_RUNS },
    );
  });

  it('read-your-writes-user: another session of the same user misses the element', () => {
    fc.assert(
      fc.property(appendModelArb, ({ seed, options }) => {
        const events = appendModelEvents(seed, { ...options, ops: Math.max(options.ops, 30), processes: Math.max(options.processes, 3), users: 1 });
        const h = historyFromEvents(events);
        const pair = findPair(h, (a, r) => a.session !== r.session && a.user === r.user && r.user !== undefined);
        fc.pre(pair !== undefined);
        const [a, r] = pair!;
        const m = withRead(events, r, (r.value as unknown[]).filter((x) => x !== a.invokeValue));
        const res = run(readYourWritesUser, m);
        expect(res.valid).toBe(false);
        expect(namesAll(res, [opIndex(a), opIndex(r)])).toBe(true);
        // Not the session's own write: plain read-your-writes does not blame this read for it.
        expect(run(readYourWrites, m).anomalies.some((x) => x.ops.includes(opIndex(a)) && x.ops.includes(opIndex(r)))).toBe(false);
      }),
      { numRuns: MUTATION_RUNS },
    );
  });

  it("monotonic-reads: a session's two reads swapped", () => {
    fc.assert(
      fc.property(appendModelArb, ({ seed, options }) => {
        const events = appendModelEvents(seed, { ...options, ops: Math.max(options.ops, 20) });
        const h = historyFromEvents(events);
        const reads = okReads(h).filter((r) => !r.final);
        let found: [Op, Op] | undefined;
        for (const r1 of reads) {
          const r2 = reads.find((x) => x.session === r1.session && x.key === r1.key && r1.completeTime < x.invokeTime && (x.value as unknown[]).length > (r1.value as unknown[]).length);
          if (r2) {
            found = [r1, r2];
            break;
          }
        }
        fc.pre(found !== undefined);
        const [r1, r2] = found!;
        const swapped = events.slice();
        swapped[r1.completeIndex] = { ...swapped[r1.completeIndex], value: r2.value };
        swapped[r2.completeIndex] = { ...swapped[r2.completeIndex], value: r1.value };
        const res = run(monotonicReads, historyFromEvents(swapped));
        expect(res.valid).toBe(false);
        expect(namesAll(res, [opIndex(r1), opIndex(r2)])).toBe(true);
      }),
      { numRuns: MUTATION_RUNS },
    );
  });

  it('lost-writes: an acknowledged element dropped from the final reads', () => {
    fc.assert(
      fc.property(appendModelArb, ({ seed, options }) => {
        const events = appendModelEvents(seed, { ...options, ops: Math.max(options.ops, 10), finalReads: true });
        const h = historyFromEvents(events);
        const a = okAppends(h)[0];
        fc.pre(a !== undefined);
        const copy = events.slice();
        for (const r of okReads(h).filter((x) => x.final && x.key === a.key)) {
          copy[r.completeIndex] = { ...copy[r.completeIndex], value: (r.value as unknown[]).filter((x) => x !== a.invokeValue) };
        }
        const res = run(lostWrites, historyFromEvents(copy));
        expect(res.valid).toBe(false);
        expect(res.rule).toBe('final-reads');
        expect(namesAll(res, [opIndex(a)])).toBe(true);
      }),
      { numRuns: MUTATION_RUNS },
    );
  });

  it('lost-writes without final reads: dropped from every read of its key while a read shows a later append', () => {
    fc.assert(
      fc.property(appendModelArb, ({ seed, options }) => {
        const events = appendModelEvents(seed, { ...options, ops: Math.max(options.ops, 20), finalReads: false });
        const h = historyFromEvents(events);
        const invokedAt = new Map(h.ops.filter((o) => o.f === 'append' && o.type !== 'fail').map((o) => [`${o.key}/${String(o.invokeValue)}`, o.invokeTime]));
        let found: [Op, Op] | undefined;
        for (const a of okAppends(h)) {
          const r = okReads(h).find((x) => x.key === a.key && (x.value as unknown[]).some((e) => (invokedAt.get(`${a.key}/${String(e)}`) ?? -1) > a.completeTime));
          if (r) {
            found = [a, r];
            break;
          }
        }
        fc.pre(found !== undefined);
        const [a] = found!;
        const copy = events.slice();
        for (const r of okReads(h).filter((x) => x.key === a.key)) {
          copy[r.completeIndex] = { ...copy[r.completeIndex], value: (r.value as unknown[]).filter((x) => x !== a.invokeValue) };
        }
        const res = run(lostWrites, historyFromEvents(copy));
        expect(res.valid).toBe(false);
        expect(res.rule).toBe('evidence');
        expect(res.anomalies.some((x) => x.ops[0] === opIndex(a))).toBe(true);
      }),
      { numRuns: MUTATION_RUNS },
    );
  });

  it('consistent-prefix: a read whose last two elements are swapped forks', () => {
    fc.assert(
      fc.property(appendModelArb, ({ seed, options }) => {
        const events = appendModelEvents(seed, { ...options, ops: Math.max(options.ops, 20), finalReads: true });
        const h = historyFromEvents(events);
        const r = okReads(h).find((x) => !x.final && (x.value as unknown[]).length >= 2);
        fc.pre(r !== undefined);
        const list = (r!.value as unknown[]).slice();
        [list[list.length - 2], list[list.length - 1]] = [list[list.length - 1], list[list.length - 2]];
        const res = run(consistentPrefix, withRead(events, r!, list));
        expect(res.valid).toBe(false);
        expect(res.anomalies.some((a) => a.type === 'fork' && a.ops.includes(opIndex(r!)))).toBe(true);
      }),
      { numRuns: MUTATION_RUNS },
    );
  });

  it("consistent-prefix: a failed append's element shown in a read", () => {
    fc.assert(
      fc.property(appendModelArb, ({ seed, options }) => {
        const events = appendModelEvents(seed, { ...options, ops: Math.max(options.ops, 30), failRate: 0.2 });
        const h = historyFromEvents(events);
        const failed = h.ops.find((o) => o.f === 'append' && o.type === 'fail');
        fc.pre(failed !== undefined);
        const r = okReads(h).find((x) => x.key === failed!.key && x.invokeTime > failed!.invokeTime);
        fc.pre(r !== undefined);
        const res = run(consistentPrefix, withRead(events, r!, [...(r!.value as unknown[]), failed!.invokeValue]));
        expect(res.valid).toBe(false);
        expect(res.anomalies.some((a) => a.type === 'failed-append-read' && a.ops.includes(opIndex(failed!)) && a.ops.includes(opIndex(r!)))).toBe(true);
      }),
      { numRuns: MUTATION_RUNS },
    );
  });

  it('convergence: one final read disagrees', () => {
    fc.assert(
      fc.property(appendModelArb, ({ seed, options }) => {
        const events = appendModelEvents(seed, { ...options, ops: Math.max(options.ops, 10), finalReads: true, nodes: Math.max(options.nodes, 2) });
        const h = historyFromEvents(events);
        const r = okReads(h).find((x) => x.final && (x.value as unknown[]).length > 0);
        fc.pre(r !== undefined);
        const res = run(convergence, withRead(events, r!, (r!.value as unknown[]).slice(0, -1)));
        expect(res.valid).toBe(false);
        expect(namesAll(res, [opIndex(r!)])).toBe(true);
      }),
      { numRuns: MUTATION_RUNS },
    );
  });
});

describe('lost-writes on histories of a correct store cut anywhere (no final reads)', () => {
  it('a linearizable store: no lost write', () => {
    fc.assert(
      fc.property(appendModelArb, fc.nat(), ({ seed, options }, cut) => {
        const events = appendModelEvents(seed, { ...options, finalReads: false });
        const h = historyFromEvents(events.slice(0, cut % (events.length + 1)));
        const r = run(lostWrites, h);
        if (r.count !== 0) throw new Error(JSON.stringify(r.anomalies[0]));
      }),
      { numRuns: RUNS },
    );
  });

  it('an async store whose followers serve stale prefixes (a Ctrl-C\'d run): no lost write, no fork', () => {
    fc.assert(
      fc.property(staleModelArb, fc.nat(), ({ seed, options }, cut) => {
        const events = staleReplicaEvents(seed, options);
        const h = historyFromEvents(events.slice(0, cut % (events.length + 1)));
        for (const c of [lostWrites, consistentPrefix]) {
          const r = run(c, h);
          if (r.count !== 0) throw new Error(`${c.name}: ${JSON.stringify(r.anomalies[0])}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the async model makes the case the last-read rule got wrong: acknowledged writes missing from a stale last read', () => {
    let stale = 0;
    for (let seed = 0; seed < 100; seed++) {
      const h = historyFromEvents(staleReplicaEvents(seed, { processes: 4, keys: 2, ops: 60, followers: 2, infoRate: 0.05 }));
      const nr = run(lostWrites, h).neverRead as { acknowledgedBeforeLastRead: number };
      if (nr.acknowledgedBeforeLastRead > 0) stale++;
    }
    expect(stale).toBeGreaterThan(10);
  });
});

/** The first (ok append, later ok read of its key containing the element) pair that fits. */
function findPair(h: History, fits: (a: Op, r: Op) => boolean): [Op, Op] | undefined {
  const reads = okReads(h);
  for (const a of okAppends(h)) {
    for (const r of reads) {
      if (r.key === a.key && a.completeTime < r.invokeTime && fits(a, r) && (r.value as unknown[]).includes(a.invokeValue)) return [a, r];
    }
  }
  return undefined;
}
