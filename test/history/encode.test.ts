// The writer's byte encoder: for every event it writes exactly eventToJson's text and a newline,
// whether the event takes the fast path or falls back (long strings, big or nested values).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ENCODE_SLACK, encodeEvent } from '../../src/history/encode.js';
import { eventToJson } from '../../src/history/jsonl.js';
import { HistoryWriter } from '../../src/history/writer.js';
import type { HistoryEvent } from '../../src/history/types.js';
import { anyEvent } from '../support/event-arb.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-encode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('encodeEvent', () => {
  it('writes the bytes of eventToJson and a newline, or declines', () => {
    const buf = Buffer.alloc(ENCODE_SLACK);
    let fast = 0;
    let declined = 0;
    fc.assert(
      fc.property(anyEvent, (e) => {
        const end = encodeEvent(buf, 0, e);
        if (end < 0) return void declined++;
        fast++;
        expect(buf.subarray(0, end).toString('utf8')).toBe(eventToJson(e) + '\n');
      }),
      { numRuns: 3000 },
    );
    // both paths are exercised (a long string or list, or a big value, declines)
    expect(fast).toBeGreaterThan(300);
    expect(declined).toBeGreaterThan(300);
  });

  it('writes every digit count and sign of an integer as JSON.stringify does', () => {
    const buf = Buffer.alloc(ENCODE_SLACK);
    const ints = [0, -0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 9999, 10000, 123456, 1764621234567, 2 ** 31, 2 ** 53 - 1];
    for (const n of [...ints, ...ints.map((n) => -n), ...Array.from({ length: 10 }, (_, i) => 10 ** (i + 1) - 1)]) {
      for (const e of [
        { index: 0, time: Math.abs(n), process: 0, type: 'invoke', f: 'append', key: 'k', value: n },
        { index: 0, time: 0, process: 0, type: 'ok', f: 'read', key: 'k', value: [n, 7, n, 42, null, n] },
      ] as HistoryEvent[]) {
        const end = encodeEvent(buf, 0, e);
        expect(buf.subarray(0, end).toString('utf8')).toBe(eventToJson(e) + '\n');
      }
    }
  });

  it('a served object shared by many events is written the same each time; one that changes is written as it is now', () => {
    const buf = Buffer.alloc(ENCODE_SLACK);
    const frozen = Object.freeze({ role: 'primary', term: 4 });
    const live: { role: string; term?: number; pos?: number } = { role: 'leader', term: 1 };
    const line = (served: HistoryEvent['served']): string => {
      const e: HistoryEvent = { index: 3, time: 9, process: 1, type: 'ok', f: 'read', key: 'k', value: [1], node: 'n2', served };
      const end = encodeEvent(buf, 0, e);
      expect(buf.subarray(0, end).toString('utf8')).toBe(eventToJson(e) + '\n');
      return buf.subarray(0, end).toString('utf8');
    };
    expect(line(frozen)).toBe(line(frozen));
    // its text is kept as a copy: the buffer it was first written in is overwritten meanwhile
    const once = Object.freeze({ role: 'follower', term: 9, pos: 12 });
    const first = line(once);
    buf.fill(0x78);
    const other: HistoryEvent = { index: 4, time: 10, process: 2, type: 'invoke', f: 'append', key: 'k', value: 3 };
    encodeEvent(buf, 0, other);
    expect(line(once)).toBe(first);
    expect(line(live)).toContain('"served":{"role":"leader","term":1}');
    live.term = 2;
    live.pos = 7;
    expect(line(live)).toContain('"served":{"role":"leader","term":2,"pos":7}');
    expect(line(Object.freeze({ pos: 1, role: 'x' }))).toContain('"served":{"pos":1,"role":"x"}');
  });

  it('takes the fast path for what a run writes', () => {
    const buf = Buffer.alloc(ENCODE_SLACK);
    const runEvents: HistoryEvent[] = [
      { index: 0, time: 1200, process: 0, session: 's0', user: 'u1', type: 'invoke', f: 'append', key: 'k1', value: 7 },
      { index: 1, time: 3400, process: 0, session: 's0', type: 'ok', f: 'read', key: 'k1', value: [3, -7, 9007199254740991], node: 'n1', served: { role: 'leader', term: 3, pos: 812 } },
      { index: 2, time: 3500, process: 'nemesis', type: 'info', f: 'kill-leader', value: { node: 'n1' } },
      { index: 3, time: 3600, process: 2, type: 'info', f: 'cas', key: 'k"2', value: [null, 5], final: true, error: 'timeout\n' },
    ];
    for (const e of runEvents) {
      const end = encodeEvent(buf, 0, e);
      expect(end).toBeGreaterThan(0);
      expect(buf.subarray(0, end).toString('utf8')).toBe(eventToJson(e) + '\n');
    }
  });

  it('HistoryWriter files hold eventToJson lines whichever path each event took', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyEvent, { maxLength: 30 }), async (events) => {
        const path = join(dir, 'w.jsonl');
        const w = new HistoryWriter(path);
        for (const e of events) w.write(e);
        await w.closeDurable();
        expect(readFileSync(path, 'utf8')).toBe(events.map((e) => eventToJson(e) + '\n').join(''));
      }),
      { numRuns: 200 },
    );
  });
});
