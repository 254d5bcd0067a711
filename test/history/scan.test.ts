// The byte scanner behind readJsonlHistory: for every file it gives what the old reader gave
// (JSON.parse and HistoryBuilder.add of every line) — a History deep-equal to it, the same flat
// read lists, or the same UserError text — whichever lines it scans and whichever it leaves to
// JSON.parse; and lines are decoded on line boundaries, however long.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flatReads, historyFromEvents } from '../../src/history/builder.js';
import { eventToJson, forEachLine, readJsonlHistory } from '../../src/history/jsonl.js';
import { utf16Units } from '../../src/history/lines.js';
import { LineScanner } from '../../src/history/scan.js';
import { ScannedEvent } from '../../src/history/scanned.js';
import type { HistoryEvent } from '../../src/history/types.js';
import { appendModelArb, appendModelEvents } from '../support/append-model.js';
import { anyEvent } from '../support/event-arb.js';
import { tempFiles, userError } from '../support/files.js';
import { plainHistory } from '../support/plain-history.js';
import { mutate, mutatedHistory, SEEDS } from './mutations.js';
import { expectSameAsReference } from './reference-reader.js';
import { PERTURBATIONS, perturb, registerEvents, withServed } from './scan-cases.js';

const tmp = tempFiles('replcheck-scan-', '.jsonl');
const lines = (ls: string[]): string => tmp.file(ls.map((l) => `${l}\n`).join(''));
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

describe('the fast reader builds the History the builder builds from the events', () => {
  it('on random append histories, with and without served', () => {
    fc.assert(
      fc.property(appendModelArb, fc.boolean(), ({ seed, options }, served) => {
        const events = served ? withServed(appendModelEvents(seed, options), seed) : appendModelEvents(seed, options);
        const path = lines(events.map(eventToJson));
        const h = readJsonlHistory(path);
        const ref = historyFromEvents(events, path);
        expect(plainHistory(h)).toStrictEqual(plainHistory(ref));
        expect(flatReads(h)).toStrictEqual(flatReads(ref));
      }),
      { numRuns: RUNS },
    );
  });

  it('on random register histories', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
        const events = registerEvents(seed);
        const path = lines(events.map(eventToJson));
        expect(plainHistory(readJsonlHistory(path))).toStrictEqual(plainHistory(historyFromEvents(events, path)));
      }),
      { numRuns: 100 },
    );
  });

  it('scans every client line the writer writes, field for field', () => {
    const scanner = new LineScanner();
    const s = new ScannedEvent();
    for (const e of withServed(appendModelEvents(5, { ops: 300 }), 5)) {
      const b = Buffer.from(`${eventToJson(e)}\n`);
      if (e.process === 'nemesis') {
        expect(scanner.scan(b, 0, b.length - 1, s)).toBe(false);
        continue;
      }
      expect(scanner.scan(b, 0, b.length - 1, s)).toBe(true);
      const got = { index: s.index, time: s.time, process: s.process, type: s.type, f: s.f, key: s.key, value: s.value() };
      expect(got).toStrictEqual({ index: e.index, time: e.time, process: e.process, type: e.type, f: e.f, key: e.key, value: e.value });
      expect([s.session, s.user, s.node, s.error, s.final, s.served]).toStrictEqual([e.session, e.user, e.node, e.error, e.final, e.served]);
    }
  });
});

