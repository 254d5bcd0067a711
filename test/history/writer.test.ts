// The run's history writer (history/writer.ts) writing behind on libuv's thread pool: the file is
// the one the in-place writer makes, a flush() while buffers are in flight leaves every event so far
// in the file, and a write behind that fails fails the writer.

import { pbkdf2 } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventToJson } from '../../src/history/jsonl.js';
import type { HistoryEvent } from '../../src/history/types.js';
import { HistoryWriter } from '../../src/history/writer.js';
import { anyEvent } from '../support/event-arb.js';
import { tempFiles } from '../support/files.js';

const tmp = tempFiles('replcheck-writer-', '.jsonl');
let n = 0;
const fresh = (): string => join(tmp.dir, `w${n++}.jsonl`);
const text = (events: HistoryEvent[]): string => events.map((e) => eventToJson(e) + '\n').join('');

/** Fills every thread of libuv's pool (4 unless UV_THREADPOOL_SIZE says more) with work of about half a second. */
function holdThreadPool(): Promise<unknown> {
  const threads = Math.max(4, Number(process.env.UV_THREADPOOL_SIZE ?? 4));
  const job = (): Promise<unknown> => new Promise((resolve) => pbkdf2('x', 'y', 300_000, 32, 'sha256', resolve));
  return Promise.all(Array.from({ length: threads }, job));
}

/** Enough events of the common shape to fill many small buffers. */
function events(count: number, from = 0): HistoryEvent[] {
  return Array.from({ length: count }, (_, i) => ({ index: from + i, time: (from + i) * 1000, process: i % 7, session: `s${i % 7}`, type: 'ok', f: 'read', key: `k${i % 5}`, value: [1, 2, i] }));
}

describe('HistoryWriter behind', () => {
  it('writes the same file as in place, whatever the events and buffer sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyEvent, { maxLength: 60 }), fc.integer({ min: 64, max: 4096 }), fc.integer({ min: 1, max: 4 }), async (evs, bytes, behind) => {
        const path = fresh();
        const w = new HistoryWriter(path, { flushBytes: bytes, behind });
        for (const e of evs) w.write(e);
        await w.closeDurable();
        expect(readFileSync(path, 'utf8')).toBe(text(evs));
      }),
      { numRuns: 60 },
    );
  });

  it('leaves every event so far in the file on a flush() while buffers are in flight, and goes on after it', async () => {
    const path = fresh();
    const w = new HistoryWriter(path, { flushBytes: 1 << 18, behind: 4 });
    const first = events(5000);
    // libuv's thread pool kept busy, so that the writes behind are still queued at the flush()
    const busy = holdThreadPool();
    for (const e of first) w.write(e);
    expect(statSync(path).size).toBeLessThan(text(first).length / 2);
    w.flush();
    expect(readFileSync(path, 'utf8')).toBe(text(first));
    await busy;
    const second = events(3000, 5000);
    for (const e of second) w.write(e);
    await w.closeDurable();
    expect(readFileSync(path, 'utf8')).toBe(text([...first, ...second]));
  });

  it('has the file whole once closeDurable() returns its promise, before the writes behind land', async () => {
    const path = fresh();
    const w = new HistoryWriter(path, { flushBytes: 1 << 18, behind: 8 });
    const all = events(6000);
    const busy = holdThreadPool();
    for (const e of all) w.write(e);
    expect(statSync(path).size).toBeLessThan(text(all).length / 2);
    const closed = w.closeDurable();
    // (a run's Ctrl-C while checking exits here, without waiting)
    expect(readFileSync(path, 'utf8')).toBe(text(all));
    await busy;
    await closed;
    expect(readFileSync(path, 'utf8')).toBe(text(all));
  });

  it('writes in place once `behind` buffers are in flight (the file is still whole)', async () => {
    const path = fresh();
    const w = new HistoryWriter(path, { flushBytes: 256, behind: 1 });
    const all = events(2000);
    for (let i = 0; i < all.length; i++) {
      w.write(all[i]);
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    await w.closeDurable();
    expect(readFileSync(path, 'utf8')).toBe(text(all));
  });

  it('fails closeDurable when a write behind failed (/dev/full: no space)', async () => {
    // (a buffer takes the encoder's slack, 128 KiB, and about as much again: 4000 events fill three)
    const w = new HistoryWriter('/dev/full', { flushBytes: 1 << 18, behind: 8 });
    for (const e of events(4000)) w.write(e);
    await expect(w.closeDurable()).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('fails the next write after a write behind failed', async () => {
    const w = new HistoryWriter('/dev/full', { flushBytes: 1 << 18, behind: 8 });
    for (const e of events(4000)) w.write(e);
    await new Promise((r) => setTimeout(r, 100));
    expect(() => {
      for (const e of events(4000)) w.write(e);
    }).toThrow(/ENOSPC/);
    await w.closeDurable().catch(() => undefined);
  });
});
