// Unit tests of the list-append checkers on small hand-written histories, subtle cases included.

import { describe, expect, it } from 'vitest';
import { consistentPrefix } from '../../src/checkers/consistent-prefix.js';
import { convergence } from '../../src/checkers/convergence.js';
import { lostWrites } from '../../src/checkers/lost-writes.js';
import { monotonicReads } from '../../src/checkers/monotonic-reads.js';
import { readYourWritesUser } from '../../src/checkers/read-your-writes-user.js';
import { readYourWrites } from '../../src/checkers/read-your-writes.js';
import { CHECKERS, selectCheckers } from '../../src/checkers/registry.js';
import type { Checker, CheckResult } from '../../src/checkers/types.js';
import { historyOf, indexOf, type OpSpec } from '../support/ops.js';

function check(c: Checker, specs: OpSpec[], maxAnomalies?: number): CheckResult {
  return c.check(historyOf(specs), { maxAnomalies }) as CheckResult;
}

describe('registry', () => {
  it('lists the six append checkers for the append workload only', () => {
    const names = selectCheckers(undefined, 'append').map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['read-your-writes', 'read-your-writes-user', 'monotonic-reads', 'lost-writes', 'consistent-prefix', 'convergence']));
    for (const c of CHECKERS.filter((x) => names.includes(x.name))) expect(c.appliesTo('register')).toBe(false);
  });
});

describe('read-your-writes', () => {
  const base: OpSpec[] = [
    { p: 0, s: 's3', f: 'append', k: 'k2', v: 17, t0: 1000, t1: 1204, node: 'n1' },
    { p: 0, s: 's3', f: 'read', k: 'k2', t0: 1300, t1: 1310, r: [3, 5], node: 'n2' },
    { p: 1, s: 's1', f: 'append', k: 'k2', v: 3, t0: 900, t1: 950 },
    { p: 1, s: 's1', f: 'append', k: 'k2', v: 5, t0: 960, t1: 990 },
  ];

  it("reports a read lacking the session's own acknowledged append, naming both ops with times, node and values", () => {
    const h = historyOf(base);
    const r = readYourWrites.check(h) as CheckResult;
    expect(r.valid).toBe(false);
    expect(r.count).toBe(1);
    const a = r.anomalies[0];
    expect(a.type).toBe('read-your-writes');
    expect(a.key).toBe('k2');
    expect(a.ops).toEqual([indexOf(h, base, 0), indexOf(h, base, 1)]);
    expect(a.explanation).toContain('session s3 appended 17 to k2 (ok at 1.204 s) but its read at 1.300 s from n2 returned [3, 5]');
  });

  it('is satisfied when the read has the element', () => {
    const ok = base.map((o, i) => (i === 1 ? { ...o, r: [3, 5, 17] } : o));
    expect(check(readYourWrites, ok).valid).toBe(true);
  });

  it('owes nothing for an append concurrent with the read', () => {
    const h: OpSpec[] = [
      { p: 0, s: 's', f: 'append', k: 'k', v: 1, t0: 10, t1: 30 },
      { p: 1, s: 's', f: 'read', k: 'k', t0: 20, t1: 25, r: [] },
      // completion at the very instant of the read's invoke is not "before" either
      { p: 0, s: 's', f: 'append', k: 'k', v: 2, t0: 40, t1: 50 },
      { p: 1, s: 's', f: 'read', k: 'k', t0: 50, t1: 55, r: [1] },
    ];
    expect(check(readYourWrites, h).valid).toBe(true);
  });

  it('owes nothing for info or fail appends', () => {
    const h: OpSpec[] = [
      { p: 0, s: 's', f: 'append', k: 'k', v: 1, t0: 10, t1: 20, type: 'info' },
      { p: 1, s: 's', f: 'append', k: 'k', v: 2, t0: 30, t1: 40, type: 'fail' },
      { p: 2, s: 's', f: 'append', k: 'k', v: 3, t0: 41 }, // never completes
      { p: 1, s: 's', f: 'read', k: 'k', t0: 50, t1: 60, r: [] },
    ];
    expect(check(readYourWrites, h).valid).toBe(true);
  });

  it("does not hold a session to another session's writes", () => {
    const h: OpSpec[] = [
      { p: 0, s: 'a', f: 'append', k: 'k', v: 1, t0: 10, t1: 20 },
      { p: 1, s: 'b', f: 'read', k: 'k', t0: 30, t1: 40, r: [] },
    ];
    expect(check(readYourWrites, h).valid).toBe(true);
  });

  it('counts every anomaly but lists at most maxAnomalies', () => {
    const specs: OpSpec[] = [{ p: 0, s: 's', f: 'append', k: 'k', v: 1, t0: 1, t1: 2 }];
    for (let i = 0; i < 10; i++) specs.push({ p: 0, s: 's', f: 'read', k: 'k', t0: 10 + i * 10, t1: 15 + i * 10, r: [] });
    const r = check(readYourWrites, specs, 3);
    expect(r.count).toBe(10);
    expect(r.anomalies).toHaveLength(3);
  });

  it('names every missing own append of one read', () => {
    const specs: OpSpec[] = [
      { p: 0, s: 's', f: 'append', k: 'k', v: 1, t0: 1, t1: 2 },
      { p: 0, s: 's', f: 'append', k: 'k', v: 2, t0: 3, t1: 4 },
      { p: 0, s: 's', f: 'read', k: 'k', t0: 10, t1: 15, r: [] },
    ];
    const h = historyOf(specs);
    const r = readYourWrites.check(h) as CheckResult;
    expect(r.count).toBe(1);
    expect(r.anomalies[0].ops).toEqual([indexOf(h, specs, 0), indexOf(h, specs, 1), indexOf(h, specs, 2)]);
    expect(r.anomalies[0].explanation).toContain('appended 1 and 2 to k');
  });
});

