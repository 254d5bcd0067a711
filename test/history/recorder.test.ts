// The run's column store: the History it builds at the end is the one the builder builds event by
// event, and a broken event gets the same message.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyFromEvents } from '../../src/history/builder.js';
import { EventRecorder } from '../../src/history/recorder.js';
import type { HistoryEvent } from '../../src/history/types.js';
import { appendModelEvents } from '../support/append-model.js';
import { plainHistory } from '../support/plain-history.js';
import { userError } from '../support/user-error.js';

function recorded(events: HistoryEvent[]): EventRecorder {
  const rec = new EventRecorder();
  for (const e of events) rec.add(e);
  return rec;
}

/** A register history: writes, cas (expected may be null), reads of ints or null, some served. */
function registerEvents(seed: number): HistoryEvent[] {
  const rnd = fc.sample(fc.array(fc.nat(99), { minLength: 400, maxLength: 400 }), { seed, numRuns: 1 })[0];
  const events: HistoryEvent[] = [];
  let t = 0;
  for (let i = 0; i + 3 < rnd.length; i += 4) {
    const p = rnd[i] % 5;
    const f = (['read', 'write', 'cas'] as const)[rnd[i + 1] % 3];
    const v = f === 'read' ? null : f === 'write' ? rnd[i + 2] : [rnd[i + 2] % 3 === 0 ? null : rnd[i + 2], rnd[i + 3]];
    const type = (['ok', 'ok', 'fail', 'ok'] as const)[rnd[i + 3] % 4];
    const base = { process: p + 5 * i, session: `s${p}`, f, key: `k${rnd[i] % 3}` };
    events.push({ index: events.length, time: t++, ...base, type: 'invoke', value: v });
    if (i % 40 === 0) events.push({ index: events.length, time: t++, process: 'nemesis', type: 'info', f: 'kill', value: { node: 'n1' } });
    const done: HistoryEvent = { index: events.length, time: t++, ...base, type, value: f === 'read' && type === 'ok' ? (rnd[i + 2] % 4 === 0 ? null : rnd[i + 2]) : v, node: `n${rnd[i + 2] % 3}` };
    if (type === 'fail') done.error = rnd[i] % 2 ? 'timeout' : 'compare failed';
    if (rnd[i + 1] % 2) done.served = { role: rnd[i] % 2 ? 'leader' : 'follower', term: rnd[i] % 4, pos: i };
    events.push(done);
  }
  return events.map((e, index) => ({ ...e, index }));
}

