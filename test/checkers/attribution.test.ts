// The attribution pass: which nemesis faults an anomaly is tied to (overlapping its ops, or within
// the window before or after them), the `faults` list it gets, and the sentence added to its
// explanation from the ops' `served` role, term and position; through runCheckers with real checkers.

import { describe, expect, it } from 'vitest';
import { attributeAnomalies, DEFAULT_FAULT_WINDOW_MS, failoverWindowMs } from '../../src/checkers/attribution.js';
import { selectCheckers } from '../../src/checkers/registry.js';
import { runCheckers } from '../../src/checkers/run.js';
import type { Anomaly, CheckResult } from '../../src/checkers/types.js';
import { historyFromEvents } from '../../src/history/builder.js';
import type { History, HistoryEvent, Served } from '../../src/history/types.js';

const S = 1e9;

/** Events built in order; times in seconds; each returns its index. */
function recorder() {
  const events: HistoryEvent[] = [];
  const push = (e: Omit<HistoryEvent, 'index'>): number => {
    events.push({ index: events.length, ...e, time: Math.round(e.time) } as HistoryEvent);
    return events.length - 1;
  };
  return {
    events,
    invoke: (p: number, f: string, key: string, value: unknown, t: number, final = false) =>
      push({ time: t * S, process: p, session: `s${p}`, type: 'invoke', f, key, value, ...(final ? { final } : {}) }),
    ok: (p: number, f: string, key: string, value: unknown, t: number, node: string, served?: Served, final = false) =>
      push({ time: t * S, process: p, session: `s${p}`, type: 'ok', f, key, value, node, ...(served ? { served } : {}), ...(final ? { final } : {}) }),
    nemesis: (f: string, value: Record<string, unknown>, t: number) => push({ time: t * S, process: 'nemesis', type: 'info', f, value }),
    history: (): History => historyFromEvents(events),
  };
}

/** One result holding one planted anomaly on the given history indices. */
function planted(ops: number[], explanation = 'something went wrong'): { results: Record<string, CheckResult>; a: Anomaly } {
  const a: Anomaly = { type: 'planted', ops, key: 'k', explanation };
  return { a, results: { planted: { valid: false, count: 1, anomalies: [a] } } };
}

