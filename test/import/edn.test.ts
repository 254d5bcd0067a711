// The EDN reader and the edn importer: Jepsen/Knossos histories as vectors or sequences of op maps
// (plain register or jepsen.independent [k v] tuples), tagged records, and errors naming the line.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../src/checkers/linearizable.js';
import { historyEvents } from '../../src/history/events.js';
import { ednToJson, EdnReader, kw, readOne } from '../../src/history/import/edn.js';
import { readEdnHistory } from '../../src/history/import/edn-history.js';
import { loadHistory } from '../../src/history/load.js';
import { tempFiles, userError } from '../support/files.js';

const { dir, file } = tempFiles('replcheck-edn-', '.edn');

describe('EDN reader', () => {
  it('reads scalars, collections, tags, comments and discards', () => {
    expect(readOne('nil')).toBe(null);
    expect(readOne('[1 -2 3.5 1/2 7N true false]')).toEqual([1, -2, 3.5, 0.5, 7, true, false]);
    expect(readOne(':read')).toBe(kw('read'));
    expect(ednToJson(readOne('{:a 1, :b [x "y\\n" \\c], "s" #{1}}'))).toEqual({ a: 1, b: ['x', 'y\n', 'c'], s: [1] });
    expect(ednToJson(readOne('#jepsen.history.Op{:index 0 :type :invoke}'))).toEqual({ index: 0, type: 'invoke' });
    expect(readOne('#inst "2017-03-21T14:05:40.120-00:00"')).toBe('2017-03-21T14:05:40.120-00:00');
    expect(readOne('[1 #_ 2 3] ; comment')).toEqual([1, 3]);
    expect(ednToJson(readOne('(1 (2))'))).toEqual([1, [2]]);
  });

  it('counts lines for top-level forms and errors', () => {
    const r = new EdnReader('{:a 1}\n\n{:b\n 2}\n', 'f.edn');
    expect(r.next()!.line).toBe(1);
    expect(r.next()!.line).toBe(3);
    expect(r.next()).toBeUndefined();
    const e = userError(() => readOne('[1\n2\n{:a', 'g.edn'));
    expect(e.message).toMatch(/unclosed \{/);
    expect(e.line).toBe(3);
    expect(userError(() => readOne('[1\n[2 3')).line).toBe(2);
    expect(userError(() => readOne('"abc')).message).toMatch(/unterminated string/);
    expect(userError(() => readOne('1 2')).message).toMatch(/unexpected text after the value/);
    expect(userError(() => readOne(']')).message).toMatch(/unexpected \]/);
  });
});

const PLAIN = `[{:type :invoke, :f :write, :value 3, :process 0, :time 1000, :index 0}
 {:type :invoke, :f :read, :value nil, :process 1, :time 2000, :index 1}
 {:type :ok, :f :write, :value 3, :process 0, :time 3000, :index 2}
 {:type :info, :f :start, :value nil, :process :nemesis, :time 3500, :index 3}
 {:type :ok, :f :read, :value 3, :process 1, :time 4000, :index 4}
 {:type :invoke, :f :cas, :value [3 4], :process 0, :time 5000, :index 5}
 {:type :info, :f :cas, :value [3 4], :process 0, :time 6000, :index 6, :error :timeout}
 {:type :invoke, :f :read, :value nil, :process 5, :time 7000, :index 7}
 {:type :ok, :f :read, :value 4, :process 5, :time 8000, :index 8}]
`;