describe('read-your-writes-user', () => {
  const crossDevice: OpSpec[] = [
    { p: 0, s: 'phone', u: 'alice', f: 'append', k: 'k', v: 7, t0: 100, t1: 200, node: 'n1' },
    { p: 1, s: 'laptop', u: 'alice', f: 'read', k: 'k', t0: 300, t1: 320, r: [], node: 'n3' },
  ];

  it("reports a read by one of the user's sessions that lacks another session's acknowledged append", () => {
    const h = historyOf(crossDevice);
    const r = readYourWritesUser.check(h) as CheckResult;
    expect(r.valid).toBe(false);
    expect(r.anomalies[0].ops).toEqual([indexOf(h, crossDevice, 0), indexOf(h, crossDevice, 1)]);
    expect(r.anomalies[0].explanation).toContain('user alice (session phone) appended 7 to k (ok at 0.200 s)');
    expect(r.anomalies[0].explanation).toContain('laptop');
    // Cross-device is not a per-session violation.
    expect(check(readYourWrites, crossDevice).valid).toBe(true);
  });

  it('only links sessions through a user', () => {
    const other = crossDevice.map((o, i) => (i === 1 ? { ...o, u: 'bob' } : o));
    expect(check(readYourWritesUser, other).valid).toBe(true);
    const noUsers = crossDevice.map(({ u: _u, ...o }) => o);
    expect(check(readYourWritesUser, noUsers).valid).toBe(true);
  });

  it('treats a session without a user as its own user', () => {
    const specs: OpSpec[] = [
      { p: 0, s: 's', f: 'append', k: 'k', v: 1, t0: 1, t1: 2 },
      { p: 0, s: 's', f: 'read', k: 'k', t0: 10, t1: 15, r: [] },
    ];
    const r = check(readYourWritesUser, specs);
    expect(r.count).toBe(1);
    expect(r.opsWithoutUser).toBe(2);
  });
});