describe('attributeAnomalies', () => {
  it('ties an anomaly to the partition its ops ran in, naming the old leader, its term and the next leader', () => {
    const r = recorder();
    r.invoke(0, 'append', 'k', 1, 1.0);
    r.ok(0, 'append', 'k', 1, 1.01, 'n1', { role: 'leader', term: 1, pos: 10 });
    const part = r.nemesis('partition', { shape: 'isolate-leader', groups: [['n1'], ['n2', 'n3']] }, 2.0);
    r.invoke(1, 'append', 'k', 2, 2.5);
    const inPartition = r.ok(1, 'append', 'k', 2, 2.51, 'n1', { role: 'leader', term: 1, pos: 12 });
    r.invoke(2, 'read', 'k', null, 2.9);
    r.ok(2, 'read', 'k', [1], 2.95, 'n2', { role: 'leader', term: 2, pos: 11 });
    const heal = r.nemesis('heal', { partition: 'healed' }, 4.0);
    const { a, results } = planted([inPartition]);
    attributeAnomalies(r.history(), results, 500);
    expect(a.faults).toEqual([
      { index: part, f: 'partition', n: 1, timeNs: 2 * S, endIndex: heal, endTimeNs: 4 * S, relation: 'during', what: 'isolated n1 from n2, n3' },
    ]);
    expect(a.explanation).toBe(
      'something went wrong. Acknowledged by n1 as leader of term 1 (position 12) while partition #1 isolated n1 from n2, n3 (2.000–4.000 s); ' +
        'n2 became leader of term 2 (serving as leader from 2.950 s).',
    );
  });

  it('counts a fault that ended within the window before the ops, or began within it after them, and no other', () => {
    const r = recorder();
    const kill = r.nemesis('kill-leader', { node: 'n1', crash: 'host' }, 1.0);
    const restart = r.nemesis('restart', { node: 'n1' }, 1.5);
    r.invoke(0, 'append', 'k', 1, 1.8);
    const op = r.ok(0, 'append', 'k', 1, 1.9, 'n2', { role: 'leader', term: 2, pos: 4 });
    const pause = r.nemesis('pause', { node: 'n2' }, 2.2);
    r.nemesis('resume', { node: 'n2' }, 2.4);
    r.nemesis('clock-skew', { node: 'n3', offsetMs: 5000 }, 9.0); // far after: never counts
    const h = r.history();
    const wide = planted([op]);
    attributeAnomalies(h, wide.results, 500);
    // Both 0.3 s away from the op (the kill ended before it, the pause began after it): equal gaps go by index.
    expect((wide.a.faults as { index: number; relation: string }[]).map((f) => [f.index, f.relation])).toEqual([
      [kill, 'before'],
      [pause, 'after'],
    ]);
    expect(wide.a.explanation).toContain('0.300 s after kill-leader #1 ended (it crashed n1, 1.000–1.500 s)');
    expect(wide.a.explanation).toContain('0.300 s before pause #1 paused n2 (2.200–2.400 s)');
    expect((wide.a.faults as { endIndex?: number }[]).find((f) => f.endIndex === restart)).toBeDefined();
    const narrow = planted([op]);
    attributeAnomalies(h, narrow.results, 200);
    expect(narrow.a.faults).toBeUndefined();
    expect(narrow.a.explanation).toBe('something went wrong. Acknowledged by n2 as leader of term 2 (position 4), with no fault within 0.200 s of them.');
  });

  it('leaves final reads out of the span, skips faults that did nothing, and keeps explanations without served or faults as they were', () => {
    const r = recorder();
    r.nemesis('kill-leader', { node: null, skipped: 'no leader' }, 0.5);
    r.invoke(0, 'append', 'k', 1, 1.0);
    const ack = r.ok(0, 'append', 'k', 1, 1.1, 'n1', { role: 'leader', term: 1, pos: 1 });
    const part = r.nemesis('partition', { shape: 'halves', groups: [['n1', 'n2'], ['n3', 'n4']] }, 5.0);
    r.nemesis('heal', {}, 6.0);
    r.invoke(1, 'read', 'k', null, 9.0, true);
    const fin = r.ok(1, 'read', 'k', [], 9.1, 'n1', undefined, true);
    const h = r.history();
    const lost = planted([ack, fin]);
    attributeAnomalies(h, lost.results, 1000);
    expect(lost.a.faults).toBeUndefined(); // the partition is 3.9 s after the write; the final read does not stretch the span
    expect(lost.a.explanation).toContain('with no fault within 1.000 s of them');
    const onlyFinal = planted([fin]);
    attributeAnomalies(h, onlyFinal.results, 4000);
    expect((onlyFinal.a.faults as { index: number; what: string }[]).map((f) => [f.index, f.what])).toEqual([[part, 'split the nodes into n1, n2 | n3, n4']]);
    // No served fields and no nemesis: nothing to add.
    const plain = recorder();
    plain.invoke(0, 'append', 'k', 1, 1);
    const done = plain.events.length;
    plain.events.push({ index: done, time: 2 * S, process: 0, session: 's0', type: 'ok', f: 'append', key: 'k', value: 1, node: 'n1' });
    const bare = planted([done], 'as it was');
    attributeAnomalies(plain.history(), bare.results);
    expect(bare.a).toEqual({ type: 'planted', ops: [done], key: 'k', explanation: 'as it was' });
  });

  it('groups the serving nodes and names each role: reads from a stale follower, writes acknowledged by the leader', () => {
    const r = recorder();
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      r.invoke(i, 'append', 'k', i, 1 + i * 0.01);
      ids.push(r.ok(i, 'append', 'k', i, 1.005 + i * 0.01, 'n1', { role: 'leader', term: 3, pos: 40 + i }));
    }
    r.invoke(9, 'read', 'k', null, 1.1);
    const skew = r.nemesis('clock-skew', { node: 'n3', offsetMs: -250 }, 1.15);
    ids.push(r.ok(9, 'read', 'k', [], 1.2, 'n3', { role: 'follower', term: 3, pos: 17 }));
    const { a, results } = planted(ids, 'stale.');
    attributeAnomalies(r.history(), results, DEFAULT_FAULT_WINDOW_MS);
    expect(a.explanation).toBe(
      'stale. Acknowledged by n1 as leader of term 3 (positions up to 42) and read from n3 as follower of term 3 (position 17), ' +
        "while clock-skew #1 moved n3's clock by -250 ms (1.150 s).",
    );
    expect((a.faults as { index: number }[])[0].index).toBe(skew);
  });

  it('in an untimed history compares event positions and uses no window', () => {
    const events: HistoryEvent[] = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'append', key: 'k', value: 1 },
      { index: 1, time: 0, process: 'nemesis', type: 'info', f: 'start', value: null },
      { index: 2, time: 0, process: 0, type: 'ok', f: 'append', key: 'k', value: 1 },
      { index: 3, time: 0, process: 'nemesis', type: 'info', f: 'stop', value: null },
      { index: 4, time: 0, process: 1, type: 'invoke', f: 'read', key: 'k', value: null },
      { index: 5, time: 0, process: 1, type: 'ok', f: 'read', key: 'k', value: [] },
    ];
    const h = historyFromEvents(events);
    const during = planted([2]);
    const later = planted([5]);
    attributeAnomalies(h, { ...during.results, other: later.results.planted }, 60_000);
    expect(during.a.faults).toEqual([{ index: 1, f: 'start', n: 1, timeNs: 0, endIndex: 3, endTimeNs: 0, relation: 'during', what: 'happened' }]);
    expect(during.a.explanation).toBe('something went wrong. These operations ran while start #1 happened (index 1).');
    expect(later.a.faults).toBeUndefined();
  });

  it('runs after every checker in runCheckers: a real lost write is tied to the kill that followed its acknowledgement', async () => {
    const r = recorder();
    r.invoke(0, 'append', 'k', 7, 1.0);
    const ack = r.ok(0, 'append', 'k', 7, 1.002, 'n1', { role: 'leader', term: 1, pos: 5 });
    const kill = r.nemesis('kill-leader', { node: 'n1', crash: 'host' }, 1.02);
    r.invoke(1, 'read', 'k', null, 1.8);
    r.ok(1, 'read', 'k', [], 1.81, 'n2', { role: 'leader', term: 2, pos: 4 });
    r.nemesis('restart', { node: 'n1' }, 2.0);
    r.invoke(2, 'read', 'k', null, 3.0, true);
    r.ok(2, 'read', 'k', [], 3.01, 'n1', undefined, true);
    const results = await runCheckers(r.history(), selectCheckers('lost-writes', 'append'), { faultWindowMs: 500 });
    const a = results.checkers['lost-writes'].anomalies[0];
    expect(a.ops).toContain(ack);
    expect(a.faults).toMatchObject([{ index: kill, f: 'kill-leader', relation: 'after', what: 'crashed n1' }]);
    expect(a.explanation).toMatch(/\. Acknowledged by n1 as leader of term 1 \(position 5\), 0\.018 s before kill-leader #1 crashed n1 \(1\.020–2\.000 s\); n2 became leader of term 2 \(serving as leader from 1\.810 s\)\.$/);
    expect(JSON.parse(JSON.stringify(results)).checkers['lost-writes'].anomalies[0].faults[0].index).toBe(kill);
  });
});

describe('failoverWindowMs', () => {
  it("reads the target's failover timeout, when it has one", () => {
    expect(failoverWindowMs({ failover: { timeoutMs: 500 } })).toBe(500);
    expect(failoverWindowMs({ type: 'external' })).toBeUndefined();
    expect(failoverWindowMs({ failover: { timeoutMs: 'soon' } })).toBeUndefined();
    expect(failoverWindowMs(undefined)).toBeUndefined();
  });
});

describe('leader changes', () => {
  it('names a later takeover only as the aftermath of an attributed fault', () => {
    const r = recorder();
    r.invoke(0, 'append', 'k', 1, 1.0);
    const op = r.ok(0, 'append', 'k', 1, 1.01, 'n1', { role: 'leader', term: 1, pos: 1 });
    r.invoke(1, 'append', 'k', 2, 5.0);
    r.ok(1, 'append', 'k', 2, 5.01, 'n2', { role: 'leader', term: 2, pos: 2 });
    const { a, results } = planted([op]);
    attributeAnomalies(r.history(), results, 500);
    expect(a.explanation).toBe('something went wrong. Acknowledged by n1 as leader of term 1 (position 1).');
  });
});
