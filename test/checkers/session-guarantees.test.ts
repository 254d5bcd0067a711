// Unit tests of monotonic-writes, writes-follow-reads and bounded-staleness on small hand-written
// histories: each subtle case with its concrete verdict and the exact ops named.

import { describe, expect, it } from 'vitest';
import { boundedStaleness } from '../../src/checkers/bounded-staleness.js';
import { monotonicWrites } from '../../src/checkers/monotonic-writes.js';
import { CHECKERS, selectCheckers } from '../../src/checkers/registry.js';
import type { Checker, CheckOptions, CheckResult } from '../../src/checkers/types.js';
import { writesFollowReads } from '../../src/checkers/writes-follow-reads.js';
import { UserError } from '../../src/errors.js';
import { historyFromEvents } from '../../src/history/builder.js';
import type { History } from '../../src/history/types.js';
import { eventsOf, historyOf, indexOf, type OpSpec } from '../support/ops.js';

function run(c: Checker, h: History, opts: CheckOptions = {}): CheckResult {
  return c.check(h, opts) as CheckResult;
}

/** The verdict, and the ops of every anomaly, as history indices of the given specs. */
function outcome(c: Checker, specs: OpSpec[], opts: CheckOptions = {}) {
  const h = historyOf(specs);
  const r = run(c, h, opts);
  const at = (i: number) => indexOf(h, specs, i);
  return { r, at, ops: r.anomalies.map((a) => a.ops) };
}

// Session a appends 1 then 2 to x; the second is invoked after the first is acknowledged.
const twoAppends: OpSpec[] = [
  { p: 1, s: 'a', f: 'append', k: 'x', v: 1, t0: 0, t1: 10 },
  { p: 1, s: 'a', f: 'append', k: 'x', v: 2, t0: 20, t1: 30 },
];

describe('monotonic-writes, same key', () => {
  it('a read that shows b without a names a, b and the read', () => {
    const specs = [...twoAppends, { p: 2, s: 'b', f: 'read', k: 'x', r: [2], t0: 40, t1: 50, node: 'n2' } as OpSpec];
    const { r, at, ops } = outcome(monotonicWrites, specs);
    expect([r.valid, r.count]).toEqual([false, 1]);
    expect(ops).toEqual([[at(0), at(1), at(2)]]);
    expect(r.anomalies[0]).toMatchObject({ rule: 'same-key', missing: [1], outOfOrder: [] });
    expect(r.anomalies[0].explanation).toBe(
      "session a appended 1 to x (ok at 0.010 s) and then 2 (invoked at 0.020 s), but the read at 0.040 s from n2 returned [2], which shows 2 without 1; a session's writes must be applied in the order it issued them",
    );
  });

  it('a read that shows b before a', () => {
    const specs = [...twoAppends, { p: 2, f: 'read', k: 'x', r: [2, 1], t0: 40, t1: 50 } as OpSpec];
    const { r, at, ops } = outcome(monotonicWrites, specs);
    expect(ops).toEqual([[at(0), at(1), at(2)]]);
    expect(r.anomalies[0]).toMatchObject({ missing: [], outOfOrder: [1] });
    expect(r.anomalies[0].explanation).toContain('which shows 2 before 1');
  });

  it('a read with both in order, or with neither, or with a only, is fine', () => {
    for (const list of [[1, 2], [], [1]]) {
      const { r } = outcome(monotonicWrites, [...twoAppends, { f: 'read', k: 'x', r: list, t0: 40, t1: 50 }]);
      expect([list, r.valid]).toEqual([list, true]);
    }
  });

  it('concurrent appends of one session (two processes) are not ordered', () => {
    const specs: OpSpec[] = [
      { p: 1, s: 'a', f: 'append', k: 'x', v: 1, t0: 0, t1: 30 },
      { p: 2, s: 'a', f: 'append', k: 'x', v: 2, t0: 20, t1: 40 }, // invoked before 1 was acknowledged
      { p: 3, f: 'read', k: 'x', r: [2], t0: 50, t1: 60 },
      { p: 4, f: 'read', k: 'x', r: [2, 1], t0: 50, t1: 60 },
    ];
    expect(outcome(monotonicWrites, specs).r.valid).toBe(true);
  });

  it('an info append is never evidence, nor is a failed one', () => {
    for (const type of ['info', 'fail'] as const) {
      const specs: OpSpec[] = [
        { p: 1, s: 'a', f: 'append', k: 'x', v: 1, t0: 0, t1: 10, type },
        { p: 9, s: 'a', f: 'append', k: 'x', v: 2, t0: 20, t1: 30 },
        { p: 2, f: 'read', k: 'x', r: [2], t0: 40, t1: 50 },
      ];
      expect([type, outcome(monotonicWrites, specs).r.valid]).toEqual([type, true]);
    }
  });

  it('a failed later append shown by a read is not its anomaly (consistent-prefix reports it)', () => {
    const specs: OpSpec[] = [twoAppends[0], { ...twoAppends[1], type: 'fail' }, { p: 2, f: 'read', k: 'x', r: [2], t0: 40, t1: 50 }];
    expect(outcome(monotonicWrites, specs).r.valid).toBe(true);
  });

  it('an info later append that a read shows still needs the earlier one', () => {
    const specs: OpSpec[] = [twoAppends[0], { ...twoAppends[1], type: 'info' }, { p: 2, f: 'read', k: 'x', r: [2], t0: 40, t1: 50 }];
    const { r, at, ops } = outcome(monotonicWrites, specs);
    expect([r.valid, ops]).toEqual([false, [[at(0), at(1), at(2)]]]);
  });

  it('on a key whose reads fork the same rule holds (each read walked on its own)', () => {
    const specs: OpSpec[] = [
      ...twoAppends,
      { p: 3, s: 'c', f: 'append', k: 'x', v: 7, t0: 0, t1: 5 },
      { p: 2, f: 'read', k: 'x', r: [7, 1, 2], t0: 40, t1: 50 },
      { p: 4, f: 'read', k: 'x', r: [2, 7], t0: 41, t1: 51 }, // a fork, and 2 without 1
    ];
    const { r, at, ops } = outcome(monotonicWrites, specs);
    expect(ops).toEqual([[at(0), at(1), at(4)]]);
    expect(r.count).toBe(1);
  });
});

