// The linearizable checker on labelled register fixtures and hand-written cases: verdicts, the
// op named, the anomaly's details, per-key statistics, and the time and memory budgets.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLinearizable, linearizable } from '../../src/checkers/linearizable.js';
import { selectCheckers } from '../../src/checkers/registry.js';
import { historyFromEvents } from '../../src/history/builder.js';
import { readJsonlHistory } from '../../src/history/jsonl.js';
import type { HistoryEvent } from '../../src/history/types.js';
import { hardEvents } from '../../src/checkers/linear/generate.js';
import { historyOf, type OpSpec } from '../support/ops.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/register');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, { valid: boolean; op?: number; key?: string }>;

describe('linearizable on the register fixtures', () => {
  for (const [file, want] of Object.entries(expected)) {
    it(`${file}: ${want.valid ? 'linearizable' : `not linearizable at index ${want.op}`}`, () => {
      const r = checkLinearizable(readJsonlHistory(join(FIXTURES, file)));
      expect(r.valid).toBe(want.valid);
      expect(r.count).toBe(want.valid ? 0 : 1);
      if (!want.valid) {
        const a = r.anomalies[0];
        expect(a.type).toBe('linearizable');
        // ops: the witness, sorted, with the op that cannot be linearized among them.
        expect(a.ops).toContain(want.op);
        expect(a.ops).toEqual([...a.ops].sort((x, y) => x - y));
        expect(a.op).toBe(want.op);
        expect(a.key).toBe(want.key);
        expect(typeof a.explanation).toBe('string');
      }
    });
  }
});

describe('linearizable', () => {
  it('is registered and applies to the register workload only', () => {
    expect(selectCheckers('linearizable', 'register')).toEqual([linearizable]);
    expect(selectCheckers(undefined, 'register')).toContain(linearizable);
    expect(linearizable.appliesTo('append')).toBe(false);
  });

  it('explains a stale read with the prefix, the concurrent ops and the last write', () => {
    const h = readJsonlHistory(join(FIXTURES, 'stale-read.jsonl'));
    const a = checkLinearizable(h).anomalies[0];
    // The read (4..6) overlaps the write of 3 (5..7).
    expect(a.concurrent).toEqual([7]);
    // The witness: the two writes and the read (the concurrent write of 3 is not needed).
    expect(a.ops).toEqual([1, 3, 6]);
    expect((a.linearizedPrefix as number[]).slice(0, 2)).toEqual([1, 3]);
    expect(a.explanation).toBe(
      'read of k1 at 0.007 s (index 6) returned 1, but no order of the operations consistent with real time explains it: ' +
        'the write of 2 (index 3) began after the write of 1 (index 1) completed and completed before the read began',
    );
  });

  it('says when a read returns a value nobody wrote', () => {
    const h = historyOf([
      { f: 'write', k: 'x', v: 1, t0: 0, t1: 1 },
      { f: 'read', k: 'x', r: 99, t0: 2, t1: 3 },
    ]);
    const r = checkLinearizable(h);
    expect(r.valid).toBe(false);
    expect(r.anomalies[0].explanation).toMatch(/returned 99, .*no operation ever wrote 99 to x/);
  });

  it('explains an impossible cas', () => {
    const h = historyOf([
      { f: 'write', k: 'x', v: 1, t0: 0, t1: 1 },
      { f: 'cas', k: 'x', v: [5, 6], t0: 2, t1: 3 },
    ]);
    const a = checkLinearizable(h).anomalies[0];
    expect(a.explanation).toMatch(/^cas of x from 5 to 6 at 0\.003 s \(index 3\) succeeded, but .*no operation ever wrote 5 to x/);
  });

  it('uses an earlier read as the proof when no single write proves the read stale', () => {
    // Two concurrent writes, then reads of 1 and 2: the writes' order can explain one read only,
    // and the search gets furthest with 2 before 1, so the read of 2 is the one it cannot place;
    // the read of 1 after both writes shows 2 was overwritten. The last read of 1 is not needed.
    const h = historyOf([
      { f: 'write', k: 'x', v: 1, t0: 0, t1: 10 },
      { f: 'write', k: 'x', v: 2, t0: 1, t1: 10 },
      { f: 'read', k: 'x', r: 1, t0: 11, t1: 12 },
      { f: 'read', k: 'x', r: 2, t0: 13, t1: 14 },
      { f: 'read', k: 'x', r: 1, t0: 15, t1: 16 },
    ]);
    const a = checkLinearizable(h).anomalies[0];
    expect(a.op).toBe(7);
    expect(a.ops).toEqual([2, 3, 5, 7]);
    expect(a.explanation).toMatch(/returned 2, .*: the read of 1 \(index 5\) began after the write of 2 \(index 3\) completed and ended before the read began, so 2 was already overwritten$/);
    expect(a.linearizedPrefix).toEqual([3, 2, 5]);
  });

  it('reads of a key never written see nil; a read of nil after a write is stale', () => {
    const ok = historyOf([
      { f: 'read', k: 'x', r: null, t0: 0, t1: 1 },
      { f: 'write', k: 'x', v: 1, t0: 2, t1: 3 },
      { f: 'read', k: 'x', r: 1, t0: 4, t1: 5 },
    ]);
    expect(checkLinearizable(ok).valid).toBe(true);
    const bad = historyOf([
      { f: 'write', k: 'x', v: 1, t0: 0, t1: 1 },
      { f: 'read', k: 'x', r: null, t0: 2, t1: 3 },
    ]);
    const r = checkLinearizable(bad);
    expect(r.valid).toBe(false);
    expect(r.anomalies[0].explanation).toContain('returned nil');
    expect(r.anomalies[0].explanation).toContain('the write of 1 (index 1) completed before the read began, and nothing wrote nil back');
  });

  it('lets an indeterminate cas take effect late, or never', () => {
    const late = historyOf([
      { f: 'write', k: 'x', v: 1, t0: 0, t1: 1 },
      { f: 'cas', k: 'x', v: [1, 2], t0: 2, t1: 3, type: 'info' },
      { f: 'read', k: 'x', r: 1, t0: 4, t1: 5 },
      { f: 'read', k: 'x', r: 2, t0: 6, t1: 7 },
    ]);
    expect(checkLinearizable(late).valid).toBe(true);
    const never = historyOf([
      { f: 'write', k: 'x', v: 1, t0: 0, t1: 1 },
      { f: 'cas', k: 'x', v: [1, 2], t0: 2 },
      { f: 'read', k: 'x', r: 1, t0: 4, t1: 5 },
    ]);
    expect(checkLinearizable(never).valid).toBe(true);
  });

  it('drops fail ops, failed cas and indeterminate reads', () => {
    const h = historyOf([
      { f: 'write', k: 'x', v: 1, t0: 0, t1: 1 },
      { f: 'write', k: 'x', v: 7, t0: 2, t1: 3, type: 'fail' },
      { f: 'cas', k: 'x', v: [1, 8], t0: 4, t1: 5, type: 'fail' },
      { f: 'read', k: 'x', t0: 6, t1: 7, type: 'info' },
      { f: 'read', k: 'x', r: 1, t0: 8, t1: 9 },
    ]);
    const r = checkLinearizable(h);
    expect(r.valid).toBe(true);
    expect(r.dropped).toEqual({ fail: 2, infoReads: 1, unobserved: 0 });
  });

  it('checks keys independently and reports per-key statistics', () => {
    const specs: OpSpec[] = [];
    for (let k = 0; k < 5; k++) {
      specs.push({ f: 'write', k: `k${k}`, v: k, t0: 10 * k, t1: 10 * k + 1 });
      specs.push({ f: 'read', k: `k${k}`, r: k, t0: 10 * k + 2, t1: 10 * k + 3 });
    }
    const r = checkLinearizable(historyOf(specs));
    expect(r.valid).toBe(true);
    expect(r.keyCount).toBe(5);
    const keys = r.keys as Record<string, { ops: number; steps: number; memo: number; ms: number; valid: unknown }>;
    expect(Object.keys(keys).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    expect(keys.k3).toMatchObject({ ops: 2, valid: true });
    expect(keys.k3.steps).toBeGreaterThan(0);
  });
});

/**
 * Many concurrent indeterminate writes of two values (1 and 2), then sequential reads alternating
 * 1, 2, 1, ... more often than there are writes: impossible. Once exhaustive over which writes
 * explain which reads; the writes of one value are twins (canon.ts), so now it is quick.
 */
function manyTwins(writers: number): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const add = (e: Omit<HistoryEvent, 'index' | 'time'>) => events.push({ index: events.length, time: events.length * 1000, ...e });
  for (let p = 0; p < writers; p++) add({ process: p, type: 'invoke', f: 'write', key: 'x', value: (p % 2) + 1 });
  for (let i = 0; i < writers + 2; i++) {
    add({ process: writers + i, type: 'invoke', f: 'read', key: 'x', value: null });
    add({ process: writers + i, type: 'ok', f: 'read', key: 'x', value: (i % 2) + 1 });
  }
  return events;
}

