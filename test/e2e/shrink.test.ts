// `replcheck shrink` through the real bin (build first: npx tsc -p tsconfig.json): a default failing
// run shrunk to a tenth of its history that still fails the same checker and whose config.yaml
// repeats it byte for byte; a `check` run dir's history shrunk; bad input exits 2 with one line.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../../src/report/results.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'replcheck.js');
const tmp = mkdtempSync(join(tmpdir(), 'replcheck-e2e-shrink-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: tmp, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (file: string): number => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
const results = (dir: string): Results => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
const firstFailed = (r: Results): string => Object.entries(r.checkers).find(([, v]) => v.valid === false)![0];

const A = join(tmp, 'A');
const B = join(tmp, 'B');
let shrink: ReturnType<typeof cli>;

beforeAll(() => {
  expect(cli('run', '--out', A, '--seed', '7', '--quiet', '--no-html').code).toBe(1);
  shrink = cli('shrink', A, '--out', B, '--time-limit', '30');
});

describe('replcheck shrink on a default failing run', () => {
  it('exits 0 and prints the sizes before and after and where the run directory is', () => {
    expect(shrink.stderr).toBe('');
    expect(shrink.code).toBe(0);
    expect(shrink.stdout).toMatch(/^history: 4,\d{3} events → \d+ events \(config: ops 2000 → \d+, concurrency 6 → \d+/m);
    expect(shrink.stdout).toContain(`run directory: ${B}`);
    expect(shrink.stdout).toContain(`reproduce: replcheck run --config ${join(B, 'config.yaml')}`);
  });

  it('ends with a history at most a tenth of the original that still fails the same checker', () => {
    const checker = firstFailed(results(A));
    expect(lines(join(B, 'history.jsonl')) * 10).toBeLessThanOrEqual(lines(join(A, 'history.jsonl')));
    expect(results(B).checkers[checker].valid).toBe(false);
    expect(shrink.stdout).toContain(`${checker} still fails`);
    for (const f of ['config.yaml', 'results.json', 'index.html']) expect(() => readFileSync(join(B, f))).not.toThrow();
  });

  it('writes a config.yaml that repeats the shrunk run byte for byte (seed kept)', () => {
    const X = join(tmp, 'X');
    expect(cli('run', '--config', join(B, 'config.yaml'), '--out', X, '--quiet', '--no-html').code).toBe(1);
    expect(readFileSync(join(X, 'history.jsonl'), 'utf8')).toBe(readFileSync(join(B, 'history.jsonl'), 'utf8'));
    expect(readFileSync(join(B, 'config.yaml'), 'utf8')).toMatch(/^seed: 7$/m);
  });
});

describe('replcheck shrink on a check run directory', () => {
  it('writes a smaller history of whole pairs that still fails, and `check` agrees', () => {
    const C = join(tmp, 'C');
    expect(cli('check', join(root, 'examples', 'append-anomalies.jsonl'), '--out', C, '--quiet', '--no-html').code).toBe(1);
    const checker = firstFailed(results(C));
    const r = cli('shrink', C, '--out', join(tmp, 'C2'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^history: \d+ events → \d+ events/m);
    expect(lines(join(tmp, 'C2', 'history.jsonl'))).toBeLessThan(lines(join(C, 'history.jsonl')));
    const again = cli('check', join(tmp, 'C2', 'history.jsonl'), '--checkers', checker, '--out', join(tmp, 'C3'), '--quiet', '--no-html');
    expect(again.code).toBe(1);
    expect(results(join(tmp, 'C3')).checkers[checker].valid).toBe(false);
  });

  it('--history shrinks the history of a run directory too', () => {
    const r = cli('shrink', A, '--history', '--checker', 'monotonic-reads', '--out', join(tmp, 'AH'));
    expect(r.code).toBe(0);
    expect(results(join(tmp, 'AH')).checkers['monotonic-reads'].valid).toBe(false);
    expect(lines(join(tmp, 'AH', 'history.jsonl'))).toBeLessThan(lines(join(A, 'history.jsonl')));
  });
});

describe('replcheck shrink on bad input exits 2 with one line', () => {
  const oneLine = (r: ReturnType<typeof cli>, pattern: RegExp) => {
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
  };

  it('not a run directory', () => {
    oneLine(cli('shrink', join(tmp, 'nowhere')), /not a run directory/);
    oneLine(cli('shrink', root), /not a run directory: .* has no results\.json/);
  });

  it('a passing run: nothing to shrink', () => {
    const P = join(tmp, 'P');
    expect(cli('run', '--target', 'memory-sync', '--ops', '100', '--seed', '1', '--out', P, '--quiet', '--no-html').code).toBe(0);
    oneLine(cli('shrink', P), /nothing to shrink: every checker held/);
  });

  it('an unknown checker, or one that held', () => {
    oneLine(cli('shrink', A, '--checker', 'nope'), /--checker: unknown checker "nope"/);
    oneLine(cli('shrink', A, '--checker', 'lost-writes'), /nothing to shrink: lost-writes held/);
  });

  it('bad --tries and --time-limit', () => {
    oneLine(cli('shrink', A, '--tries', '0'), /--tries: expected a positive integer/);
    oneLine(cli('shrink', A, '--time-limit', 'soon'), /--time-limit: expected a positive number of seconds/);
  });

  it('a run of another target: shrink its history instead', () => {
    const H = join(tmp, 'H');
    cpSync(A, H, { recursive: true });
    const yaml = readFileSync(join(H, 'config.yaml'), 'utf8').replace(/^  type: memory$/m, '  type: http').replace(/^  name: memory$/m, '  name: http');
    writeFileSync(join(H, 'config.yaml'), yaml);
    oneLine(cli('shrink', H), /shrinking a configuration needs the memory target \(deterministic replay\).*--history/);
  });
});
