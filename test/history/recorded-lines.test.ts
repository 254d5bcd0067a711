// The history file's lines made from a run's event columns: for every event exactly eventToJson's
// text of the event the recorder gives back (and so of what the runner recorded), whichever path
// it took; a file written a stretch at a time is the file written event by event.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ENCODE_SLACK } from '../../src/history/encode.js';
import { eventToJson } from '../../src/history/jsonl.js';
import { RecordedLines } from '../../src/history/recorded-lines.js';
import { EventRecorder } from '../../src/history/recorder.js';
import type { HistoryEvent } from '../../src/history/types.js';
import { HistoryWriter } from '../../src/history/writer.js';
import { appendModelEvents } from '../support/append-model.js';
import { anyEvent } from '../support/event-arb.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-recorded-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recorded(events: HistoryEvent[]): EventRecorder {
  const rec = new EventRecorder();
  events.forEach((e, index) => rec.add({ ...e, index }));
  return rec;
}

describe('RecordedLines', () => {
  it('writes eventToJson of the recorded event and a newline, or declines (any event)', () => {
    const buf = Buffer.alloc(ENCODE_SLACK);
    let fast = 0;
    let declined = 0;
    fc.assert(
      fc.property(fc.array(anyEvent, { minLength: 1, maxLength: 8 }), (events) => {
        const rec = recorded(events);
        const lines = new RecordedLines(rec);
        for (let i = 0; i < events.length; i++) {
          expect(lines.text(i)).toBe(eventToJson(rec.event(i)));
          const end = lines.encode(i, buf, 0);
          if (end < 0) {
            declined++;
            continue;
          }
          fast++;
          expect(buf.subarray(0, end).toString('utf8')).toBe(lines.text(i) + '\n');
        }
      }),
      { numRuns: 1500 },
    );
    // both paths are exercised (a nemesis event, a long name or list, a big value declines)
    expect(fast).toBeGreaterThan(1000);
    expect(declined).toBeGreaterThan(300);
  });

  it('writes what a run records as the runner recorded it, on the fast path', () => {
    const buf = Buffer.alloc(ENCODE_SLACK);
    const served = Object.freeze({ role: 'leader', term: 3, pos: 812 });
    const events: HistoryEvent[] = [
      ...appendModelEvents(5, { finalReads: true }),
      { index: 0, time: 1200, process: 0, session: 's0', user: 'u1', type: 'invoke', f: 'cas', key: 'k"1', value: [null, 5] },
      { index: 0, time: 3400, process: 0, session: 's0', user: 'u1', type: 'ok', f: 'cas', key: 'k"1', value: [null, 5], node: 'n1', served },
      { index: 0, time: 3500, process: 7, session: 's0', type: 'info', f: 'write', key: 'k1', value: -7, node: 'n2', error: 'timeout\n', served },
      { index: 0, time: 3600, process: 8, type: 'fail', f: 'read', key: 'k1', value: null, node: 'n3', final: true, error: 'node did not answer the final read' },
    ];
    const rec = recorded(events);
    const lines = new RecordedLines(rec);
    for (let i = 0; i < events.length; i++) {
      const end = lines.encode(i, buf, 0);
      const e = { ...events[i], index: i };
      if (e.process === 'nemesis') {
        expect(end).toBe(-1);
        continue;
      }
      expect(end).toBeGreaterThan(0);
      expect(buf.subarray(0, end).toString('utf8')).toBe(eventToJson(e) + '\n');
    }
  });

  it('HistoryWriter.writeFrom in stretches writes the file write() writes event by event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyEvent, { maxLength: 30 }), fc.array(fc.nat(30), { maxLength: 4 }), fc.constantFrom(256, ENCODE_SLACK, 1 << 20), async (events, cuts, flushBytes) => {
        const rec = recorded(events);
        const lines = new RecordedLines(rec);
        const path = join(dir, 'from.jsonl');
        const w = new HistoryWriter(path, { flushBytes });
        let at = 0;
        for (const cut of [...cuts.map((c) => Math.min(c, events.length)).sort((a, b) => a - b), events.length]) {
          w.writeFrom(lines, at, Math.max(at, cut));
          at = Math.max(at, cut);
        }
        await w.closeDurable();
        const want = events.map((_, i) => eventToJson(rec.event(i)) + '\n').join('');
        expect(readFileSync(path, 'utf8')).toBe(want);
        expect(w.count).toBe(events.length);
      }),
      { numRuns: 150 },
    );
  });
});