describe('monotonic-writes, across keys on one node', () => {
  // Session a appends 1 to x, then 2 to y. n2 shows 2 in y, then (later) lacks 1 in x.
  const base: OpSpec[] = [
    { p: 1, s: 'a', f: 'append', k: 'x', v: 1, t0: 0, t1: 10 },
    { p: 1, s: 'a', f: 'append', k: 'y', v: 2, t0: 20, t1: 30 },
    { p: 2, s: 'b', f: 'read', k: 'y', r: [2], t0: 40, t1: 50, node: 'n2' },
  ];

  // n2 still shows 2 in y after the read of x that lacks 1: it held 2 without 1.
  const still: OpSpec = { p: 4, s: 'd', f: 'read', k: 'y', r: [2], t0: 80, t1: 85, node: 'n2' };

  it('a later read of the other key on the same node lacking the earlier write, while the node still shows the later one', () => {
    const specs = [...base, { p: 3, s: 'c', f: 'read', k: 'x', r: [], t0: 60, t1: 70, node: 'n2' } as OpSpec, still];
    const { r, at, ops } = outcome(monotonicWrites, specs);
    expect([r.valid, r.count, r.sameKey, r.crossKey]).toEqual([false, 1, 0, 1]);
    expect(ops).toEqual([[at(0), at(1), at(2), at(3), at(4)]]);
    expect(r.anomalies[0]).toMatchObject({ rule: 'cross-key', node: 'n2', key: 'x', missing: [1] });
    expect(r.anomalies[0].explanation).toBe(
      'session a appended 1 to x (ok at 0.010 s) and then 2 to y (invoked at 0.020 s); the read of y on n2 (ok at 0.050 s) showed 2, but the later read of x on n2 at 0.060 s returned [], which lacks 1, while the read of y on n2 at 0.080 s still showed 2; a node that applied a session\'s later write must already have applied its earlier ones',
    );
  });

  it('is no evidence when nothing shows the node still holding the later write (a node that went back, e.g. a demoted and resynced primary, lost both)', () => {
    const lacking = { p: 3, s: 'c', f: 'read', k: 'x', r: [], t0: 60, t1: 70, node: 'n2' } as OpSpec;
    expect(outcome(monotonicWrites, [...base, lacking]).r.valid).toBe(true);
    expect(outcome(monotonicWrites, [...base, lacking, { ...still, r: [] }]).r.valid).toBe(true);
    expect(outcome(monotonicWrites, [...base, lacking, { ...still, t0: 65 }]).r.valid).toBe(true); // overlaps the read of x
    expect(outcome(monotonicWrites, [...base, lacking, { ...still, node: 'n3' }]).r.valid).toBe(true);
  });

  it('is not evidence on another node, for a read overlapping the first, or across a nemesis event that may concern the node', () => {
    const later = (o: Partial<OpSpec>): OpSpec => ({ p: 3, s: 'c', f: 'read', k: 'x', r: [], t0: 60, t1: 70, node: 'n2', ...o });
    expect(outcome(monotonicWrites, [...base, later({ node: 'n3' }), still]).r.valid).toBe(true);
    expect(outcome(monotonicWrites, [...base, later({ t0: 45 }), still]).r.valid).toBe(true);
    const events = eventsOf([...base, later({}), still]);
    for (const value of [{ node: 'n2' }, null, { groups: [['n1'], ['n2', 'n3']] }]) {
      const withFault = [...events.slice(0, 6), { index: 6, time: 55_000_000, process: 'nemesis', type: 'info', f: 'restart', value }, ...events.slice(6).map((e) => ({ ...e, index: e.index + 1 }))];
      expect([value, run(monotonicWrites, historyFromEvents(withFault as never)).valid]).toEqual([value, true]);
    }
    // An event naming another node is no barrier for n2.
    const other = [...events.slice(0, 6), { index: 6, time: 55_000_000, process: 'nemesis', type: 'info', f: 'kill', value: { node: 'n3' } }, ...events.slice(6).map((e) => ({ ...e, index: e.index + 1 }))];
    expect(run(monotonicWrites, historyFromEvents(other as never)).valid).toBe(false);
  });

  it('needs the earlier write to have been acknowledged before the later was invoked', () => {
    const specs: OpSpec[] = [{ ...base[0], p: 5, t1: 25 }, base[1], base[2], { p: 3, f: 'read', k: 'x', r: [], t0: 60, t1: 70, node: 'n2' }, still];
    expect(outcome(monotonicWrites, specs).r.valid).toBe(true);
  });
});