describe('monotonic-reads', () => {
  it('reports a later read of the session that lost an element an earlier one had', () => {
    const specs: OpSpec[] = [
      { p: 9, s: 'w', f: 'append', k: 'k', v: 1, t0: 1, t1: 2 },
      { p: 9, s: 'w', f: 'append', k: 'k', v: 2, t0: 3, t1: 4 },
      { p: 0, s: 's', f: 'read', k: 'k', t0: 10, t1: 20, r: [1, 2], node: 'n1' },
      { p: 0, s: 's', f: 'read', k: 'k', t0: 30, t1: 40, r: [1], node: 'n2' },
    ];
    const h = historyOf(specs);
    const r = monotonicReads.check(h) as CheckResult;
    expect(r.valid).toBe(false);
    expect(r.anomalies[0].ops).toEqual([indexOf(h, specs, 2), indexOf(h, specs, 3)]);
    expect(r.anomalies[0].explanation).toContain('session s read [1, 2] from k from n1 (ok at 0.020 s) but its later read at 0.030 s from n2 returned [1], losing 2');
  });

  it('ignores overlapping reads and reads of other sessions', () => {
    const specs: OpSpec[] = [
      { p: 9, s: 'w', f: 'append', k: 'k', v: 1, t0: 1, t1: 2 },
      { p: 0, s: 's', f: 'read', k: 'k', t0: 10, t1: 30, r: [1] },
      { p: 1, s: 's', f: 'read', k: 'k', t0: 20, t1: 40, r: [] }, // overlaps the first
      { p: 2, s: 't', f: 'read', k: 'k', t0: 50, t1: 60, r: [] }, // another session
    ];
    expect(check(monotonicReads, specs).valid).toBe(true);
  });

  it('remembers every element seen, not just the last read', () => {
    const specs: OpSpec[] = [
      { p: 0, s: 's', f: 'read', k: 'k', t0: 10, t1: 20, r: [1, 2] },
      { p: 0, s: 's', f: 'read', k: 'k', t0: 30, t1: 40, r: [1, 2, 3] },
      { p: 0, s: 's', f: 'read', k: 'k', t0: 50, t1: 60, r: [1, 3] },
    ];
    const r = check(monotonicReads, specs);
    expect(r.count).toBe(1);
    expect(r.anomalies[0].missing).toEqual([2]);
  });

  it('names exactly the earlier reads whose elements the sentence says were lost', () => {
    // The first read has 1..3, the second 1..5; the last lost 3, 4 and 5: all from the second.
    const specs: OpSpec[] = [
      { p: 0, s: 's', f: 'read', k: 'k', t0: 10, t1: 20, r: [1, 2, 3] },
      { p: 0, s: 's', f: 'read', k: 'k', t0: 30, t1: 40, r: [1, 2, 3, 4, 5] },
      { p: 0, s: 's', f: 'read', k: 'k', t0: 50, t1: 60, r: [1, 2] },
    ];
    const h = historyOf(specs);
    const a = (monotonicReads.check(h) as CheckResult).anomalies[0];
    expect(a.ops).toEqual([indexOf(h, specs, 1), indexOf(h, specs, 2)]);
    expect(a.explanation).toBe(
      'session s read [1, 2, 3, 4, 5] from k (ok at 0.040 s) but its later read at 0.050 s returned [1, 2], losing 3, 4 and 5; ' +
        "a session's reads must never go back to an older state",
    );
  });

  it('names each earlier read when no one read had every lost element', () => {
    // The first two reads overlap (so neither is compared with the other); the last lost from both.
    const specs: OpSpec[] = [
      { p: 0, s: 's', f: 'read', k: 'k', t0: 10, t1: 20, r: [1, 2] },
      { p: 1, s: 's', f: 'read', k: 'k', t0: 15, t1: 40, r: [1, 3] },
      { p: 0, s: 's', f: 'read', k: 'k', t0: 50, t1: 60, r: [1] },
    ];
    const h = historyOf(specs);
    const a = (monotonicReads.check(h) as CheckResult).anomalies[0];
    expect(a.ops).toEqual([indexOf(h, specs, 0), indexOf(h, specs, 1), indexOf(h, specs, 2)]);
    expect(a.explanation).toBe(
      'session s read [1, 2] from k (ok at 0.020 s) and then [1, 3] (ok at 0.040 s) but its later read at 0.050 s returned [1], ' +
        "losing 2 (of the read ok at 0.020 s) and 3 (of the read ok at 0.040 s); a session's reads must never go back to an older state",
    );
  });
});