describe('the fast reader and the old one agree on every file', () => {
  it('on valid histories with lines reshaped (whitespace, order, escapes, numbers, fields, served)', () => {
    let valid = 0;
    let invalid = 0;
    const edit = fc.record({ line: fc.nat(), kind: fc.constantFrom(...PERTURBATIONS), pick: fc.nat() });
    fc.assert(
      fc.property(appendModelArb, fc.array(edit, { minLength: 1, maxLength: 4 }), ({ seed, options }, edits) => {
        const text = withServed(appendModelEvents(seed, options), seed).map(eventToJson);
        for (const e of edits) if (text.length > 0) text[e.line % text.length] = perturb(text[e.line % text.length], e.kind, e.pick);
        if (expectSameAsReference(lines(text))) valid++;
        else invalid++;
      }),
      { numRuns: RUNS * 2 },
    );
    expect(valid).toBeGreaterThan(0);
    expect(invalid).toBeGreaterThan(0);
  });

  it('on mutated files (byte flips, truncation, dropped, duplicated and garbage lines)', () => {
    const model = Buffer.from(withServed(appendModelEvents(3, { ops: 60 }), 3).map((e) => `${eventToJson(e)}\n`).join(''));
    const seeds = [model, ...SEEDS.filter(([ext]) => ext === '.jsonl').map(([, bytes]) => bytes)];
    let n = 0;
    fc.assert(
      fc.property(mutatedHistory, ([seed, ms]) => {
        const path = join(tmp.dir, `mutated-${n++}.jsonl`);
        writeFileSync(path, mutate(seeds[seed % seeds.length], ms));
        expectSameAsReference(path);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('on arbitrary events (any JSON, any string, floats) among valid ones', () => {
    const base = appendModelEvents(9, { ops: 20 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length), anyEvent), { maxLength: 3 }), fc.boolean(), (inserts, keepIndex) => {
        const events: HistoryEvent[] = base.slice();
        for (const [at, e] of inserts) events.splice(at % (events.length + 1), 0, e);
        const text = events.map((e, index) => eventToJson(keepIndex ? e : { ...e, index }));
        expectSameAsReference(lines(text));
      }),
      { numRuns: RUNS },
    );
  });

  it('on blank lines, CRLF line ends and a byte order mark', () => {
    const text = appendModelEvents(1, { ops: 10 }).map(eventToJson);
    expect(expectSameAsReference(tmp.file(`\ufeff${text.join('\r\n')}\r\n`))).toBe(true);
    expect(expectSameAsReference(tmp.file(`${text.slice(0, 3).join('\n')}\n\n  \t\r\n${text.slice(3).join('\n')}`))).toBe(true);
    expect(expectSameAsReference(tmp.file(`${text[0]}\n\ufeff${text[1]}\n`))).toBe(false);
  });
});

describe('lines are decoded from their bytes on line boundaries', () => {
  const EDGE = 8 * 1024 * 1024;

  it('keeps a multi-byte character that straddles the 8 MiB chunk edge whole', { timeout: 60_000 }, () => {
    for (const [ch, cut] of [['é', 1], ['€', 1], ['€', 2], ['😀', 1], ['😀', 2], ['😀', 3]] as const) {
      const head = '{"index":0,"time":0,"process":0,"session":"';
      const pad = 'a'.repeat(EDGE - cut - head.length);
      const session = `${pad}${ch}${'b'.repeat(1000)}`;
      const first = `${head}${session}","type":"invoke","f":"append","key":"k","value":1}`;
      expect(Buffer.from(first).indexOf(Buffer.from(ch))).toBe(EDGE - cut);
      const second = '{"index":1,"time":5,"process":0,"type":"ok","f":"append","key":"k","value":1}';
      const path = lines([first, second]);
      const seen: string[] = [];
      forEachLine(path, (t) => seen.push(t));
      expect(seen).toEqual([first, second]);
      expect(readJsonlHistory(path).ops[0].session).toBe(session);
    }
  });

  it('reads lines longer than two chunks, and the lines after them', { timeout: 60_000 }, () => {
    const long = `{"index":0,"time":0,"process":0,"type":"invoke","f":"read","key":"k","value":[${Array.from({ length: 2_500_000 }, (_, i) => i).join(',')}]}`;
    expect(long.length).toBeGreaterThan(2 * EDGE);
    const rest = ['{"index":1,"time":1,"process":0,"type":"ok","f":"read","key":"k","value":[7]}'];
    const path = lines([long, ...rest]);
    const h = readJsonlHistory(path);
    expect((h.ops[0].invokeValue as number[]).length).toBe(2_500_000);
    expect(h.ops[0].value).toEqual([7]);
    const seen: number[] = [];
    forEachLine(path, (t) => seen.push(t.length));
    expect(seen).toEqual([long.length, rest[0].length]);
  });
});

describe('the line length limit', () => {
  it('counts a line in UTF-16 units, as a decoded string measures it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (t) => {
        const b = Buffer.from(t);
        expect(utf16Units(b, 0, b.length)).toBe(b.toString('utf8').length);
      }),
    );
  });

  it.skipIf(!existsSync('/dev/zero'))('stops reading an endless line (/dev/zero) at 256 MiB, naming line 1', { timeout: 60_000 }, () => {
    expect(userError(() => readJsonlHistory('/dev/zero')).describe()).toBe('/dev/zero:1: line longer than 256 MiB; one event per line is expected');
  });
});

describe('a larger history', () => {
  it('of 25k ops (long read lists) loads as the builder builds it', () => {
    const events = withServed(appendModelEvents(4, { ops: 25_000, keys: 50, processes: 16 }), 4);
    const path = lines(events.map(eventToJson));
    expect(plainHistory(readJsonlHistory(path))).toStrictEqual(plainHistory(historyFromEvents(events, path)));
  });
});
