// The Porcupine kv importer: kv histories by --format porcupine-kv or detected from EDN content,
// errors naming the line and field, and the check of a kv history end to end (exit codes).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOne } from '../../src/cli/check.js';
import { formatOf, loadHistory } from '../../src/history/load.js';
import { readJsonlHistory } from '../../src/history/jsonl.js';
import { tempFiles, userError } from '../support/files.js';

const { dir, file } = tempFiles('replcheck-kv-', '.txt');

const OK = [
  '{:process 0, :type :invoke, :f :put, :key "1", :value "a"}',
  '{:process 0, :type :ok, :f :put, :key "1", :value "a"}',
  '{:process 1, :type :invoke, :f :append, :key "1", :value "b"}',
  '{:process 1, :type :ok, :f :append, :key "1", :value "b"}',
  '{:process 0, :type :invoke, :f :get, :key "1", :value nil}',
  '{:process 0, :type :ok, :f :get, :key "1", :value "ab"}',
  '{:process 0, :type :invoke, :f :get, :key "2", :value nil}',
  '{:process 0, :type :ok, :f :get, :key "2", :value ""}',
].join('\n');

describe('the Porcupine kv importer', () => {
  it('reads a kv history, by --format or detected from the EDN content of a .txt or .edn file', () => {
    for (const [p, fmt] of [[file(OK), 'porcupine-kv'], [file(OK), undefined], [file(OK, '.edn'), undefined]] as const) {
      const h = loadHistory(p, fmt);
      expect(h.workload).toBe('kv');
      expect(h.ops.map((o) => [o.f, o.key, o.type, o.value])).toEqual([
        ['put', '1', 'ok', 'a'],
        ['append', '1', 'ok', 'b'],
        ['get', '1', 'ok', 'ab'],
        ['get', '2', 'ok', ''],
      ]);
    }
    expect(formatOf(file(OK))).toBe('edn');
    expect(formatOf(file('{"index":0}\n'))).toBe('jsonl');
  });

  it('names the line and field of bad input', () => {
    const bad = (line: string, at = 2) => userError(() => loadHistory(file(OK.split('\n').slice(0, at - 1).concat(line).join('\n')), 'porcupine-kv'));
    let e = bad('{:process 0, :type :invoke, :f :cas, :key "1", :value "a"}');
    expect(e.describe()).toMatch(/\.txt:2: :f: expected :get, :put or :append, got "cas"$/);
    e = bad('{:process 0, :type :ok, :f :put, :key 3, :value "a"}');
    expect(e.describe()).toMatch(/\.txt:2: :key: expected a string, got 3$/);
    e = bad('{:process 1, :type :invoke, :f :append, :key "1", :value 7}', 3);
    expect(e.describe()).toMatch(/\.txt:3: value: expected the string to append, got 7$/);
    e = bad('{:process 0, :type :ok, :f :put, :key "1"', 2);
    expect(e.describe()).toMatch(/\.txt:2: EDN: unclosed/);
    e = bad('{:process 5, :type :ok, :f :put, :key "1", :value "a"}', 2);
    expect(e.describe()).toMatch(/\.txt:2: type: a completion \(ok\) of process 5 with no pending invoke$/);
  });

  it('reads a JSONL history whose first client op is a get or a put as kv (what a kv check writes), and no other', () => {
    const ev = (i: number, type: string, f: string, value: unknown) => JSON.stringify({ index: i, time: i, process: 0, type, f, key: 'k', value });
    const kv = file([ev(0, 'invoke', 'put', 'a'), ev(1, 'ok', 'put', 'a'), ev(2, 'invoke', 'get', null), ev(3, 'ok', 'get', 'a')].join('\n') + '\n', '.jsonl');
    expect(readJsonlHistory(kv).workload).toBe('kv');
    const late = file([ev(0, 'invoke', 'read', null), ev(1, 'ok', 'read', [1]), ev(2, 'invoke', 'get', null)].join('\n') + '\n', '.jsonl');
    expect(userError(() => readJsonlHistory(late)).describe()).toMatch(/:3: f: expected one of append, read, write, cas, got "get"/);
    const mixed = file([ev(0, 'invoke', 'put', 'a'), ev(1, 'ok', 'put', 'a'), ev(2, 'invoke', 'cas', [1, 2])].join('\n') + '\n', '.jsonl');
    expect(userError(() => readJsonlHistory(mixed)).describe()).toMatch(/:3: f: expected one of get, put, append \(a kv history\), got "cas"/);
  });

  it('checks a kv history: exit 0 when linearizable, 1 when not, and the append checkers do not apply', async () => {
    const good = await checkOne(file(OK), join(dir, 'out-ok'), { html: false, quiet: true });
    expect(good.error).toBeUndefined();
    expect(good.code).toBe(0);
    expect(Object.keys(good.results!.checkers)).toEqual(['linearizable']);
    const wrong = OK.replace(':value "ab"}', ':value "ba"}');
    const bad = await checkOne(file(wrong), join(dir, 'out-bad'), { html: false, quiet: true });
    expect(bad.code).toBe(1);
    const results = JSON.parse(readFileSync(join(dir, 'out-bad', 'results.json'), 'utf8'));
    expect(results.checkers.linearizable.valid).toBe(false);
    const named = await checkOne(file(OK), join(dir, 'out-named'), { html: false, quiet: true, checkers: 'read-your-writes,linearizable' });
    expect(named.results!.checkers['read-your-writes'].reason).toMatch(/does not apply to the kv workload/);
  });
});