describe('EventRecorder', () => {
  it('gives back every event as it was recorded', () => {
    for (const events of [appendModelEvents(3), registerEvents(4)]) {
      const rec = recorded(events);
      expect(rec.length).toBe(events.length);
      for (let i = 0; i < events.length; i++) expect(rec.event(i)).toEqual({ ...events[i], ...(events[i].value === undefined ? { value: null } : {}) });
    }
  });

  it('keeps every read list as its list buffer grows past the size where it grows in place (4M elements)', () => {
    const rec = new EventRecorder();
    const list = (i: number) => Array.from({ length: 1000 + (i % 7) }, (_, j) => i * 10_000 + j);
    let elements = 0;
    let n = 0;
    for (; elements < 4 << 20; n++) {
      rec.record(2 * n, 1, 0, 'read', 'x', null, 's1', undefined, undefined, undefined, undefined, undefined);
      rec.record(2 * n + 1, 1, 1, 'read', 'x', list(n), 's1', undefined, undefined, undefined, undefined, undefined);
      elements += list(n).length;
    }
    expect((rec.flat.buffer as ArrayBuffer & { resizable: boolean }).resizable).toBe(true); // grown in place, not copied as it doubled
    const h = rec.toHistory('mem');
    expect(h.ops).toHaveLength(n);
    for (const i of [0, 1, 1023, 1024, n - 1]) {
      expect(rec.event(2 * i + 1).value).toEqual(list(i));
      expect(h.ops[i].value).toEqual(list(i));
    }
  });

  it('keeps every field of every event across its 16,384-row chunks, through record() as through add()', () => {
    const rec = new EventRecorder();
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const final = i % 7 === 0 ? i % 14 === 0 : undefined;
      rec.record(i * 1000 + 0.5, i % 37, i % 4, i % 3 === 0 ? 'read' : 'write', `k${i % 101}`, i % 5 === 0 ? null : i % 5 === 1 ? [i, i + 1] : i, `s${i % 37}`, i % 11 === 0 ? `u${i % 3}` : undefined, i % 2 === 0 ? `n${i % 3}` : undefined, i % 4 >= 2 ? `e${i % 13}` : undefined, i % 9 === 0 ? { role: 'primary', term: i } : undefined, final);
    }
    expect(rec.length).toBe(n);
    for (const i of [0, 1, 16_383, 16_384, 16_385, 32_767, 32_768, 39_999]) {
      const e = rec.event(i);
      expect(e.time).toBe(i * 1000 + 0.5);
      expect(e.process).toBe(i % 37);
      expect(e.type).toBe(['invoke', 'ok', 'fail', 'info'][i % 4]);
      expect(e.key).toBe(`k${i % 101}`);
      expect(e.value).toEqual(i % 5 === 0 ? null : i % 5 === 1 ? [i, i + 1] : i);
      expect([e.session, e.user, e.node, e.error]).toEqual([`s${i % 37}`, i % 11 === 0 ? `u${i % 3}` : undefined, i % 2 === 0 ? `n${i % 3}` : undefined, i % 4 >= 2 ? `e${i % 13}` : undefined]);
      expect(e.served).toEqual(i % 9 === 0 ? { role: 'primary', term: i } : undefined);
      expect(e.final).toBe(i % 7 === 0 ? i % 14 === 0 : undefined);
    }
  });

  it('builds the History the builder builds event by event (append and register)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      for (const events of [appendModelEvents(seed, { finalReads: seed % 2 === 0 }), registerEvents(seed)]) {
        expect(plainHistory(recorded(events).toHistory())).toEqual(plainHistory(historyFromEvents(events)));
      }
    }
  });

  it('keeps lists that are not all int32 as they are', () => {
    const events: HistoryEvent[] = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'read', key: 'k', value: null },
      { index: 1, time: 1, process: 0, type: 'ok', f: 'read', key: 'k', value: [1, 2.5, 2 ** 40, 'x'] },
    ];
    expect(recorded(events).event(1).value).toEqual([1, 2.5, 2 ** 40, 'x']);
    expect(plainHistory(recorded(events).toHistory())).toEqual(plainHistory(historyFromEvents(events)));
  });

  it('reports a broken event with the builder\'s message, naming its line', () => {
    const events: HistoryEvent[] = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'append', key: 'k', value: 1 },
      { index: 1, time: 1, process: 0, type: 'ok', f: 'append', key: 'k', value: 1 },
      { index: 2, time: 2, process: 0, type: 'ok', f: 'append', key: 'k', value: 1 },
    ];
    const got = userError(() => recorded(events).toHistory('h.jsonl'));
    expect(got).toBe(userError(() => historyFromEvents(events, 'h.jsonl')));
    expect(got).toMatch(/^h\.jsonl:3: type: /);
  });

  it('gives a bad served, a served on an invoke and time going backwards the builder\'s messages', () => {
    const ok = (index: number, time: number, extra: Partial<HistoryEvent>): HistoryEvent => ({ index, time, process: 0, type: 'ok', f: 'read', key: 'k', value: [-1, 2], ...extra });
    const invoke: HistoryEvent = { index: 0, time: 5, process: 0, type: 'invoke', f: 'read', key: 'k', value: null };
    const cases: HistoryEvent[][] = [
      [invoke, ok(1, 6, { served: { role: 'leader', term: -1 } })],
      [invoke, ok(1, 6, { served: { role: '' } })],
      [{ ...invoke, served: { role: 'leader' } }],
      [invoke, ok(1, 4, {})],
    ];
    for (const events of cases) {
      expect(userError(() => recorded(events).toHistory('h.jsonl'))).toBe(userError(() => historyFromEvents(events, 'h.jsonl')));
    }
    // the same served object on many events is checked once, and kept on each
    const shared = { role: 'leader', term: 2 };
    const events: HistoryEvent[] = [];
    for (let i = 0; i < 6; i += 2) events.push({ ...invoke, index: i, time: i }, ok(i + 1, i + 1, { served: shared }));
    expect(plainHistory(recorded(events).toHistory())).toEqual(plainHistory(historyFromEvents(events)));
  });
});
