// The JSONL reader and the validating builder: a good file becomes paired ops; every broken rule
// of SPEC section 4 is a UserError naming the file, the line and the field.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { historyFromEvents } from '../../src/history/builder.js';
import { historyEvents } from '../../src/history/events.js';
import type { HistoryEvent } from '../../src/history/types.js';
import { checkDepth, eventToJson, forEachLine, readJsonlHistory } from '../../src/history/jsonl.js';
import { appendModelEvents } from '../support/append-model.js';
import { anyEvent } from '../support/event-arb.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function file(lines: (string | object)[]): string {
  const path = join(dir, `h${n++}.jsonl`);
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
}

function errorOf(path: string): UserError {
  try {
    readJsonlHistory(path);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

const inv = (index: number, process: number, f = 'append', value: unknown = 1, time = index * 10) => ({ index, time, process, type: 'invoke', f, key: 'k', value });
const ok = (index: number, process: number, f = 'append', value: unknown = 1, time = index * 10) => ({ index, time, process, type: 'ok', f, key: 'k', value });

describe('readJsonlHistory', () => {
  it('pairs invokes with completions and keeps nemesis events', () => {
    const path = file([
      inv(0, 0),
      { index: 1, time: 10, process: 'nemesis', type: 'info', f: 'kill-leader', value: { node: 'n1' } },
      inv(2, 1, 'read', null),
      ok(3, 0),
      { ...ok(4, 1, 'read', [1]), node: 'n2', final: true },
      inv(5, 2),
      '',
    ]);
    const h = readJsonlHistory(path);
    expect(h.eventCount).toBe(6);
    expect(h.nemesis).toHaveLength(1);
    expect(h.ops.map((o) => [o.f, o.type, o.invokeIndex, o.completeIndex])).toEqual([
      ['append', 'ok', 0, 3],
      ['read', 'ok', 2, 4],
      ['append', 'info', 5, -1],
    ]);
    expect(h.ops[1].node).toBe('n2');
    expect(h.hasFinalReads).toBe(true);
    expect(h.workload).toBe('append');
    expect(h.ops[2].completeTime).toBe(Number.POSITIVE_INFINITY);
  });

  it('reads a file without a trailing newline and with CRLF line ends', () => {
    const path = join(dir, 'crlf.jsonl');
    writeFileSync(path, `${JSON.stringify(inv(0, 0))}\r\n${JSON.stringify(ok(1, 0))}`);
    expect(readJsonlHistory(path).ops).toHaveLength(1);
  });

  it('round-trips a generated history through eventToJson', () => {
    const events = appendModelEvents(11, { ops: 200 });
    const path = file(events.map(eventToJson));
    const h = readJsonlHistory(path);
    expect(historyEvents(h).map(eventToJson)).toEqual(events.map(eventToJson));
  });

  it('writes exactly what JSON.stringify writes for an object with SPEC\'s field order', () => {
    const reference = (e: HistoryEvent): string => {
      const o: Record<string, unknown> = { index: e.index, time: e.time, process: e.process };
      for (const k of ['session', 'user'] as const) if (e[k] !== undefined) o[k] = e[k];
      o.type = e.type;
      o.f = e.f;
      if (e.key !== undefined) o.key = e.key;
      o.value = e.value === undefined ? null : e.value;
      for (const k of ['node', 'final', 'error', 'served'] as const) if (e[k] !== undefined) o[k] = e[k];
      return JSON.stringify(o);
    };
    fc.assert(fc.property(anyEvent, (e) => {
      expect(eventToJson(e as HistoryEvent)).toBe(reference(e as HistoryEvent));
    }), { numRuns: 2000 });
    expect(eventToJson({ index: 0, time: 5, process: 1, type: 'ok', f: 'read', key: 'k"\n', value: [1, 'é'], node: 'n1' })).toBe('{"index":0,"time":5,"process":1,"type":"ok","f":"read","key":"k\\"\\n","value":[1,"é"],"node":"n1"}');
  });

  it('splits lines across chunk boundaries (8 MiB) without losing any or splitting a character', () => {
    const lines = Array.from({ length: 220_000 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}${'x'.repeat(i % 50)}`);
    const path = join(dir, 'lines.txt');
    writeFileSync(path, lines.join('\n'));
    const seen: string[] = [];
    forEachLine(path, (t, line) => {
      expect(line).toBe(seen.length + 1);
      seen.push(t);
    });
    expect(seen).toEqual(lines);
  });
});

describe('input errors name the file and the line', () => {
  const cases: [string, (string | object)[], number, RegExp, string?][] = [
    ['malformed JSON', [inv(0, 0), '{"index":1,"time":', ok(1, 0)], 2, /not valid JSON/],
    ['a line that is not an object', [inv(0, 0), '[1,2]'], 2, /expected a JSON object/],
    ['missing index', [{ ...inv(0, 0), index: undefined }], 1, /non-negative integer/, 'index'],
    ['index mismatch', [inv(0, 0), ok(5, 0)], 2, /expected 1/, 'index'],
    ['missing time', [inv(0, 0), { ...ok(1, 0), time: undefined }], 2, /nanoseconds/, 'time'],
    ['time going backwards', [inv(0, 0, 'append', 1, 100), ok(1, 0, 'append', 1, 50)], 2, /backwards/, 'time'],
    ['bad type', [{ ...inv(0, 0), type: 'done' }], 1, /"invoke", "ok"/, 'type'],
    ['missing f', [{ ...inv(0, 0), f: undefined }], 1, /non-empty string/, 'f'],
    ['unknown f', [{ ...inv(0, 0), f: 'increment' }], 1, /append, read/, 'f'],
    ['missing key', [{ ...inv(0, 0), key: undefined }], 1, /expected a string/, 'key'],
    ['missing value', [{ ...inv(0, 0), value: undefined }], 1, /missing/, 'value'],
    ['bad process', [{ ...inv(0, 0), process: 'p1' }], 1, /"nemesis"/, 'process'],
    ['non-string session', [{ ...inv(0, 0), session: 3 }], 1, /expected a string/, 'session'],
    ['non-boolean final', [{ ...inv(0, 0), final: 'yes' }], 1, /true or false/, 'final'],
    ['completion without invoke', [inv(0, 0), ok(1, 1)], 2, /no pending invoke/, 'type'],
    ['second invoke while pending', [inv(0, 0), inv(1, 0)], 2, /pending/, 'process'],
    ['op after info on the same process', [inv(0, 0), { ...ok(1, 0), type: 'info' }, inv(2, 0)], 3, /after info/, 'process'],
    ['completion of another key', [inv(0, 0), { ...ok(1, 0), key: 'other' }], 2, /does not match/, 'key'],
    ['append without element', [inv(0, 0, 'append', null)], 1, /needs an element/, 'value'],
  ];
  for (const [name, lines, line, message, field] of cases) {
    it(name, () => {
      const path = file(lines);
      const e = errorOf(path);
      expect(e.file).toBe(path);
      expect(e.line).toBe(line);
      expect(e.message).toMatch(message);
      if (field) expect(e.field).toBe(field);
      expect(e.describe()).toContain(`${path}:${line}:`);
    });
  }

  it('an ok read that returns no list (append workload)', () => {
    // With an append the history is append; one that only reads non-lists is a register history.
    const path = file([inv(0, 0), ok(1, 0), inv(2, 0, 'read', null), ok(3, 0, 'read', 5)]);
    const e = errorOf(path);
    expect(e.describe()).toContain(path);
    expect(e.message).toMatch(/must return a list/);
  });

  it('an unreadable file', () => {
    const e = errorOf(join(dir, 'missing.jsonl'));
    expect(e.message).toMatch(/cannot read: ENOENT/);
  });

  it('historyFromEvents applies the same rules', () => {
    expect(() => historyFromEvents([inv(0, 0), ok(1, 1)] as never)).toThrow(UserError);
  });
});

describe('limits on what a line may hold', () => {
  const TOO_DEEP = 'nested deeper than 8 levels (a history value is an element, a list of elements or a small tuple)';
  const deep = (n: number) => JSON.parse(`${'['.repeat(n)}1${']'.repeat(n)}`);

  it('reads values 8 levels deep inside the event and rejects 9, naming the line and field', () => {
    const h = readJsonlHistory(file([inv(0, 0, 'read', null), ok(1, 0, 'read', deep(8))]));
    expect(h.ops[0].value).toEqual(deep(8));
    const path = file([inv(0, 0, 'read', null), ok(1, 0, 'read', deep(9))]);
    expect(errorOf(path).describe()).toBe(`${path}:2: value: ${TOO_DEEP}`);
    const nemesis = file([inv(0, 0), { index: 1, time: 10, process: 'nemesis', type: 'info', f: 'partition', value: { a: deep(8) } }]);
    expect(errorOf(nemesis).describe()).toBe(`${nemesis}:2: value: ${TOO_DEEP}`);
  });

  it('counts brackets in strings as text, not nesting', () => {
    const h = readJsonlHistory(file([inv(0, 0), { ...ok(1, 0), error: '[[[[[[[[[[{{{{{{{{{{ "\\' }]));
    expect(h.ops[0].error).toBe('[[[[[[[[[[{{{{{{{{{{ "\\');
    expect(() => checkDepth(`{"a":"${'['.repeat(100)}","b":[${'{}'.repeat(100)}]}`, 'f', 1)).not.toThrow();
    expect(() => checkDepth(`[${'['.repeat(9)}`, 'f', 1)).toThrow(TOO_DEEP);
  });

  it('rejects 5000-deep and 50 MB deep lines quickly, before parsing them', { timeout: 20_000 }, () => {
    const head = JSON.stringify(inv(0, 0, 'read', null));
    const path = join(dir, 'deep.jsonl');
    writeFileSync(path, `${head}\n{"index":1,"time":1,"process":0,"type":"ok","f":"read","key":"k","value":${'['.repeat(5000)}${']'.repeat(5000)}}\n`);
    expect(errorOf(path).describe()).toBe(`${path}:2: value: ${TOO_DEEP}`);
    writeFileSync(path, `${head}\n{"index":1,"time":1,"process":0,"type":"ok","f":"read","key":"k","value":${'['.repeat(25_000_000)}${']'.repeat(25_000_000)}}\n`);
    expect(errorOf(path).describe()).toBe(`${path}:2: value: ${TOO_DEEP}`);
  });

  it('accepts a UTF-8 byte order mark at the start of the file only', () => {
    const path = join(dir, 'bom.jsonl');
    writeFileSync(path, `\ufeff${JSON.stringify(inv(0, 0))}\n${JSON.stringify(ok(1, 0))}\n`);
    expect(readJsonlHistory(path).ops).toHaveLength(1);
    writeFileSync(path, `${JSON.stringify(inv(0, 0))}\n\ufeff${JSON.stringify(ok(1, 0))}\n`);
    expect(errorOf(path).line).toBe(2);
  });

  it('rejects a history that mixes workloads at the first line of the second kind', () => {
    const tail = 'a history holds one workload, append (append, read) or register (read, write, cas)';
    const a = file([inv(0, 0), ok(1, 0), inv(2, 1, 'read', null), ok(3, 1, 'read', [1]), inv(4, 1, 'write', 5), ok(5, 1, 'write', 5)]);
    expect(errorOf(a).describe()).toBe(`${a}:5: f: "write" mixes workloads: line 1 has an append, so this is an append history; ${tail}`);
    const r = file([inv(0, 0, 'read', null), ok(1, 0, 'read', null), inv(2, 0, 'cas', [1, 2]), ok(3, 0, 'cas', [1, 2]), inv(4, 1, 'append', 3)]);
    expect(errorOf(r).describe()).toBe(`${r}:5: f: "append" mixes workloads: line 3 has a cas, so this is a register history; ${tail}`);
    expect(() => historyFromEvents([inv(0, 0, 'write', 1), inv(1, 1, 'append', 2)] as never)).toThrow(/line 1 has a write/);
  });
});