describe('edn import', () => {
  it('reads a vector of op maps of a single register (key "r"), with times in ns', () => {
    const h = readEdnHistory(file(PLAIN));
    expect(h.workload).toBe('register');
    expect(h.ops.map((o) => [o.process, o.f, o.key, o.type, o.invokeValue, o.value, o.invokeTime, o.completeTime])).toEqual([
      [0, 'write', 'r', 'ok', 3, 3, 1000, 3000],
      [1, 'read', 'r', 'ok', null, 3, 2000, 4000],
      [0, 'cas', 'r', 'info', [3, 4], [3, 4], 5000, 6000],
      [5, 'read', 'r', 'ok', null, 4, 7000, 8000],
    ]);
    expect(h.ops[2].error).toBe('timeout');
    expect(h.nemesis).toEqual([{ index: 3, time: 3500, process: 'nemesis', type: 'info', f: 'start', value: null }]);
    expect(checkLinearizable(h).valid).toBe(true);
  });

  it('reads a bare sequence of maps and jepsen.history.Op records, with positions as times', () => {
    const h = readEdnHistory(
      file(
        '#jepsen.history.Op{:index 0, :type :invoke, :process 0, :f :write, :value 1}\n' +
          '#jepsen.history.Op{:index 1, :type :ok, :process 0, :f :write, :value 1}\n' +
          '{:type :invoke, :process 1, :f :read, :value nil}\n{:type :ok, :process 1, :f :read, :value 2}\n',
      ),
    );
    expect(historyEvents(h).map((e) => e.time)).toEqual([0, 1, 2, 3]);
    const r = checkLinearizable(h);
    expect(r.valid).toBe(false);
    expect(r.anomalies[0].explanation).toMatch(/^read of r \(index 3\) returned 2, .*no operation ever wrote 2 to r$/);
  });

  it('splits jepsen.independent [k v] tuples into keys', () => {
    const h = readEdnHistory(
      file(`[{:type :invoke, :f :write, :value [:a 1], :process 0}
{:type :ok, :f :write, :value [:a 1], :process 0}
{:type :invoke, :f :cas, :value [7 [nil 2]], :process 1}
{:type :ok, :f :cas, :value [7 [nil 2]], :process 1}
{:type :invoke, :f :read, :value [:a nil], :process 0}
{:type :ok, :f :read, :value [:a 1], :process 0}
{:type :invoke, :f :read, :value [7 nil], :process 1}
{:type :ok, :f :read, :value [7 1], :process 1}]`),
    );
    expect(h.ops.map((o) => [o.key, o.f, o.invokeValue, o.value])).toEqual([
      ['a', 'write', 1, 1],
      ['7', 'cas', [null, 2], [null, 2]],
      ['a', 'read', null, 1],
      ['7', 'read', null, 1],
    ]);
    const r = checkLinearizable(h);
    expect(r.valid).toBe(false);
    expect(r.anomalies[0].key).toBe('7');
  });

  it('names the file and line of malformed input', () => {
    const cases: [string, number, RegExp][] = [
      ['[{:type :invoke, :f :write, :value 1, :process 0}\n {:type :ok :f :write\n', 2, /unclosed \{/],
      ['{:type :invoke, :f :write, :value 1, :process 0}\n\n{:f :write, :value 1, :process 0}\n', 3, /the op map has no :type/],
      ['{:type :invoke, :f :write, :value 1, :process 0}\n[1 2]\n', 2, /expected an op map/],
      ['{:type :invoke, :f :write, :value 1, :process "p"}\n', 1, /expected a process number or :nemesis/],
      ['{:type :invoke, :f :write, :value 1, :process 0}\n{:type :invoke, :f :write, :value 2, :process 0}\n', 2, /invokes again while its op/],
      ['{:type :invoke, :f :cas, :value 1, :process 0}\n', 1, /a cas needs \[expected new\]/],
    ];
    for (const [text, line, message] of cases) {
      const p = file(text);
      const e = userError(() => readEdnHistory(p));
      expect(e.file).toBe(p);
      expect(e.line).toBe(line);
      expect(e.message).toMatch(message);
    }
    expect(userError(() => readEdnHistory(file(''))).message).toMatch(/empty file/);
    expect(userError(() => readEdnHistory(join(dir, 'missing.edn'))).message).toMatch(/cannot read: ENOENT/);
  });

  it('is chosen by the .edn extension or --format edn', () => {
    expect(loadHistory(file(PLAIN)).ops).toHaveLength(4);
    expect(loadHistory(file(PLAIN, '.txt'), 'edn').ops).toHaveLength(4);
  });

  it('gives a corpus history the same events and verdict as its Jepsen log', () => {
    const CORPUS = join(import.meta.dirname, '../../../shared/corpora/jepsen-etcd');
    for (const name of ['etcd_000', 'etcd_002', 'etcd_057']) {
      const log = loadHistory(join(CORPUS, `${name}.log`));
      const lines = readFileSync(join(CORPUS, `${name}.log`), 'utf8').split('\n').filter((l) => l.includes('jepsen.util'));
      const edn = lines.map((l) => {
        const [p, type, f, ...v] = l.split(' - ')[1].trim().split(/\s+/);
        return `{:process ${p}, :type ${type}, :f ${f}, :value ${v.join(' ')}}`;
      });
      const h = loadHistory(file(`[${edn.join('\n')}]`));
      expect(historyEvents(h)).toEqual(historyEvents(log));
      expect(checkLinearizable(h).valid).toBe(checkLinearizable(log).valid);
    }
  });
});

describe('EDN nesting limits', () => {
  const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
  const TOO_DEEP = 'EDN: nested deeper than 8 levels (a history value is an element, a list of elements or a small tuple)';

  it('reads a value 8 levels deep and rejects 9, naming the line', () => {
    expect(ednToJson(readOne(deep(8)))).toEqual([[[[[[[[1]]]]]]]]);
    const e = userError(() => readOne(`\n${deep(9)}`, 'v.edn', 4));
    expect(e.describe()).toBe(`v.edn:5: ${TOO_DEEP}`);
    expect(userError(() => readOne('{:a '.repeat(9) + '1' + '}'.repeat(9))).message).toBe(TOO_DEEP);
    expect(userError(() => readOne('#{'.repeat(9) + '}'.repeat(9))).message).toBe(TOO_DEEP);
  });

  it('rejects 4000-deep values, tag chains and discard chains without a stack overflow', { timeout: 20_000 }, () => {
    expect(userError(() => readOne(deep(4000))).message).toBe(TOO_DEEP);
    expect(userError(() => readOne('#_ '.repeat(4000) + '1 '.repeat(4001))).message).toMatch(/more than 32 tags or #_ discards in a row/);
    expect(userError(() => readOne('#t '.repeat(4000) + '1')).message).toMatch(/more than 32 tags or #_ discards in a row/);
    // A 50 MB line is refused at its ninth bracket, long before it is read.
    expect(userError(() => readOne('['.repeat(50_000_000))).message).toBe(TOO_DEEP);
  });

  it('an op map holds a value 8 levels deep; deeper is an error at its line', () => {
    const op = (v: string, type = 'invoke') => `{:type :${type}, :f :write, :value ${v}, :process 0}`;
    const ok = readEdnHistory(file(`[${op(deep(8))}\n${op(deep(8), 'ok')}]`));
    expect(ok.ops[0].invokeValue).toEqual([[[[[[[[1]]]]]]]]);
    const p = file(`[${op('1')}\n${op(deep(4000), 'ok')}]`);
    expect(userError(() => readEdnHistory(p)).describe()).toBe(`${p}:2: ${TOO_DEEP}`);
    const tagged = file(`#jepsen.history.Op${op(deep(8))}\n#jepsen.history.Op${op(deep(9), 'ok')}\n`);
    expect(userError(() => readEdnHistory(tagged)).describe()).toBe(`${tagged}:2: ${TOO_DEEP}`);
  });

  it('accepts a UTF-8 byte order mark and says "cannot read" for a directory', () => {
    expect(readEdnHistory(file(`\ufeff${PLAIN}`)).ops).toHaveLength(4);
    expect(userError(() => readEdnHistory(dir)).describe()).toBe(`${dir}: cannot read: EISDIR`);
  });
});