describe('lost-writes', () => {
  const run: OpSpec[] = [
    { p: 0, s: 's0', f: 'append', k: 'k', v: 1, t0: 1, t1: 2, node: 'n1' },
    { p: 0, s: 's0', f: 'append', k: 'k', v: 2, t0: 3, t1: 4, node: 'n1' },
    { p: 1, s: 's1', f: 'append', k: 'k', v: 3, t0: 5, t1: 6, type: 'info' },
    { p: 2, s: 's2', f: 'append', k: 'k', v: 4, t0: 7 }, // never completes
  ];

  it('uses the final reads when there are some, and reports an acknowledged append missing from all of them', () => {
    const specs: OpSpec[] = [
      ...run,
      { p: 10, s: 'f1', f: 'read', k: 'k', t0: 100, t1: 101, r: [1], node: 'n1', final: true },
      { p: 11, s: 'f2', f: 'read', k: 'k', t0: 102, t1: 103, r: [1], node: 'n2', final: true },
    ];
    const h = historyOf(specs);
    const r = lostWrites.check(h) as CheckResult;
    expect(r.valid).toBe(false);
    expect(r.rule).toBe('final-reads');
    expect(r.count).toBe(1); // 3 (info) and 4 (pending) are never lost
    expect(r.anomalies[0].ops).toEqual([indexOf(h, specs, 1), indexOf(h, specs, 4), indexOf(h, specs, 5)]);
    expect(r.anomalies[0].explanation).toContain('appended 2 to k (ok at 0.004 s from n1)');
    expect(r.anomalies[0].explanation).toContain('n1, n2');
  });

  it('is satisfied when any final read has the element', () => {
    const specs: OpSpec[] = [
      ...run,
      { p: 10, s: 'f1', f: 'read', k: 'k', t0: 100, t1: 101, r: [1], final: true },
      { p: 11, s: 'f2', f: 'read', k: 'k', t0: 102, t1: 103, r: [1, 2], final: true },
    ];
    expect(check(lostWrites, specs).valid).toBe(true);
  });

  it('counts keys that were appended to but never read, and lists their appends as never read', () => {
    const r = check(lostWrites, run);
    expect(r.valid).toBe(true);
    expect(r.keysWithoutReads).toBe(1);
    expect(r.neverRead).toMatchObject({ count: 2, acknowledgedBeforeLastRead: 0 });
    expect((r.neverRead as { examples: { explanation: string }[] }).examples[0].explanation).toContain('k was never read');
  });
});

