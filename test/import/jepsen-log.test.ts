// The jepsen-log importer: Jepsen's `INFO jepsen.util - P :type :f value` lines become history
// events; other lines are skipped; malformed event lines are errors naming the file and line.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../src/checkers/linearizable.js';
import { historyEvents } from '../../src/history/events.js';
import { parseLogLine, readJepsenLog, scanEvent } from '../../src/history/import/jepsen-log.js';
import { loadHistory } from '../../src/history/load.js';
import { tempFiles, userError } from '../support/files.js';

const { dir, file } = tempFiles('replcheck-jepsen-log-', '.log');

const CORPUS = join(import.meta.dirname, '../../../shared/corpora/jepsen-etcd');

describe('jepsen-log import', () => {
  it('reads invokes and completions, tabs or spaces, and skips other log lines', () => {
    const p = file(
      [
        'INFO  jepsen.core - Running test',
        'INFO  jepsen.util - 0\t:invoke\t:write\t3',
        'INFO  jepsen.util - 1   :invoke :read   nil',
        'INFO  jepsen.util - 0\t:ok\t:write\t3',
        'INFO  jepsen.util - 1   :ok     :read   3',
        'INFO  jepsen.util - 2\t:invoke\t:cas\t[3 4]',
        'INFO  jepsen.util - :nemesis\t:info\t:start\t"Cut off {:n1 #{:n2}}"',
        'INFO  jepsen.util - 2\t:fail\t:cas\t[3 4]',
        'some other output',
        '',
      ].join('\n'),
    );
    const h = readJepsenLog(p);
    expect(h.workload).toBe('register');
    expect(h.ops.map((o) => [o.process, o.f, o.key, o.type, o.invokeValue, o.value])).toEqual([
      [0, 'write', 'r', 'ok', 3, 3],
      [1, 'read', 'r', 'ok', null, 3],
      [2, 'cas', 'r', 'fail', [3, 4], [3, 4]],
    ]);
    expect(h.nemesis).toHaveLength(1);
    expect(h.nemesis[0]).toMatchObject({ f: 'start', type: 'info', value: 'Cut off {:n1 #{:n2}}' });
    // Times are event positions; indices are positions among the events.
    expect(historyEvents(h).map((e) => [e.index, e.time])).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => [i, i]));
    expect(h.ops[0]).toMatchObject({ invokeIndex: 0, completeIndex: 2 });
  });

  it('keeps the invoke value on :info/:fail completions and records the keyword as the error', () => {
    const h = readJepsenLog(
      file('INFO  jepsen.util - 4\t:invoke\t:write\t1\nINFO  jepsen.util - 4\t:info\t:write\t:timed-out\nINFO  jepsen.util - 5\t:invoke\t:read\tnil\nINFO  jepsen.util - 5\t:fail\t:read\t:timed-out\n'),
    );
    expect(h.ops[0]).toMatchObject({ type: 'info', value: 1, error: 'timed-out' });
    expect(h.ops[1]).toMatchObject({ type: 'fail', value: null, error: 'timed-out' });
  });

  it('uses leading timestamps as times when every event line has one', () => {
    const h = readJepsenLog(
      file('2017-03-21 14:05:40,120{GMT}\tINFO\t[jepsen worker 3] jepsen.util: 3\t:invoke\t:write\t2\n2017-03-21 14:05:40,375{GMT}\tINFO\t[jepsen worker 3] jepsen.util: 3\t:ok\t:write\t2\n'),
    );
    expect(h.ops[0]).toMatchObject({ invokeTime: 0, completeTime: 255_000_000, value: 2 });
  });

  it('gives a process that invokes again after :info a fresh process id', () => {
    const h = readJepsenLog(
      file(
        [
          'INFO  jepsen.util - 0\t:invoke\t:write\t1',
          'INFO  jepsen.util - 1\t:invoke\t:write\t2',
          'INFO  jepsen.util - 0\t:info\t:write\t:timed-out',
          'INFO  jepsen.util - 1\t:ok\t:write\t2',
          'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
          'INFO  jepsen.util - 0\t:ok\t:read\t2',
        ].join('\n'),
      ),
    );
    expect(h.ops.map((o) => o.process)).toEqual([0, 1, 2]);
  });

  it('names the file and line of a malformed event line', () => {
    const cases: [string, RegExp][] = [
      ['INFO  jepsen.util - 3\t:invoke\t:read', /the value is missing/],
      ['INFO  jepsen.util - 3\t:begin\t:read\tnil', /expected :invoke, :ok, :fail or :info, got :begin/],
      ['INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2', /not EDN .*unclosed \[/],
      ['INFO  jepsen.util - 3\t:invoke\t:cas\t4', /a cas needs \[expected new\]/],
      ['INFO  jepsen.util - 3\t:invoke\t:append\t4', /expected :read, :write or :cas/],
      ['INFO  jepsen.util - 3\t:ok\t:read\t4', /completion \(ok\) of process 3 with no pending invoke/],
    ];
    for (const [line, message] of cases) {
      const p = file(`INFO  jepsen.core - hello\n${line}\n`);
      const e = userError(() => readJepsenLog(p));
      expect(e.file).toBe(p);
      expect(e.line).toBe(2);
      expect(e.message).toMatch(message);
      expect(e.describe()).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: `));
    }
  });

  it('says so when a file holds no events; one that only reads is a register history', () => {
    expect(userError(() => readJepsenLog(file('INFO jepsen.core - nothing here\n'))).message).toMatch(/no Jepsen events/);
    const reads = file('INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\tnil\n');
    const h = readJepsenLog(reads);
    expect([h.workload, h.ops.length, h.ops[0].value]).toEqual(['register', 1, null]);
  });

  it('is chosen by the .log extension or --format jepsen-log', () => {
    const text = 'INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n';
    expect(loadHistory(file(text)).ops).toHaveLength(1);
    expect(loadHistory(file(text, '.txt'), 'jepsen-log').ops).toHaveLength(1);
  });

  it('reads a corpus file line for line', () => {
    const p = join(CORPUS, 'etcd_000.log');
    const lines = readFileSync(p, 'utf8').split('\n').filter((l) => l.includes('jepsen.util'));
    const h = loadHistory(p);
    const events = historyEvents(h);
    expect(events).toHaveLength(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const [proc, type, f] = lines[i].split(' - ')[1].split(/\s+/);
      expect([String(events[i].process), `:${events[i].type}`, `:${events[i].f}`]).toEqual([proc, type, f]);
    }
    expect(checkLinearizable(h).valid).toBe(false);
  });

  it('reads the corpus files written with spaces instead of tabs', () => {
    const h = loadHistory(join(CORPUS, 'etcd_100.log'));
    expect(h.ops.length).toBeGreaterThan(50);
    expect(checkLinearizable(h).valid).toBe(true);
  });
});

/** The event regexes the scanner replaced (quadratic over runs of spaces): its oracle on short lines. */
const OLD_EVENT_START = /jepsen\.util\s*[-:]?\s+(\d+|:nemesis)\s+:/;
const OLD_EVENT = /jepsen\.util\s*[-:]?\s+(\d+|:nemesis)\s+:(\S+)\s+:(\S+)(?:\s+(.*?))?\s*$/;

function oldScan(t: string): ReturnType<typeof scanEvent> {
  const m = OLD_EVENT.exec(t);
  if (m) return { proc: m[1], type: m[2], f: m[3], value: m[4] };
  return OLD_EVENT_START.test(t);
}

describe('jepsen-log event lines in linear time', () => {
  const ws = fc.constantFrom('', ' ', ' ', '   ', '\t', '\r', '\u00a0', '\u2028', '\ufeff', ' \r ');
  /** Lines shaped like events, each part sometimes broken, so both regex branches are exercised. */
  const eventish = fc
    .tuple(
      fc.constantFrom('', 'INFO  ', '2017-03-21 14:05:40,120 INFO [w 3] ', 'x jepsen.util '),
      fc.constantFrom('jepsen.util', 'jepsen.util', 'jepsen-util'),
      ws,
      fc.constantFrom('', '', '-', ':', '--'),
      ws,
      fc.constantFrom('0', '17', ':nemesis', 'nemesis', ':nemesisx', 'x', ''),
      ws,
      fc.constantFrom(':', ':', ''),
      fc.constantFrom('invoke', 'ok', 'info', '', 'a:b'),
      ws,
      fc.constantFrom(':', ':', ''),
      fc.constantFrom('write', 'read', 'cas', ''),
      ws,
      fc.constantFrom('', 'nil', '3', '[1 2]', '"a b"', '{:n1 #{:n2}}', '1\r2', '1\u2028', 'jepsen.util - 4 :ok :read 3'),
      ws,
    )
    .map((parts) => parts.join(''));

  it('matches exactly the lines the old regex matched, with the same fields', () => {
    const seen = { event: 0, start: 0, none: 0 };
    fc.assert(
      fc.property(eventish, (line) => {
        const got = scanEvent(line);
        expect(got).toEqual(oldScan(line));
        seen[got === true ? 'start' : got === false ? 'none' : 'event']++;
      }),
      { numRuns: 20_000 },
    );
    // The generator reaches all three outcomes, often.
    for (const n of Object.values(seen)) expect(n).toBeGreaterThan(1000);
    for (const line of [
      'INFO  jepsen.util - 0\t:invoke\t:write\t3',
      '2017-03-21 14:05:40,120{GMT}\tINFO\t[jepsen worker 3] jepsen.util: 3\t:invoke\t:write\t2',
      'INFO  jepsen.util - :nemesis\t:info\t:start\t"Cut off {:n1 #{:n2}}"  \r',
      'jepsen.util :nemesis :info :start nil',
      'jepsen.util - 3 :invoke :read',
      'jepsen.util - 3 :invoke :read   ',
      'jepsen.util -3 :invoke :read nil',
      'jepsen.util - 3 :invoke :cas [1\r2]',
      'jepsen.util - 3 :x jepsen.util - 4 :invoke :read nil',
    ]) {
      expect(scanEvent(line)).toEqual(oldScan(line));
    }
  });

  it('parses 3 MB runs of spaces anywhere in a line in milliseconds', { timeout: 20_000 }, () => {
    const S = ' '.repeat(3_000_000);
    const cases: [string, RegExp | undefined][] = [
      [`INFO  jepsen.util - 0 :invoke :write 1${S}x`, /is not EDN \(EDN: unexpected text after the value: "x"\)/],
      [`INFO  jepsen.util${S}x`, undefined],
      [`INFO  jepsen.util -${S}0${S}x`, undefined],
      [`INFO  jepsen.util - 0${S}:invoke${S}x`, /expected a Jepsen event/],
      [`INFO  jepsen.util - 0 :invoke :write [1${'\t'.repeat(3_000_000)}2]`, undefined],
      ['jepsen.util - 0 :a '.repeat(150_000), /expected a Jepsen event/],
    ];
    for (const [line, error] of cases) {
      if (error) expect(() => parseLogLine(line, 'f.log', 1)).toThrow(error);
      else parseLogLine(line, 'f.log', 1);
    }
  });

  it('rejects a value nested deeper than a history holds, naming the line', () => {
    const deep = (n: number) => `INFO  jepsen.util - 0 :invoke :write ${'['.repeat(n)}1${']'.repeat(n)}`;
    expect(parseLogLine(deep(8), 'f.log', 1)?.value).toEqual([[[[[[[[1]]]]]]]]);
    const e = userError(() => parseLogLine(deep(4000), 'f.log', 7));
    expect(e.describe()).toBe('f.log:7: the value "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" is not EDN (EDN: nested deeper than 8 levels (a history value is an element, a list of elements or a small tuple))');
  });

  it('says "cannot read" for a directory, like the other formats', () => {
    expect(userError(() => readJepsenLog(dir)).describe()).toBe(`${dir}: cannot read: EISDIR`);
    expect(userError(() => readJepsenLog(join(dir, 'missing.log'))).describe()).toBe(`${join(dir, 'missing.log')}: cannot read: ENOENT`);
  });
});
