// `replcheck check` budgets through the real bin (build first: npx tsc -p tsconfig.json): a history
// over --max-memory is answered `unknown` for every checker from its size, without loading (exit 3);
// --time-limit holds for every checker (exit 3 with the reason). Each run is bounded by the harness.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventToJson } from '../../src/history/jsonl.js';
import { appendModelEvents } from '../support/append-model.js';
import { registerModelEvents } from '../linearizable/register-model.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'replcheck.js');
const VALID = join(root, 'examples', 'append-valid.jsonl');
const APPEND_CHECKERS = ['read-your-writes', 'read-your-writes-user', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads', 'lost-writes', 'consistent-prefix', 'convergence'];
/** Wall-clock bound of one CLI run, enforced by killing it. */
const RUN_TIMEOUT_MS = 60_000;

const tmp = mkdtempSync(join(tmpdir(), 'replcheck-e2e-safety-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const outDir = () => join(tmp, `out${n++}`);

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: tmp, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' });
  if (r.error) throw r.error; // ETIMEDOUT: the run outlived its bound
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function results(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
}

let bigAppend: string;
let register: string;
beforeAll(() => {
  // More than CHECK_EVERY (65536) ops, so every append checker looks at its clock at least once.
  bigAppend = join(tmp, 'big-append.jsonl');
  writeFileSync(bigAppend, appendModelEvents(21, { ops: 70_000, processes: 8, keys: 300, users: 3, nodes: 3, failRate: 0.02, infoRate: 0.02, finalReads: true }).map((e) => eventToJson(e) + '\n').join(''));
  register = join(tmp, 'register.jsonl');
  writeFileSync(register, registerModelEvents(3, { ops: 20_000, processes: 6, keys: 20, infoRate: 0.02, failRate: 0.02 }).map((e) => eventToJson(e) + '\n').join(''));
}, 120_000);

describe('replcheck check --max-memory', () => {
  it('answers unknown for every checker with the reason, exit 3, when the history needs more than the budget', () => {
    const out = outDir();
    const mb = statSync(bigAppend).size / (1024 * 1024);
    expect(mb).toBeGreaterThan(1);
    const r = cli('check', bigAppend, '--max-memory', '1', '--out', out, '--no-html');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    const reason = /history of \d+(\.\d)? MB needs about \d+(\.\d)? MB, over the memory budget of 1 MB \(--max-memory\)/;
    expect(r.stdout).toMatch(reason);
    const res = results(out);
    expect(res.valid).toBe('unknown');
    expect(res.workload).toBe('append');
    expect(Object.keys(res.checkers)).toEqual(APPEND_CHECKERS);
    for (const c of APPEND_CHECKERS) {
      expect(res.checkers[c]).toMatchObject({ valid: 'unknown', count: 0, anomalies: [] });
      expect(res.checkers[c].reason).toMatch(reason);
    }
    // Nothing was loaded: the stats are empty; the history is still copied into the run directory.
    expect(res.stats).toEqual({ ops: 0, ok: 0, fail: 0, info: 0, durationNs: 0 });
    expect(statSync(join(out, 'history.jsonl')).size).toBe(statSync(bigAppend).size);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('over the memory budget of 1 MB');
  });

  it("names the register workload's checker when the history is a register one", () => {
    const out = outDir();
    const r = cli('check', register, '--max-memory', '0.5', '--out', out, '--no-html');
    expect(r.code).toBe(3);
    expect(Object.keys(results(out).checkers)).toEqual(['linearizable']);
    expect(results(out).checkers.linearizable.reason).toMatch(/over the memory budget of 0\.5 MB/);
  });

  it('only the named checkers with --checkers; with several files the worst exit code', () => {
    const out = outDir();
    const r = cli('check', bigAppend, VALID, '--max-memory', '1', '--checkers', 'lost-writes', '--out', out, '--no-html');
    expect(r.code).toBe(3);
    expect(Object.keys(results(join(out, 'big-append')).checkers)).toEqual(['lost-writes']);
    expect(results(join(out, 'append-valid')).valid).toBe(true); // a small file fits in 1 MB
  });

  it('a budget that fits checks as usual', () => {
    const r = cli('check', VALID, '--max-memory', '4096', '--out', outDir(), '--no-html');
    expect(r.code).toBe(0);
  });

  it('rejects a budget that is not a positive number with one line, exit 2', () => {
    for (const bad of ['abc', '0', '-5']) {
      const r = cli('check', VALID, '--max-memory', bad, '--out', outDir(), '--no-html');
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--max-memory: expected a positive number of MB/);
    }
  });
});

describe('replcheck check --time-limit', () => {
  it('every checker out of time answers unknown with the reason, exit 3', () => {
    const out = outDir();
    const r = cli('check', bigAppend, '--time-limit', '0.000001', '--out', out, '--no-html');
    expect(r.code).toBe(3);
    const res = results(out);
    expect(res.valid).toBe('unknown');
    for (const c of APPEND_CHECKERS) {
      expect(res.checkers[c].valid).toBe('unknown');
      expect(res.checkers[c].reason).toMatch(/^time limit of 0\.000 s reached \(--time-limit\), after \d+ of \d+ /);
    }
    expect(r.stdout).toMatch(/unknown: time limit of 0\.000 s reached/);
  });

  it('linearizable too', () => {
    const out = outDir();
    const r = cli('check', register, '--time-limit', '0.000001', '--out', out, '--no-html');
    expect(r.code).toBe(3);
    expect(results(out).checkers.linearizable.reason).toMatch(/time limit of 0\.000 s reached \(--time-limit\)/);
  });

  it('the same history within the default budgets is valid', () => {
    const r = cli('check', bigAppend, '--out', outDir(), '--no-html', '--quiet');
    expect(r.code).toBe(0);
  });
});