// Without final reads a write is lost on evidence: a read lacks it yet holds an element whose append
// was invoked after the write was acknowledged, and no later read holds it. A read that merely lacks
// it may be stale (an async replica, a Ctrl-C'd run): the write is "never read", not lost.
describe('lost-writes on evidence (no final reads)', () => {
  const w1: OpSpec = { p: 0, s: 's0', f: 'append', k: 'k', v: 1, t0: 1, t1: 2, node: 'n1' };
  const w2: OpSpec = { p: 0, s: 's0', f: 'append', k: 'k', v: 2, t0: 3, t1: 4, node: 'n1' };
  const w3: OpSpec = { p: 1, s: 's1', f: 'append', k: 'k', v: 3, t0: 5, t1: 6, node: 'n1' }; // invoked after 2 was acknowledged
  type NR = { count: number; acknowledgedBeforeLastRead: number; examples: { op: number; key: string; element: unknown; explanation: string }[] };

  it('a stale read without a later element is no evidence: not lost, listed as never read', () => {
    const specs: OpSpec[] = [w1, w2, { p: 5, s: 's5', f: 'read', k: 'k', t0: 10, t1: 11, r: [1], node: 'n3' }];
    const h = historyOf(specs);
    const r = lostWrites.check(h) as CheckResult;
    expect(r).toMatchObject({ valid: true, count: 0, rule: 'evidence', keysEvidenceRule: 1 });
    expect(r.ruleText).toMatch(/holds an element whose append was invoked after/);
    const nr = r.neverRead as NR;
    expect(nr).toMatchObject({ count: 1, acknowledgedBeforeLastRead: 1 });
    expect(nr.examples).toHaveLength(1);
    expect(nr.examples[0]).toMatchObject({ op: indexOf(h, specs, 1), key: 'k', element: 2 });
    expect(nr.examples[0].explanation).toContain('appended 2 to k (ok at 0.004 s from n1) but no read of k holds it');
    expect(nr.examples[0].explanation).toContain('the last, at 0.010 s from n3, returned [1]');
  });

  it('a read holding a later element but lacking the write, with no later read holding it, shows it lost', () => {
    const specs: OpSpec[] = [w1, w2, w3, { p: 5, s: 's5', f: 'read', k: 'k', t0: 10, t1: 11, r: [1, 3], node: 'n2' }];
    const h = historyOf(specs);
    const r = lostWrites.check(h) as CheckResult;
    expect(r).toMatchObject({ valid: false, count: 1, rule: 'evidence' });
    const a = r.anomalies[0];
    expect(a).toMatchObject({ type: 'lost-write', key: 'k', rule: 'evidence', later: 3 });
    expect(a.ops).toEqual([indexOf(h, specs, 1), indexOf(h, specs, 3), indexOf(h, specs, 2)]);
    expect(a.explanation).toContain('session s0 appended 2 to k (ok at 0.004 s from n1) but the read of k at 0.010 s from n2 returned [1, 3]');
    expect(a.explanation).toContain('it holds 3, whose append began at 0.005 s, after 2 was acknowledged, yet lacks 2');
    expect(a.explanation).toContain('a state that holds 3 must hold every append acknowledged before 3 began, so the acknowledged write was lost');
    expect(a.explanation).toContain('no read of k ever held 2');
    expect((r.neverRead as NR).count).toBe(0);
  });

  it('a write seen, then lacking from a read with a later element and no later read: lost, and says when it was last seen', () => {
    const specs: OpSpec[] = [
      w1,
      w2,
      { p: 4, s: 's4', f: 'read', k: 'k', t0: 5, t1: 5.75, r: [1, 2] },
      { p: 1, s: 's1', f: 'append', k: 'k', v: 3, t0: 6, t1: 7 },
      { p: 5, s: 's5', f: 'read', k: 'k', t0: 10, t1: 11, r: [1, 3] },
    ];
    const r = check(lostWrites, specs);
    expect(r.count).toBe(1);
    expect(r.anomalies[0].explanation).toContain('no later read of k holds 2 (last seen by a read that ended at 0.006 s)');
  });

  it('a later read that holds the write: not lost (the evidence read was the odd one), and not never read', () => {
    const specs: OpSpec[] = [
      w1,
      w2,
      w3,
      { p: 5, s: 's5', f: 'read', k: 'k', t0: 10, t1: 11, r: [1, 3] },
      { p: 6, s: 's6', f: 'read', k: 'k', t0: 12, t1: 13, r: [1, 2, 3] },
    ];
    const r = check(lostWrites, specs);
    expect(r.valid).toBe(true);
    expect((r.neverRead as NR).count).toBe(0);
  });

  it('a read holding the write that overlaps the evidence read also clears it (only reads wholly before it are earlier)', () => {
    const specs: OpSpec[] = [
      w1,
      w2,
      w3,
      { p: 6, s: 's6', f: 'read', k: 'k', t0: 9, t1: 12, r: [1, 2, 3] },
      { p: 5, s: 's5', f: 'read', k: 'k', t0: 10, t1: 11, r: [1, 3] },
    ];
    expect(check(lostWrites, specs).valid).toBe(true);
  });

  it('an element appended concurrently with the write is no evidence', () => {
    const specs: OpSpec[] = [
      w1,
      w2,
      { p: 1, s: 's1', f: 'append', k: 'k', v: 3, t0: 3.5, t1: 6 }, // invoked before 2 was acknowledged
      { p: 5, s: 's5', f: 'read', k: 'k', t0: 10, t1: 11, r: [1, 3] },
    ];
    const r = check(lostWrites, specs);
    expect(r.valid).toBe(true);
    expect((r.neverRead as NR).count).toBe(1);
  });

  it('info appends are never lost, but their elements are evidence against earlier writes', () => {
    const specs: OpSpec[] = [
      w1,
      { p: 2, s: 's2', f: 'append', k: 'k', v: 2, t0: 3, t1: 4, type: 'info' }, // may not have happened
      { p: 3, s: 's3', f: 'append', k: 'k', v: 7, t0: 3, t1: 3.5 },
      { p: 1, s: 's1', f: 'append', k: 'k', v: 3, t0: 5, t1: 6, type: 'info' }, // did happen: the read shows it
      { p: 4, s: 's4', f: 'append', k: 'k', v: 4, t0: 5 }, // never completes
      { p: 5, s: 's5', f: 'read', k: 'k', t0: 10, t1: 11, r: [1, 3] },
    ];
    const h = historyOf(specs);
    const r = lostWrites.check(h) as CheckResult;
    expect(r.count).toBe(1); // 7 (ok) is lost; 2 and 4 (info) never are
    expect(r.anomalies[0].ops).toEqual([indexOf(h, specs, 2), indexOf(h, specs, 5), indexOf(h, specs, 3)]);
    expect((r.neverRead as NR).count).toBe(0);
  });

  it("a failed append's or a phantom element is no evidence", () => {
    const specs: OpSpec[] = [
      w1,
      w2,
      { p: 1, s: 's1', f: 'append', k: 'k', v: 3, t0: 5, t1: 6, type: 'fail' },
      { p: 5, s: 's5', f: 'read', k: 'k', t0: 10, t1: 11, r: [1, 3, 99] },
    ];
    expect(check(lostWrites, specs).valid).toBe(true);
  });

  it('an interrupted async run (stale reads, pending ops at the end) reports no lost write', () => {
    // A lagging replica n3 serves prefixes of the leader's log; the run is cut while ops are pending.
    const specs: OpSpec[] = [
      { p: 0, s: 's0', f: 'append', k: 'k', v: 1, t0: 1, t1: 2, node: 'n1' },
      { p: 1, s: 's1', f: 'append', k: 'k', v: 2, t0: 3, t1: 4, node: 'n1' },
      { p: 2, s: 's2', f: 'read', k: 'k', t0: 4.5, t1: 5, r: [1, 2], node: 'n1' },
      { p: 0, s: 's0', f: 'append', k: 'k', v: 3, t0: 6, t1: 7, node: 'n1' },
      { p: 3, s: 's3', f: 'read', k: 'k', t0: 8, t1: 9, r: [1], node: 'n3' },
      { p: 1, s: 's1', f: 'append', k: 'k', v: 4, t0: 9 },
      { p: 4, s: 's4', f: 'read', k: 'k', t0: 9.5 },
    ];
    const r = check(lostWrites, specs);
    expect(r).toMatchObject({ valid: true, rule: 'evidence' });
    expect((r.neverRead as NR).count).toBe(1); // 3: acknowledged, never seen
  });

  it('keeps the final-reads rule for keys with final reads and says when the rules are mixed', () => {
    const specs: OpSpec[] = [
      w1,
      { p: 9, s: 'f', f: 'read', k: 'k', t0: 100, t1: 101, r: [], final: true },
      { p: 7, s: 's7', f: 'append', k: 'j', v: 1, t0: 1, t1: 2 },
      { p: 5, s: 's5', f: 'read', k: 'j', t0: 10, t1: 11, r: [] },
    ];
    const r = check(lostWrites, specs);
    expect(r).toMatchObject({ valid: false, count: 1, rule: 'mixed', keysFinalRule: 1, keysEvidenceRule: 1 });
    expect(r.anomalies[0].key).toBe('k');
    expect(r.ruleText).toMatch(/^keys with final reads: .*; keys without final reads: /);
    expect((r.neverRead as NR).count).toBe(1);
  });

  it('counts every never-read write but lists at most ten', () => {
    const specs: OpSpec[] = Array.from({ length: 15 }, (_, i): OpSpec => ({ p: i, f: 'append', k: 'k', v: i + 1, t0: 1 + i, t1: 1.5 + i }));
    specs.push({ p: 99, f: 'read', k: 'k', t0: 100, t1: 101, r: [] });
    const nr = check(lostWrites, specs).neverRead as NR;
    expect(nr.count).toBe(15);
    expect(nr.examples).toHaveLength(10);
  });
});