describe('writes-follow-reads', () => {
  // Session a reads [1] of x, then appends 2 to x.
  const base: OpSpec[] = [
    { p: 9, s: 'w', f: 'append', k: 'x', v: 1, t0: 0, t1: 10 },
    { p: 1, s: 'a', f: 'read', k: 'x', r: [1], t0: 20, t1: 30, node: 'n1' },
    { p: 1, s: 'a', f: 'append', k: 'x', v: 2, t0: 40, t1: 50 },
  ];

  it('a read that shows the append without what its session had read', () => {
    const specs = [...base, { p: 2, s: 'b', f: 'read', k: 'x', r: [2], t0: 60, t1: 70, node: 'n2' } as OpSpec];
    const { r, at, ops } = outcome(writesFollowReads, specs);
    expect([r.valid, r.count]).toEqual([false, 1]);
    expect(ops).toEqual([[at(1), at(2), at(3)]]);
    expect(r.anomalies[0].explanation).toBe(
      'session a read [1] from x on n1 (ok at 0.030 s) and then appended 2 (invoked at 0.040 s), but the read at 0.060 s from n2 returned [2], which shows 2 without 1; a write must be ordered after the writes its session had read',
    );
  });

  it('or before it', () => {
    const { r, at, ops } = outcome(writesFollowReads, [...base, { p: 2, f: 'read', k: 'x', r: [2, 1], t0: 60, t1: 70 }]);
    expect([r.valid, ops, r.anomalies[0].outOfOrder]).toEqual([false, [[at(1), at(2), at(3)]], [1]]);
  });

  it('a read that had not completed when the append was invoked is not evidence, nor is one that did not complete ok', () => {
    const overlap: OpSpec[] = [base[0], { ...base[1], p: 5, t1: 45 }, base[2], { p: 2, f: 'read', k: 'x', r: [2], t0: 60, t1: 70 }];
    expect(outcome(writesFollowReads, overlap).r.valid).toBe(true);
    const info: OpSpec[] = [base[0], { ...base[1], p: 5, type: 'info' }, { ...base[2], p: 6 }, { p: 2, f: 'read', k: 'x', r: [2], t0: 60, t1: 70 }];
    expect(outcome(writesFollowReads, info).r.valid).toBe(true);
  });

  it('a read with both in order is fine; another session\'s read is not its evidence', () => {
    expect(outcome(writesFollowReads, [...base, { f: 'read', k: 'x', r: [1, 2], t0: 60, t1: 70 }]).r.valid).toBe(true);
    const other: OpSpec[] = [base[0], { ...base[1], s: 'z', p: 7 }, base[2], { f: 'read', k: 'x', r: [2], t0: 60, t1: 70 }];
    expect(outcome(writesFollowReads, other).r.valid).toBe(true);
  });
});

