// `replcheck report RUN_DIR` in-process on run directories written by hand, by `replcheck check`
// and by `replcheck run`: index.html rewritten, summary printed, exit code of the verdict.

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { colorEnabled, formatSummary } from '../../src/report/terminal.js';
import { writePlantedRunDir } from './fixture.js';

const root = resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'replcheck-cli-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs the CLI in-process with plain output, capturing stdout and stderr. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const savedNoColor = process.env.NO_COLOR;
  process.env.NO_COLOR = '1';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  try {
    const code = await main(['node', 'replcheck', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    vi.restoreAllMocks();
    if (savedNoColor === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = savedNoColor;
  }
}

describe('replcheck report', () => {
  it('rewrites index.html and prints the summary of a hand-written run directory', async () => {
    const dir = join(tmp, 'planted');
    writePlantedRunDir(dir);
    const r = await cli('report', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ read-your-writes');
    expect(r.stdout).toContain('k1 ops');
    expect(r.stdout).toContain('verdict: INVALID (1 of 3 checkers found anomalies, 1 inconclusive)');
    expect(r.stdout).toContain(`report: ${join(dir, 'index.html')}`);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('single-leader');
    expect(html).toContain('id="lag-svg"');
  });

  it('works on a directory written by `replcheck check`', async () => {
    const dir = join(tmp, 'checked');
    const c = await cli('check', join(root, 'examples', 'append-anomalies.jsonl'), '--out', dir);
    expect(c.code).toBe(1);
    unlinkSync(join(dir, 'index.html'));
    const r = await cli('report', dir);
    expect(r.code).toBe(1);
    expect(statSync(join(dir, 'index.html')).size).toBeGreaterThan(1000);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('class="opbar');
    expect(r.stdout).toContain('verdict: INVALID');
  });

  it('works on a directory written by `replcheck run`', async () => {
    const dir = join(tmp, 'ran');
    const run = await cli('run', '--ops', '300', '--nemesis', 'partition-leader', '--seed', '3', '--out', dir, '--quiet');
    if (!existsSync(join(dir, 'results.json'))) throw new Error(`run failed (${run.code}): ${run.stderr}`);
    unlinkSync(join(dir, 'index.html'));
    // the default design (async followers, reads from any replica) breaks read-your-writes and
    // monotonic reads; the seed pins it (the memory target runs on virtual time)
    expect(run.code).toBe(1);
    const r = await cli('report', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ read-your-writes');
    expect(r.stdout).toContain('✗ monotonic-reads');
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('id="design"');
    expect(html).toContain('partition-leader');
    expect(r.stdout).toContain(`reproduce: replcheck run --config ${join(dir, 'config.yaml')}`);
  });

  it('exits 2 with one line naming the directory when it is not a run directory', async () => {
    const r = await cli('report', join(tmp, 'nope'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(tmp, 'nope'));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const bad = join(tmp, 'bad');
    writePlantedRunDir(bad);
    writeFileSync(join(bad, 'results.json'), '{');
    const r2 = await cli('report', bad);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('results.json');
  });
});

describe('formatSummary', () => {
  const { results } = writePlantedRunDir(join(tmp, 'summary'));

  it('is plain without colour and coloured with it', () => {
    expect(formatSummary(results, undefined, { color: false })).not.toMatch(/\u001b\[/);
    expect(formatSummary(results, undefined, { color: true })).toMatch(/\u001b\[/);
  });

  it('prints one line in quiet mode', () => {
    expect(formatSummary(results, 'reports/x', { quiet: true, color: false })).toBe('INVALID  reports/x');
  });

  it('colours only a TTY, never with NO_COLOR set, always with FORCE_COLOR (the environment is passed in)', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(true);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });

  it('is plain unless the caller asks for colour', () => {
    expect(formatSummary(results, undefined)).not.toMatch(/\u001b\[/);
  });
});