describe('consistent-prefix', () => {
  it('reports two reads that are not prefixes of one another', () => {
    const specs: OpSpec[] = [
      { p: 0, f: 'append', k: 'k', v: 1, t0: 1, t1: 2 },
      { p: 0, f: 'append', k: 'k', v: 2, t0: 3, t1: 4 },
      { p: 0, f: 'append', k: 'k', v: 3, t0: 5, t1: 6 },
      { p: 1, f: 'read', k: 'k', t0: 10, t1: 11, r: [1, 2], node: 'n1' },
      { p: 2, f: 'read', k: 'k', t0: 12, t1: 13, r: [1, 3], node: 'n2' },
      { p: 3, f: 'read', k: 'k', t0: 14, t1: 15, r: [1] },
    ];
    const h = historyOf(specs);
    const r = consistentPrefix.check(h) as CheckResult;
    expect(r.count).toBe(1);
    expect(r.anomalies[0].type).toBe('fork');
    expect(r.anomalies[0].ops).toEqual([indexOf(h, specs, 3), indexOf(h, specs, 4)]);
    expect(r.anomalies[0].explanation).toContain('then have 2 vs 3');
  });

  it('reports a duplicated element and an element nobody appended', () => {
    const specs: OpSpec[] = [
      { p: 0, f: 'append', k: 'k', v: 1, t0: 1, t1: 2 },
      { p: 1, f: 'read', k: 'k', t0: 10, t1: 11, r: [1, 1] },
      { p: 2, f: 'read', k: 'k', t0: 12, t1: 13, r: [1, 1, 42] },
    ];
    const r = check(consistentPrefix, specs);
    const types = r.anomalies.map((a) => a.type).sort();
    expect(types).toEqual(['duplicate', 'duplicate', 'phantom-element']);
  });

  it("reports a failed append's element shown in a read, but not an info append's", () => {
    const specs: OpSpec[] = [
      { p: 0, s: 's', f: 'append', k: 'k', v: 1, t0: 1, t1: 2, type: 'fail' },
      { p: 1, s: 's', f: 'append', k: 'k', v: 2, t0: 1, t1: 3, type: 'info' },
      { p: 2, f: 'read', k: 'k', t0: 10, t1: 11, r: [2, 1], node: 'n2' },
    ];
    const h = historyOf(specs);
    const r = consistentPrefix.check(h) as CheckResult;
    expect(r.count).toBe(1);
    expect(r.anomalies[0].type).toBe('failed-append-read');
    expect(r.anomalies[0].ops).toEqual([indexOf(h, specs, 0), indexOf(h, specs, 2)]);
    expect(r.anomalies[0].explanation).toContain('failed at 0.002 s');
  });

  it('accepts reads that grow along one order', () => {
    const specs: OpSpec[] = [
      { p: 0, f: 'append', k: 'k', v: 'a', t0: 1, t1: 2 },
      { p: 0, f: 'append', k: 'k', v: { x: 1 }, t0: 3, t1: 4 },
      { p: 1, f: 'read', k: 'k', t0: 10, t1: 11, r: ['a', { x: 1 }] },
      { p: 2, f: 'read', k: 'k', t0: 12, t1: 13, r: [] },
      { p: 3, f: 'read', k: 'k', t0: 14, t1: 15, r: ['a'] },
    ];
    expect(check(consistentPrefix, specs).valid).toBe(true);
  });
});