describe('writes-follow-reads, across keys on one node', () => {
  // Session a reads [1] of x, then appends 2 to y; n2 shows 2 in y, then (later) lacks 1 in x.
  const base: OpSpec[] = [
    { p: 9, s: 'w', f: 'append', k: 'x', v: 1, t0: 0, t1: 10 },
    { p: 1, s: 'a', f: 'read', k: 'x', r: [1], t0: 20, t1: 30, node: 'n1' },
    { p: 1, s: 'a', f: 'append', k: 'y', v: 2, t0: 40, t1: 50 },
    { p: 2, s: 'b', f: 'read', k: 'y', r: [2], t0: 60, t1: 70, node: 'n2' },
  ];
  const later = (o: Partial<OpSpec> = {}): OpSpec => ({ p: 3, s: 'c', f: 'read', k: 'x', r: [], t0: 80, t1: 90, node: 'n2', ...o });
  // n2 still shows 2 in y after it: it held 2 without 1.
  const still: OpSpec = { p: 6, s: 'e', f: 'read', k: 'y', r: [2], t0: 100, t1: 105, node: 'n2' };

  it('a later read of the read key on the same node lacking what the session had read, while the node still shows the append', () => {
    const { r, at, ops } = outcome(writesFollowReads, [...base, later(), still]);
    expect([r.valid, r.count, r.sameKey, r.crossKey]).toEqual([false, 1, 0, 1]);
    expect(ops).toEqual([[at(1), at(2), at(3), at(4), at(5)]]);
    expect(r.anomalies[0]).toMatchObject({ rule: 'cross-key', node: 'n2', key: 'x', missing: [1] });
    expect(r.anomalies[0].explanation).toBe(
      'session a read [1] from x on n1 (ok at 0.030 s) and then appended 2 to y (invoked at 0.040 s); the read of y on n2 (ok at 0.070 s) showed 2, but the later read of x on n2 at 0.080 s returned [], which lacks 1, while the read of y on n2 at 0.100 s still showed 2; a node that applied a write must already have applied what its session had read before writing it',
    );
  });

  it('is not evidence on another node, when the node had shown the element before, or for a read the append overlapped', () => {
    expect(outcome(writesFollowReads, [...base, later({ node: 'n3' }), still]).r.valid).toBe(true);
    expect(outcome(writesFollowReads, [...base, later()]).r.valid).toBe(true); // nothing shows n2 still holding 2
    expect(outcome(writesFollowReads, [...base, later(), { ...still, r: [] }]).r.valid).toBe(true); // n2 went back: lost both
    const shownBefore: OpSpec = { p: 4, s: 'd', f: 'read', k: 'x', r: [1], t0: 55, t1: 58, node: 'n2' };
    expect(outcome(writesFollowReads, [...base, shownBefore, later(), still]).r.valid).toBe(true); // n2 going back: not this checker's
    const overlapping: OpSpec[] = [base[0], { ...base[1], t1: 45, p: 5 }, base[2], base[3], later(), still];
    expect(outcome(writesFollowReads, overlapping).r.valid).toBe(true);
  });
});