/**
 * A search still too long for the budgets below: one key, 30 clients, 5 values, 10% info, 5000 ops
 * (linearizable; decided in seconds, not in 50 ms, nor within 10 000 memo entries).
 */
function pathological(): HistoryEvent[] {
  return hardEvents({ seed: 1, ops: 5000 });
}

describe('linearizable budgets', () => {
  it('decides many concurrent indeterminate writes of two values (twins) at once', () => {
    const r = checkLinearizable(historyFromEvents(manyTwins(40)), { timeLimitMs: 20_000 });
    expect(r.valid).toBe(false);
    expect(r.steps).toBeLessThan(100_000);
  });

  it('a tiny time limit turns a pathological search into unknown (a hang would hit the test timeout)', () => {
    const h = historyFromEvents(pathological());
    const r = checkLinearizable(h, { timeLimitMs: 50 });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/time limit/);
    expect(r.count).toBe(0);
  });

  it('a memo limit turns it into unknown too', () => {
    const h = historyFromEvents(pathological());
    const r = checkLinearizable(h, { memoLimit: 10_000, timeLimitMs: 20_000 });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/memo limit/);
    expect((r.keys as Record<string, { memo: number }>).x.memo).toBeGreaterThan(10_000);
  });

  it('a failing key is reported even while another key is hopeless', () => {
    const events = pathological();
    const n = events.length;
    const t = events[n - 1].time;
    events.push({ index: n, time: t + 1, process: 1000, type: 'invoke', f: 'write', key: 'y', value: 1 });
    events.push({ index: n + 1, time: t + 2, process: 1000, type: 'ok', f: 'write', key: 'y', value: 1 });
    events.push({ index: n + 2, time: t + 3, process: 1000, type: 'invoke', f: 'read', key: 'y', value: null });
    events.push({ index: n + 3, time: t + 4, process: 1000, type: 'ok', f: 'read', key: 'y', value: 2 });
    const r = checkLinearizable(historyFromEvents(events), { timeLimitMs: 20_000 });
    expect(r.valid).toBe(false);
    expect(r.anomalies[0].key).toBe('y');
    expect((r.keys as Record<string, { valid: unknown }>).x.valid).toBe('not checked');
  });
});
