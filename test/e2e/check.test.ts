// `replcheck check` through the real bin (build first: npx tsc -p tsconfig.json): exit codes,
// run directories, results.json per SPEC section 6, junit.xml, several files, checker selection.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventToJson } from '../../src/history/jsonl.js';
import { appendModelEvents } from '../support/append-model.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'replcheck.js');
const VALID = join(root, 'examples', 'append-valid.jsonl');
const ANOMALIES = join(root, 'examples', 'append-anomalies.jsonl');
const APPEND_CHECKERS = ['read-your-writes', 'read-your-writes-user', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads', 'lost-writes', 'consistent-prefix', 'convergence'];

const tmp = mkdtempSync(join(tmpdir(), 'replcheck-e2e-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const outDir = () => join(tmp, `out${n++}`);

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: tmp, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function results(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
}

function writeHistory(name: string, lines: string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('replcheck check', () => {
  it('appends its summary to GITHUB_STEP_SUMMARY when the variable is set (the CLI reads it)', () => {
    const summary = join(tmp, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = spawnSync(process.execPath, [bin, 'check', ANOMALIES, '--out', outDir()], { cwd: tmp, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: summary } });
    expect(r.status).toBe(1);
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# earlier step\n')).toBe(true);
    expect(text).toContain('### replcheck');
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.GITHUB_STEP_SUMMARY;
    expect(spawnSync(process.execPath, [bin, 'check', ANOMALIES, '--out', outDir()], { cwd: tmp, encoding: 'utf8', env }).status).toBe(1);
    expect(readFileSync(summary, 'utf8')).toBe(text);
  });

  it('exits 0 on a valid history and writes the run directory', () => {
    const out = outDir();
    const r = cli('check', VALID, '--out', out, '--no-html');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const c of APPEND_CHECKERS) expect(r.stdout).toContain(c);
    const res = results(out);
    expect(res.valid).toBe(true);
    expect(res.stats).toMatchObject({ ops: 17, ok: 15, fail: 1, info: 1 });
    expect(typeof res.stats.durationNs).toBe('number');
    expect(Object.keys(res.checkers)).toEqual(expect.arrayContaining(APPEND_CHECKERS));
    for (const c of APPEND_CHECKERS) expect(res.checkers[c]).toMatchObject({ valid: true, count: 0, anomalies: [] });
    expect(existsSync(join(out, 'junit.xml'))).toBe(true);
    expect(readFileSync(join(out, 'history.jsonl'), 'utf8')).toBe(readFileSync(VALID, 'utf8'));
    expect(existsSync(join(out, 'index.html'))).toBe(false);
  });

  it('exits 1 on the shipped anomalies example, explaining each anomaly with its ops', () => {
    const out = outDir();
    const r = cli('check', ANOMALIES, '--out', out, '--no-html');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('session s0 appended 3 to k1 (ok at 0.420 s) but its read at 0.500 s from n3 returned [1, 2]');
    const res = results(out);
    expect(res.valid).toBe(false);
    const ryw = res.checkers['read-your-writes'];
    expect(ryw).toMatchObject({ valid: false, count: 1 });
    expect(ryw.anomalies[0]).toMatchObject({ type: 'read-your-writes', ops: [9, 12], key: 'k1' });
    const lost = res.checkers['lost-writes'];
    expect(lost).toMatchObject({ valid: false, count: 1, rule: 'final-reads' });
    expect(lost.anomalies[0].ops[0]).toBe(13);
    expect(lost.anomalies[0].explanation).toMatch(/appended 8 to k2/);
    expect(res.checkers['monotonic-reads'].valid).toBe(true);
    expect(res.checkers.convergence.valid).toBe(true);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testsuite');
    expect(junit).toContain('read-your-writes');
    expect(junit).toContain('<failure');
  });

  it('exits 2 with one line naming the file and line on malformed JSON', () => {
    const bad = writeHistory('bad-json.jsonl', [readFileSync(VALID, 'utf8').split('\n')[0], '{"index":1,"time":']);
    const r = cli('check', bad, '--out', outDir());
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${bad}:2:`);
    expect(r.stderr).toMatch(/not valid JSON/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 naming the line and field of a bad field', () => {
    const lines = readFileSync(VALID, 'utf8').trim().split('\n');
    lines[3] = JSON.stringify({ ...JSON.parse(lines[3]), time: 'soon' });
    const bad = writeHistory('bad-field.jsonl', lines);
    const r = cli('check', bad, '--out', outDir());
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${bad}:4: time:`);
  });

  it('checks several files in one call: one line each, a run directory each, the worst exit code', () => {
    const out = outDir();
    const bad = writeHistory('broken.jsonl', ['not json']);
    const r = cli('check', VALID, ANOMALIES, bad, '--out', out, '--no-html');
    expect(r.code).toBe(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.includes('append-valid.jsonl'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('append-anomalies.jsonl'))).toHaveLength(1);
    expect(r.stdout).toMatch(/valid\s+.*append-valid\.jsonl/);
    expect(r.stdout).toMatch(/INVALID\s+.*append-anomalies\.jsonl/);
    expect(r.stderr).toContain(`${bad}:1:`);
    expect(results(join(out, 'append-valid')).valid).toBe(true);
    expect(results(join(out, 'append-anomalies')).valid).toBe(false);

    const two = cli('check', VALID, ANOMALIES, '--out', outDir(), '--no-html');
    expect(two.code).toBe(1);
  });

  it('ends a multi-file check with a total line and writes OUT/index.html linking each report', () => {
    const out = outDir();
    const bad = writeHistory('broken2.jsonl', ['not json']);
    const r = cli('check', VALID, ANOMALIES, bad, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('total: 3 files: 1 valid, 1 invalid, 0 unknown, 1 error');
    expect(r.stdout).toContain(`report: ${join(out, 'index.html')}`);
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(index).toContain('<a href="append-valid/index.html">report</a>');
    expect(index).toContain('<a href="append-anomalies/index.html">report</a>');
    expect(index).toContain(bad);
    expect(existsSync(join(out, 'append-valid', 'index.html'))).toBe(true);
  });

  it('checks an untimed Jepsen log: no duration in the summary, the report drawn by event index', () => {
    const out = outDir();
    const r = cli('check', join(root, '../shared/corpora/jepsen-etcd/etcd_000.log'), '--checkers', 'linearizable', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^85 ops: .*\(no times recorded\)$/m);
    expect(r.stdout).not.toMatch(/\d ns\b|over \d/);
    expect(results(out).stats.untimed).toBe(true);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('records no times');
    expect(html).not.toContain('id="latency-svg"');
    expect(html).not.toMatch(/\d ns</);
  });

  it('says "the guarantee held" for a single checker', () => {
    const r = cli('check', VALID, '--checkers', 'lost-writes', '--out', outDir(), '--no-html');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('verdict: valid (the guarantee held)');
  });

  it('runs only the checkers named by --checkers, and rejects an unknown one with exit 2', () => {
    const out = outDir();
    const r = cli('check', ANOMALIES, '--checkers', 'monotonic-reads,convergence', '--out', out, '--no-html');
    expect(r.code).toBe(0);
    expect(Object.keys(results(out).checkers).sort()).toEqual(['convergence', 'monotonic-reads']);

    const lost = cli('check', ANOMALIES, '--checkers', 'lost-writes', '--out', outDir(), '--no-html');
    expect(lost.code).toBe(1);

    const unknown = cli('check', ANOMALIES, '--checkers', 'read-your-writes,no-such-checker', '--out', outDir());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown checker "no-such-checker"/);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--quiet prints only the verdict', () => {
    const out = outDir();
    const r = cli('check', ANOMALIES, '--quiet', '--out', out, '--no-html');
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/INVALID/);
    const ok = cli('check', VALID, '--quiet', '--out', outDir(), '--no-html');
    expect(ok.stdout.trim().split('\n')).toHaveLength(1);
    expect(ok.stdout).toMatch(/valid/);
  });

  it('--junit also writes the JUnit XML where asked', () => {
    const junit = join(tmp, 'ci-out', 'nested', 'report.xml'); // a missing parent directory is created
    const r = cli('check', VALID, ANOMALIES, '--junit', junit, '--out', outDir(), '--no-html');
    expect(r.code).toBe(1);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('append-valid.jsonl');
    expect(xml).toContain('append-anomalies.jsonl');
  });

  it('finds no anomaly in a larger history of a correct store', () => {
    const path = writeHistory('model.jsonl', appendModelEvents(3, { ops: 3000, processes: 8, keys: 20 }).map(eventToJson));
    const out = outDir();
    const r = cli('check', path, '--out', out, '--no-html');
    expect(r.code).toBe(0);
    expect(results(out).stats.ops).toBeGreaterThan(3000);
  });
});
