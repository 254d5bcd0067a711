// The jepsen-log importer: Jepsen's `INFO jepsen.util - P :type :f value` lines become history
// events; other lines are skipped; malformed event lines are errors naming the file and line.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../src/checkers/linearizable.js';
import { UserError } from '../../src/errors.js';
import { historyEvents } from '../../src/history/events.js';
import { readJepsenLog } from '../../src/history/import/jepsen-log.js';
import { loadHistory } from '../../src/history/load.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-jepsen-log-'));
let n = 0;
function file(text: string, ext = '.log'): string {
  const p = join(dir, `h${n++}${ext}`);
  writeFileSync(p, text);
  return p;
}

function userError(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

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

  it('says so when a file holds no events, or only reads', () => {
    expect(userError(() => readJepsenLog(file('INFO jepsen.core - nothing here\n'))).message).toMatch(/no Jepsen events/);
    const reads = file('INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\tnil\n');
    expect(userError(() => readJepsenLog(reads)).message).toMatch(/needs at least one :write or :cas/);
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
