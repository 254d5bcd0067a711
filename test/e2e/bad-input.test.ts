// `replcheck check` on bad input through the real bin (build first: npx tsc -p tsconfig.json):
// pathological lines, deep values, unreadable files, empty and mixed histories each end in exit 2
// and one located line on stderr, within the per-test time bound; mutated histories never crash.

import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { mutate, mutatedHistory, SEEDS } from '../history/mutations.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'replcheck.js');
const VALID = join(ROOT, 'examples', 'append-valid.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'replcheck-e2e-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Per-test bound: each case answers in well under a second; a regression hangs into this. */
const BOUND = { timeout: 20_000 };
const TOO_DEEP = 'nested deeper than 8 levels (a history value is an element, a list of elements or a small tuple)';

async function check(file: string, ...args: string[]) {
  const r = await execa('node', [BIN, 'check', file, '--out', join(dir, `out${n++}`), '--no-html', ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2, nothing on stdout, and exactly `replcheck: MESSAGE` on stderr. */
async function expectBadInput(file: string, message: string, ...args: string[]) {
  const r = await check(file, ...args);
  expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 2, stderr: `replcheck: ${message}`, stdout: '' });
}

function write(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const ev = (index: number, type: string, f: string, value: unknown, process = 0) => JSON.stringify({ index, time: index * 10, process, type, f, key: 'k', value });

describe('check: long lines are parsed in linear time', () => {
  for (const [label, spaces] of [
    ['200 KB', 200_000],
    ['3 MB', 3_000_000],
  ] as const) {
    it(`a ${label} run of spaces in a .log event line`, BOUND, async () => {
      const p = write(`spaces-${spaces}.log`, `INFO  jepsen.util - 0 :invoke :write 1\nINFO  jepsen.util - 0 :ok :write 1${' '.repeat(spaces)}x\n`);
      await expectBadInput(p, `${p}:2: the value "1${' '.repeat(39)}" is not EDN (EDN: unexpected text after the value: "x")`);
    });
  }

  it('a 3 MB run of spaces before the process, and trailing spaces, which are fine', BOUND, async () => {
    const p = write('spaces-process.log', `INFO  jepsen.util -${' '.repeat(3_000_000)}0 :invoke :write 1\nINFO  jepsen.util - 0 :ok :write 1${' '.repeat(3_000_000)}\n`);
    const r = await check(p);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('check: values nested deeper than a history holds', () => {
  it('a read value 5,000 deep in JSONL', BOUND, async () => {
    const p = write('deep.jsonl', `${ev(0, 'invoke', 'read', null)}\n{"index":1,"time":10,"process":0,"type":"ok","f":"read","key":"k","value":${'['.repeat(5000)}${']'.repeat(5000)}}\n`);
    await expectBadInput(p, `${p}:2: value: ${TOO_DEEP}`);
  });

  it('a 50 MB deeply nested JSONL line', BOUND, async () => {
    const p = write('deep-50mb.jsonl', `${ev(0, 'invoke', 'read', null)}\n{"index":1,"time":10,"process":0,"type":"ok","f":"read","key":"k","value":${'['.repeat(25_000_000)}${']'.repeat(25_000_000)}}\n`);
    await expectBadInput(p, `${p}:2: value: ${TOO_DEEP}`);
  });

  it('a value 4,000 deep in EDN', BOUND, async () => {
    const p = write('deep.edn', `[{:type :invoke, :f :write, :value 1, :process 0}\n {:type :ok, :f :write, :value ${'['.repeat(4000)}${']'.repeat(4000)}, :process 0}]\n`);
    await expectBadInput(p, `${p}:2: EDN: ${TOO_DEEP}`);
  });

  it('a value 4,000 deep in a .log line', BOUND, async () => {
    const p = write('deep.log', `INFO  jepsen.util - 0 :invoke :write ${'['.repeat(4000)}${']'.repeat(4000)}\n`);
    await expectBadInput(p, `${p}:1: the value "${'['.repeat(40)}" is not EDN (EDN: ${TOO_DEEP})`);
  });
});

describe('check: flags out of range', () => {
  it('--threads 0, or not a number', BOUND, async () => {
    await expectBadInput(VALID, '--threads: expected an integer from 1 to 64, got "0"', '--threads', '0');
    await expectBadInput(VALID, '--threads: expected an integer from 1 to 64, got "two"', '--threads', 'two');
  });
});

describe('check: files it cannot read', () => {
  it('a directory, in every format', BOUND, async () => {
    for (const name of ['dir.log', 'dir.jsonl', 'dir.edn']) {
      const d = join(dir, name);
      mkdirSync(d);
      await expectBadInput(d, `${d}: cannot read: EISDIR`);
    }
  });

  it('an unreadable file, in every format', BOUND, async (ctx) => {
    const p = write('unreadable.log', 'INFO  jepsen.util - 0 :invoke :write 1\n');
    chmodSync(p, 0o000);
    // As root every file is readable; a write-only /proc/sys entry is not.
    const target = [p, '/proc/sys/vm/compact_memory'].find((c) => {
      try {
        closeSync(openSync(c, 'r'));
        return false;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EACCES';
      }
    });
    if (!target) return ctx.skip();
    for (const format of ['jepsen-log', 'jsonl', 'edn']) await expectBadInput(target, `${target}: cannot read: EACCES`, '--format', format);
  });
});

describe('check: histories that hold nothing to check, or two workloads', () => {
  it('an empty file, a blank one and /dev/null: no operations', BOUND, async () => {
    for (const p of [write('empty.jsonl', ''), write('blank.jsonl', '  \n\n\t \r\n'), '/dev/null']) {
      await expectBadInput(p, `${p}: no operations: the history is empty, so there is nothing to check`);
    }
  });

  it('a JSONL file that starts with a UTF-8 byte order mark is read', BOUND, async () => {
    const p = write('bom.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(VALID)]));
    const r = await check(p);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('appends and register writes in one history, naming the first line of the second kind', BOUND, async () => {
    const p = write('mixed.jsonl', [ev(0, 'invoke', 'append', 1), ev(1, 'ok', 'append', 1), ev(2, 'invoke', 'read', null), ev(3, 'ok', 'read', [1]), ev(4, 'invoke', 'cas', [1, 2]), ev(5, 'ok', 'cas', [1, 2])].join('\n') + '\n');
    await expectBadInput(p, `${p}:5: f: "cas" mixes workloads: line 1 has an append, so this is an append history; a history holds one workload, append (append, read) or register (read, write, cas)`);
  });
});

describe('check: mutated histories through the bin', () => {
  it('answer 0, 1, 2 or 3 with at most one line on stderr, never a crash', { timeout: 30_000 }, async () => {
    const samples = fc.sample(mutatedHistory, { numRuns: 8, seed: 9 });
    for (const [seed, ms] of samples) {
      const [ext, bytes] = SEEDS[seed];
      const p = write(`mutated${n}${ext}`, mutate(bytes, ms));
      const r = await check(p, '--time-limit', '5');
      expect([0, 1, 2, 3]).toContain(r.code);
      expect(r.stderr).not.toMatch(/internal error|Maximum call stack|\n\s+at /);
      if (r.code === 2) expect(r.stderr).toMatch(new RegExp(`^replcheck: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[:]`));
      else expect(r.stderr).toBe('');
    }
  });
});