describe('convergence', () => {
  it('reports final reads of a key that disagree, naming each', () => {
    const specs: OpSpec[] = [
      { p: 0, f: 'append', k: 'k', v: 1, t0: 1, t1: 2 },
      { p: 1, f: 'read', k: 'k', t0: 10, t1: 11, r: [1], node: 'n1', final: true },
      { p: 2, f: 'read', k: 'k', t0: 12, t1: 13, r: [1], node: 'n2', final: true },
      { p: 3, f: 'read', k: 'k', t0: 14, t1: 15, r: [], node: 'n3', final: true },
      { p: 4, f: 'read', k: 'k', t0: 5, t1: 6, r: [] }, // not final: not compared
    ];
    const h = historyOf(specs);
    const r = convergence.check(h) as CheckResult;
    expect(r.count).toBe(1);
    expect(r.anomalies[0].ops).toEqual([indexOf(h, specs, 1), indexOf(h, specs, 2), indexOf(h, specs, 3)]);
    expect(r.anomalies[0].explanation).toContain('n1, n2 returned [1]; n3 returned []');
  });

  it('holds when final reads agree, and says when there is nothing to compare', () => {
    const same: OpSpec[] = [
      { p: 1, f: 'read', k: 'k', t0: 10, t1: 11, r: [1], final: true },
      { p: 2, f: 'read', k: 'k', t0: 12, t1: 13, r: [1], final: true },
      { p: 0, f: 'append', k: 'k', v: 1, t0: 1, t1: 2 },
    ];
    expect(check(convergence, same).valid).toBe(true);
    const none = check(convergence, [{ p: 1, f: 'read', k: 'k', t0: 10, t1: 11, r: [] }]);
    expect(none.valid).toBe(true);
    expect(none.note).toMatch(/no final reads/);
  });
});

