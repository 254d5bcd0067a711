// Run directories through the real bin (build first): reports/index.html lists past runs and is
// rewritten after every run; `report RUN_DIR` on a run left by Ctrl-C checks its history.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'replcheck.js');
const tmp = mkdtempSync(join(tmpdir(), 'replcheck-e2e-rundirs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('reports/index.html', () => {
  it('lists every run in reports/, newest first, and is rewritten after each run', () => {
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    // The default run (nemesis none) finds session anomalies: exit 1 by design.
    const a = cli(cwd, 'run', '--seed', '1', '--ops', '300', '--quiet');
    expect(a.code).toBe(1);
    const first = readFileSync(join(cwd, 'reports', 'index.html'), 'utf8');
    expect([...first.matchAll(/data-run="/g)]).toHaveLength(1);
    const b = cli(cwd, 'run', '--seed', '2', '--ops', '300', '--target', 'memory-sync', '--nemesis', 'partition-leader', '--quiet');
    expect(b.code).toBe(0);
    const index = readFileSync(join(cwd, 'reports', 'index.html'), 'utf8');
    const runs = readdirSync(join(cwd, 'reports')).filter((n) => n !== 'index.html');
    expect(runs).toHaveLength(2);
    const order = [...index.matchAll(/data-run="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toHaveLength(2);
    expect(order[0]).toMatch(/partition-leader/);
    expect(index).toMatch(/<td>memory-sync<\/td><td>append<\/td><td>partition-leader<\/td><td class="v-ok verdict">valid<\/td>/);
    expect(index).toMatch(/<td>memory<\/td><td>append<\/td><td>none<\/td><td class="v-bad verdict">INVALID<\/td>/);
    for (const name of order) expect(index).toContain(`<a href="${name}/index.html">`);
  });

  it('is not written for a run with --out outside reports/', () => {
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    cli(cwd, 'run', '--seed', '1', '--ops', '200', '--quiet', '--out', join(cwd, 'mine'));
    expect(existsSync(join(cwd, 'index.html'))).toBe(false);
    expect(existsSync(join(cwd, 'mine', 'index.html'))).toBe(true);
  });
});

describe('replcheck report on a run interrupted by Ctrl-C', () => {
  it('checks the history and writes results.json and the report instead of refusing', async () => {
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    const out = join(cwd, 'interrupted');
    const child = spawn(process.execPath, [bin, 'run', '--out', out, '--ops', '50000000', '--seed', '3', '--quiet'], { cwd, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const hist = join(out, 'history.jsonl');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(existsSync(hist) && statSync(hist).size > 20_000)) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    const r = cli(cwd, 'report', out);
    expect(r.stderr).toBe('');
    // Async replication with reads from any replica: the session checkers find anomalies (exit 1).
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('checked the history of an interrupted run');
    expect(r.stdout).toContain('verdict: INVALID');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results).toMatchObject({ target: 'memory', workload: 'append', nemesis: 'none', seed: 3, valid: false });
    expect(results.stats.ops).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('id="verdict"');
    // A second report reads the results now there, without checking again.
    const again = cli(cwd, 'report', out);
    expect(again.code).toBe(1);
    expect(again.stdout).not.toContain('interrupted run');
  });

  it('still refuses a directory with neither results.json nor a run\'s config.yaml and history', () => {
    const r = cli(tmp, 'report', tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a run directory (no results.json)');
  });
});