describe('bounded-staleness', () => {
  const specs: OpSpec[] = [
    { p: 1, s: 'a', f: 'append', k: 'x', v: 1, t0: 0, t1: 100, node: 'n1' },
    { p: 1, s: 'a', f: 'append', k: 'x', v: 2, t0: 200, t1: 300, node: 'n1' },
    { p: 2, f: 'read', k: 'x', r: [1], t0: 700, t1: 710, node: 'n2' }, // lacks 2: 400 ms stale
    { p: 3, f: 'read', k: 'x', r: [], t0: 250, t1: 260, node: 'n3' }, // lacks 1: 150 ms (2 is concurrent)
    { p: 4, f: 'read', k: 'x', r: [1, 2], t0: 800, t1: 820, node: 'n2' }, // lacks nothing
    { p: 5, s: 'b', f: 'append', k: 'x', v: 3, t0: 850, t1: 900, type: 'info' }, // never owed
    { p: 6, f: 'read', k: 'x', r: [1, 2], t0: 1000, t1: 1010, node: 'n3' },
    { p: 7, s: 'c', f: 'append', k: 'y', v: 9, t0: 0, t1: 10 }, // never seen
  ];

  it('fails on a read staler than the bound, naming the missed write and the read', () => {
    const { r, at, ops } = outcome(boundedStaleness, specs, { params: { maxStalenessMs: 200 } });
    expect([r.valid, r.count, r.maxStalenessMs, r.boundFrom]).toEqual([false, 1, 200, 'option']);
    expect(ops).toEqual([[at(1), at(2)]]);
    expect(r.anomalies[0]).toMatchObject({ stalenessMs: 400, key: 'x' });
    expect(r.anomalies[0].explanation).toBe('the read of x at 0.700 s from n2 returned [1], which lacks 2 (appended by session a, ok at 0.300 s): 400 ms stale, over the bound of 200 ms');
  });

  it('holds under a looser bound, and carries the distributions', () => {
    const { r, at } = outcome(boundedStaleness, specs, { params: { maxStalenessMs: 400 } });
    expect(r.valid).toBe(true);
    expect(r.staleness).toEqual({
      readsMissingAWrite: 2,
      count: 4,
      p50Ms: 0, // staleness 0, 0, 150, 400: the nearest rank
      p99Ms: 400,
      maxMs: 400,
      byNode: { n2: { count: 2, p50Ms: 0, p99Ms: 400, maxMs: 400 }, n3: { count: 2, p50Ms: 0, p99Ms: 150, maxMs: 150 } },
    });
    // 1: first shown by the read ok at 0.710 s (610 ms); 2 by the one ok at 0.820 s (520 ms); 9 never.
    expect(r.timeToVisible).toEqual({ writes: 3, count: 2, p50Ms: 520, p99Ms: 610, maxMs: 610, neverSeen: [at(7)], perWrite: { ops: [at(0), at(7), at(1)], visibleMs: [610, null, 520] } }); // in invoke order
  });

  it('uses the default bound of 1000 ms when none is given', () => {
    const { r } = outcome(boundedStaleness, specs);
    expect([r.valid, r.maxStalenessMs, r.boundFrom]).toEqual([true, 1000, 'default']);
  });

  it('an untimed history is unknown with a reason, never a number', () => {
    const events = eventsOf(specs).map((e) => ({ ...e, time: e.index }));
    const r = run(boundedStaleness, historyFromEvents(events));
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/records no times/);
    expect(r.staleness).toBeUndefined();
  });
});

describe('the registry', () => {
  it('runs monotonic-writes and writes-follow-reads by default on append histories, bounded-staleness only when named', () => {
    const names = selectCheckers(undefined, 'append').map((c) => c.name);
    expect(names).toContain('monotonic-writes');
    expect(names).toContain('writes-follow-reads');
    expect(names).not.toContain('bounded-staleness');
    expect(selectCheckers(undefined, 'register').map((c) => c.name)).toEqual(['linearizable']);
    expect(CHECKERS.map((c) => c.name)).toEqual(expect.arrayContaining(['monotonic-writes', 'writes-follow-reads', 'bounded-staleness']));
  });

  it('passes a checker its options from the spec name:option=value', async () => {
    const h = historyOf(specs200());
    const [c] = selectCheckers('bounded-staleness:maxStalenessMs=200', 'append');
    expect(c.name).toBe('bounded-staleness');
    expect((await c.check(h)).valid).toBe(false);
    const [loose] = selectCheckers(['bounded-staleness: maxStalenessMs = 5000'], 'append');
    expect(await loose.check(h)).toMatchObject({ valid: true, maxStalenessMs: 5000 });
  });

  it('rejects an unknown option or a bad value, naming the field', () => {
    const err = (spec: string) => {
      try {
        selectCheckers(spec, 'append', 'checkers');
      } catch (e) {
        return e as UserError;
      }
      throw new Error('no error');
    };
    expect(err('bounded-staleness:maxStaleness=5').message).toBe(
      'checker bounded-staleness: unknown option "maxStaleness=5" (write bounded-staleness:option=value); it takes maxStalenessMs (the bound, ms, default 1000)',
    );
    expect(err('bounded-staleness:maxStalenessMs=-1').message).toBe('checker bounded-staleness: maxStalenessMs must be a number >= 0, got "-1"');
    expect(err('monotonic-writes:x=1').message).toMatch(/it takes none$/);
    expect(err('bounded-staleness:maxStalenessMs=abc').field).toBe('checkers');
  });
});

function specs200(): OpSpec[] {
  return [
    { p: 1, f: 'append', k: 'x', v: 1, t0: 0, t1: 100 },
    { p: 2, f: 'read', k: 'x', r: [], t0: 400, t1: 410 },
  ];
}