describe('nondeterministic appends', () => {
  it("take their element from the completion (the invoke holds a placeholder)", async () => {
    const { eventsOf } = await import('../support/ops.js');
    const { historyFromEvents } = await import('../../src/history/builder.js');
    const events = eventsOf([
      { p: 0, s: 's', f: 'append', k: 'k', v: { nondeterministic: 'clock' }, t0: 1, t1: 2, node: 'n1' },
      { p: 0, s: 's', f: 'read', k: 'k', t0: 3, t1: 4, r: ['n1@2'], node: 'n1' },
      { p: 1, s: 'f', f: 'read', k: 'k', t0: 10, t1: 11, r: ['n1@2'], node: 'n2', final: true },
    ]);
    const completion = events.find((e) => e.type === 'ok' && e.f === 'append')!;
    completion.value = 'n1@2';
    const h = historyFromEvents(events);
    for (const c of [readYourWrites, lostWrites, consistentPrefix, convergence]) expect((c.check(h) as CheckResult).valid).toBe(true);
  });
});

/** Each op's read list as element values (whatever the layout of readElems). */
function readsOf(ix: { ops: unknown[]; readElems: Int32Array; readStart: Int32Array; readLen: Int32Array; elemValue: unknown[] }): unknown[][] {
  return ix.ops.map((_, i) => (ix.readStart[i] < 0 ? [] : Array.from(ix.readElems.subarray(ix.readStart[i], ix.readStart[i] + ix.readLen[i]), (e) => ix.elemValue[e])));
}

describe('the shared append index', () => {
  it("is the same whether or not it reads the builder's flat copy of the read lists", async () => {
    const { buildAppendIndex } = await import('../../src/checkers/append/index.js');
    const { historyFromEvents } = await import('../../src/history/builder.js');
    const { appendModelEvents } = await import('../support/append-model.js');
    for (let seed = 0; seed < 20; seed++) {
      const events = appendModelEvents(seed, { ops: 200, failRate: 0.1, infoRate: 0.1 });
      // A phantom element, a big one, and a non-integer one, so every lookup path runs.
      const read = events.find((e) => e.type === 'ok' && e.f === 'read')!;
      read.value = [...(read.value as unknown[]), 999_999, 2 ** 40, 'x'];
      const h = historyFromEvents(events);
      const built = buildAppendIndex(h);
      const plain = buildAppendIndex({ ...h }); // a copy: the builder's side data is not found
      expect(readsOf(built)).toEqual(readsOf(plain));
      expect(Array.from(built.elemAppend)).toEqual(Array.from(plain.elemAppend));
      expect(built.elemValue).toEqual(plain.elemValue);
    }
  });

  it('turns the flat column into element ids in place when every read is in it; the ops keep their values, and a second index is the same', async () => {
    const { buildAppendIndex } = await import('../../src/checkers/append/index.js');
    const { flatReads, historyFromEvents } = await import('../../src/history/builder.js');
    const { appendModelEvents } = await import('../support/append-model.js');
    for (let seed = 0; seed < 20; seed++) {
      const events = appendModelEvents(seed, { ops: 300, failRate: 0.1, infoRate: 0.1 });
      // a phantom element (no append wrote it) in one read: it gets an id too
      const read = events.find((e) => e.type === 'ok' && e.f === 'read')!;
      read.value = [...(read.value as unknown[]), 777_777];
      const h = historyFromEvents(events);
      // one op's value asked for before the index is built, the others after
      const first = h.ops.find((o) => o.f === 'read' && o.type === 'ok')!;
      const early = first.value;
      const built = buildAppendIndex(h);
      expect(built.readElems).toBe(flatReads(h)!.elems); // in place: no second copy
      expect(flatReads(h)!.ids).toBe(built.elemValue);
      const plain = buildAppendIndex({ ...h });
      expect(readsOf(built)).toEqual(readsOf(plain));
      expect(built.elemValue).toEqual(plain.elemValue);
      expect(first.value).toEqual(early);
      // every op's value as in a History no index has touched
      expect(h.ops.map((o) => o.value)).toEqual(historyFromEvents(events).ops.map((o) => o.value));
      // a second index of the same History reads the ops' values and gives the same lists
      expect(readsOf(buildAppendIndex(h))).toEqual(readsOf(built));
    }
  });
});
