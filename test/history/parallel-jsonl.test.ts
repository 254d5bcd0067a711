// The JSONL reader with a scanning thread (history/parallel-jsonl.ts, scan-worker.ts): the same
// History and the same first error as one thread, wherever the lines fall between the threads.
// The scanning thread runs the compiled worker, so these tests drive the compiled reader (dist/,
// which `npm test` builds first); files are cut into tiny stretches and the reader waits for the
// scanning thread's first one, so both threads read even a small file. No thread is left behind.

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { readJsonlHistory as ReadJsonl } from '../../src/history/jsonl.js';
import type { stretchBounds as StretchBounds, ParallelOptions } from '../../src/history/parallel-jsonl.js';
import { eventToJson } from '../../src/history/jsonl.js';
import { appendModelEvents } from '../support/append-model.js';
import { mutate, mutatedHistory, SEEDS } from './mutations.js';

const dist = (path: string) => import(new URL(`../../dist/${path}`, import.meta.url).href);
const { readJsonlHistory } = (await dist('history/jsonl.js')) as { readJsonlHistory: typeof ReadJsonl };
const { stretchBounds } = (await dist('history/parallel-jsonl.js')) as { stretchBounds: typeof StretchBounds };

const dir = mkdtempSync(join(tmpdir(), 'replcheck-parallel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(bytes: string | Buffer): string {
  const path = join(dir, `h${n++}.jsonl`);
  writeFileSync(path, bytes);
  return path;
}

/** What a read gives: the History as JSON, or the one line of its UserError (from dist/: matched by name). */
function outcome(path: string, opts: ParallelOptions): string {
  try {
    const h = readJsonlHistory(path, opts);
    return JSON.stringify({ ops: h.ops, nemesis: h.nemesis, eventCount: h.eventCount, endTime: h.endTime, workload: h.workload, hasFinalReads: h.hasFinalReads });
  } catch (e) {
    if ((e as Error).name === 'UserError') return `error: ${(e as { describe(): string }).describe()}`;
    throw e;
  }
}

/** One thread's outcome and two threads' (stretches of `stretch` bytes), and how many stretches the scanning thread read. */
function both(path: string, stretch: number) {
  let scanned = -1;
  let stretches = -1;
  const two = outcome(path, { threads: 2, minBytes: 0, stretchBytes: stretch, awaitScanner: true, onRead: (s, all) => ((scanned = s), (stretches = all)) });
  return { one: outcome(path, { threads: 1 }), two, scanned, stretches };
}

async function noThreadsLeft(): Promise<void> {
  const left = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker');
  for (let i = 0; i < 60 && left().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(left()).toEqual([]);
}
afterEach(noThreadsLeft);

/** A valid list-append history's lines; every third completion says what served it. */
const lines = (seed: number, ops: number) =>
  appendModelEvents(seed, { ops, processes: 8, keys: 5, users: 3, nodes: 3, finalReads: true, failRate: 0.05, infoRate: 0.05 })
    .map((e) => (e.type !== 'invoke' && e.index % 3 === 0 ? { ...e, served: { role: 'leader', term: 1, pos: e.index } } : e))
    .map(eventToJson);

describe('reading a JSONL history with two threads', () => {
  it('makes the History one thread makes, with the scanning thread reading part of it', () => {
    const path = file(lines(7, 3000).join('\n') + '\n');
    const r = both(path, 8 * 1024);
    expect(r.two).toBe(r.one);
    expect(r.one.startsWith('error')).toBe(false);
    expect(r.stretches).toBeGreaterThan(20);
    expect(r.scanned).toBeGreaterThan(0);
    expect(r.scanned).toBeLessThan(r.stretches);
  });

  it('gives the first error one thread gives when it lies in a stretch the scanning thread read', () => {
    const good = lines(3, 2000);
    const at = good.length - 40; // near the end: the scanning thread's side
    const cases: [string, string[]][] = [
      ['broken JSON', [...good.slice(0, at), '{"index":', ...good.slice(at)]],
      ['a completion with no invoke', [...good.slice(0, at), JSON.stringify({ index: at, time: 1, process: 999, type: 'ok', f: 'append', key: 'k0', value: 1 }), ...good.slice(at)]],
      ['time going back', [...good.slice(0, at), good[at].replace(/"time":\d+/, '"time":0'), ...good.slice(at + 1)]],
      ['a line the scanner does not take (spaces) that is fine', [...good.slice(0, at), good[at].replace(/,/g, ', '), ...good.slice(at + 1)]],
    ];
    for (const [what, ls] of cases) {
      const r = both(file(ls.join('\n') + '\n'), 4 * 1024);
      expect(r.scanned, what).toBeGreaterThan(0);
      expect(r.two, what).toBe(r.one);
    }
    expect(both(file(cases[0][1].join('\n')), 4096).two).toMatch(new RegExp(`:${at + 1}: not valid JSON`));
  });

  it("names a line the scanning thread read in a later error (the first append's, when a write mixes workloads)", () => {
    const ev = (index: number, process: number, type: string, f: string, value: unknown) => JSON.stringify({ index, time: index, process, type, f, key: 'k', value });
    const ls: string[] = [];
    for (let i = 0; i < 600; i++) ls.push(ev(ls.length, 0, 'invoke', 'read', null), ev(ls.length + 1, 0, 'ok', 'read', []));
    ls.push(ev(ls.length, 1, 'invoke', 'append', 1), ev(ls.length + 1, 1, 'ok', 'append', 1));
    const first = ls.length - 1; // the append's line number (1-based) is first
    ls.push(ev(ls.length, 2, 'invoke', 'write', 5));
    const r = both(file(ls.join('\n') + '\n'), 2048);
    expect(r.scanned).toBeGreaterThan(0);
    expect(r.two).toBe(r.one);
    expect(r.one).toContain(`line ${first} has an append`);
  });

  it('handles CRLF line ends, no trailing newline, blank lines and a line longer than many stretches', () => {
    const ls = lines(5, 800);
    const long = JSON.stringify({ index: 0, time: 0, process: 'nemesis', type: 'info', f: 'start', value: 'x'.repeat(100_000) });
    const variants = [ls.join('\r\n'), ['', ...ls.slice(0, 400), '', '   ', ...ls.slice(400)].join('\n'), [long, ...ls.map((l) => l.replace(/"index":(\d+)/, (_, i) => `"index":${Number(i) + 1}`))].join('\n') + '\n'];
    for (const v of variants) {
      const r = both(file(v), 2048);
      expect(r.two).toBe(r.one);
    }
  });

  it('cuts the file into stretches of whole lines, linear in a line that spans many', () => {
    const text = ['a'.repeat(50), 'b'.repeat(10_000), '', 'c', 'd'.repeat(300)].join('\n');
    const path = file(text);
    const fd = openSync(path, 'r');
    try {
      const bounds = stretchBounds(fd, path, text.length, 64);
      expect(bounds[0]).toBe(0);
      expect(bounds[bounds.length - 1]).toBe(text.length);
      for (let c = 1; c < bounds.length; c++) {
        expect(bounds[c]).toBeGreaterThanOrEqual(bounds[c - 1]);
        if (bounds[c] < text.length) expect(text[bounds[c] - 1]).toBe('\n');
      }
      expect(new Set(bounds).size).toBeLessThan(12); // the 10k line's stretches all start after it
    } finally {
      closeSync(fd);
    }
  });

  it('agrees with one thread on mutated histories (the first error, or the same History)', () => {
    const jsonl = SEEDS.map(([ext, b], i) => [ext, b, i] as const).filter(([ext]) => ext === '.jsonl');
    fc.assert(
      fc.property(mutatedHistory, ([s, ms]) => {
        const [, bytes] = jsonl[s % jsonl.length];
        const path = file(mutate(bytes, ms));
        const r = both(path, 96);
        expect(r.two).toBe(r.one);
      }),
      { numRuns: 40 },
    );
  });

  it('reads every stretch itself when the scanning thread fails, and makes the same History', () => {
    const path = file(lines(9, 1500).join('\n') + '\n');
    let scanned = -1;
    const two = outcome(path, { threads: 2, minBytes: 0, stretchBytes: 4096, awaitScanner: true, failScanner: true, onRead: (s) => (scanned = s) });
    expect(scanned).toBe(0);
    expect(two).toBe(outcome(path, { threads: 1 }));
  });

  it('reads a stretch the scanning thread claimed but stalls on itself, once it shows no progress', () => {
    const path = file(lines(11, 1500).join('\n') + '\n');
    let scanned = -1;
    const t0 = performance.now();
    const two = outcome(path, { threads: 2, minBytes: 0, stretchBytes: 4096, awaitScanner: true, stallScanner: true, stalledMs: 300, onRead: (s) => (scanned = s) });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    expect(scanned).toBe(0);
    expect(two).toBe(outcome(path, { threads: 1 }));
  });

  it('reads with one thread when told to, or when the file is small', () => {
    const path = file(lines(1, 200).join('\n') + '\n');
    let told = false;
    outcome(path, { threads: 1, minBytes: 0, onRead: () => (told = true) });
    outcome(path, { threads: 2, onRead: () => (told = true) }); // below PARALLEL_MIN_BYTES
    expect(told).toBe(false);
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });
});
