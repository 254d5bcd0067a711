// `replcheck run --runs N` and `replcheck merge` through the real bin (build first: npx tsc -p
// tsconfig.json), on a design that fails sometimes: async replication whose leader is killed loses
// acknowledged writes in some seeds only (lost-writes fails 10 of the 20 seeds from base seed 1).

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunsSummary } from '../../src/runs/summary.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'replcheck.js');
const tmp = mkdtempSync(join(tmpdir(), 'replcheck-e2e-runs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const env = { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' };
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: tmp, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const DESIGN = ['--target', 'memory-async-crash', '--nemesis', 'kill-leader', '--time-limit', '3', '--seed', '1'];
const read = (dir: string): RunsSummary => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunsSummary;
const out = (name: string) => join(tmp, name);
let full: ReturnType<typeof cli>;
let s: RunsSummary;

beforeAll(() => {
  full = cli('run', '--runs', '20', ...DESIGN, '--out', out('full'), '--jobs', '2');
  s = read(out('full'));
});

describe('replcheck run --runs 20 on a design that fails sometimes', () => {
  it('prints the base seed first, a line per checker with its rate and interval, the summary path; exits 1', () => {
    expect(full.stderr).toBe('');
    expect(full.code).toBe(1);
    const lines = full.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^replcheck run: base seed 1; 20 runs, seeds 1\.\.20; single-leader, async replication/);
    const lw = s.checkers['lost-writes'];
    expect(full.stdout).toContain(`lost-writes: failed ${lw.failed}/20 runs (${Math.round(lw.rate * 100)}%, 95% CI `);
    expect(full.stdout).toContain(`first failing seed ${lw.firstFailingSeed}`);
    expect(full.stdout).toContain('read-your-writes: failed 0/20 runs (0%, 95% CI 0–16%)\n');
    expect(lines.at(-1)).toContain(`summary: ${out('full')} `);
  });

  it('gives lost-writes a rate strictly between 0 and 1, with its Wilson interval around it', () => {
    const lw = s.checkers['lost-writes'];
    expect(lw.runs).toBe(20);
    expect(lw.rate).toBeGreaterThan(0);
    expect(lw.rate).toBeLessThan(1);
    expect(lw.rate).toBe(lw.failed / 20);
    expect(lw.ci95[0]).toBeLessThan(lw.rate);
    expect(lw.ci95[1]).toBeGreaterThan(lw.rate);
    expect(s.valid).toBe(false);
    expect(s.exitCode).toBe(1);
  });

  it('writes 20 run directories whose results.json the summary agrees with', () => {
    expect(readdirSync(join(out('full'), 'runs')).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `seed-${i + 1}`).sort());
    expect(s.runs.map((r) => r.seed)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const failing: number[] = [];
    for (const r of s.runs) {
      const results = JSON.parse(readFileSync(join(out('full'), r.dir, 'results.json'), 'utf8'));
      expect(results.seed).toBe(r.seed);
      expect(results.valid).toBe(r.valid);
      for (const [k, v] of Object.entries(r.checkers)) expect(results.checkers[k].valid).toBe(v);
      if (results.checkers['lost-writes'].valid === false) failing.push(r.seed);
    }
    expect(s.checkers['lost-writes'].failed).toBe(failing.length);
    expect(s.checkers['lost-writes'].firstFailingSeed).toBe(failing[0]);
  });

  it('has an index.html whose links all resolve to run reports, and a summary.md', () => {
    const html = readFileSync(join(out('full'), 'index.html'), 'utf8');
    expect(html).not.toMatch(/https?:\/\//);
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]).filter((h) => !h.startsWith('data:'));
    expect(links.length).toBeGreaterThanOrEqual(20);
    for (const l of links) expect(existsSync(join(out('full'), l)), l).toBe(true);
    for (const r of s.runs) expect(links).toContain(`${r.dir}/index.html`);
    expect(readFileSync(join(out('full'), 'summary.md'), 'utf8')).toContain('| lost-writes |');
  });

  it('gives the same summary.json for the same base seed, in one thread or several', () => {
    const again = cli('run', '--runs', '20', ...DESIGN, '--out', out('again'), '--jobs', '1', '--quiet');
    expect(again.code).toBe(1);
    expect(readFileSync(join(out('again'), 'summary.json'), 'utf8')).toBe(readFileSync(join(out('full'), 'summary.json'), 'utf8'));
  });
});

describe('--until-fail', () => {
  it('stops at the first failing run: fewer runs than asked, the last counted one failing', () => {
    const r = cli('run', '--runs', '20', '--until-fail', ...DESIGN, '--out', out('until'), '--jobs', '2');
    const u = read(out('until'));
    const first = s.checkers['lost-writes'].firstFailingSeed!;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`stopped at the first failing run (seed ${first})`);
    expect(u.done).toBeLessThan(20);
    expect(u.runs.at(-1)!.valid).toBe(false);
    expect(u.runs.at(-1)!.seed).toBe(first);
    expect(u.runs.slice(0, -1).every((x) => x.valid !== false)).toBe(true);
    expect(u.stopped).toEqual({ reason: 'until-fail', seed: first });
    expect(readdirSync(join(out('until'), 'runs')).length).toBe(u.done);
  });
});

describe('--shard and replcheck merge', () => {
  beforeAll(() => {
    for (const k of [1, 2]) expect(cli('run', '--runs', '20', ...DESIGN, '--shard', `${k}/2`, '--out', out(`shard-${k}`), '--quiet').code).toBe(1);
  });

  it('runs disjoint halves whose merge has the unsharded rates and first failing seeds', () => {
    const a = read(out('shard-1'));
    const b = read(out('shard-2'));
    expect(a.shard).toEqual({ index: 1, count: 2 });
    expect(a.runs.map((r) => r.seed)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    expect(b.runs.map((r) => r.seed)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    const m = cli('merge', out('shard-2'), out('shard-1'), '--out', out('merged'));
    expect(m.stderr).toBe('');
    expect(m.code).toBe(1);
    const merged = read(out('merged'));
    expect(merged.checkers).toEqual(withRunDirs(s, '../shard-'));
    expect(merged.runs.map((r) => [r.seed, r.valid])).toEqual(s.runs.map((r) => [r.seed, r.valid]));
    expect(merged.done).toBe(20);
    expect(m.stdout).toContain(`lost-writes: failed ${s.checkers['lost-writes'].failed}/20 runs`);
    const html = readFileSync(join(out('merged'), 'index.html'), 'utf8');
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((x) => x[1]).filter((h) => !h.startsWith('data:'));
    expect(links.length).toBeGreaterThanOrEqual(20);
    for (const l of links) expect(existsSync(join(out('merged'), l)), l).toBe(true);
  });

  it('refuses bad merges in one line, exit 2: a missing shard, a shard twice, another plan, a non-summary dir', () => {
    const other = out('other-plan');
    mkdirSync(other);
    const wrong = { ...read(out('shard-2')), baseSeed: 99 };
    writeFileSync(join(other, 'summary.json'), JSON.stringify(wrong));
    const empty = out('empty');
    mkdirSync(empty);
    cpSync(out('shard-1'), out('shard-1-copy'), { recursive: true });
    const cases: [string[], RegExp][] = [
      [[out('shard-1')], /shard 2 of 2 missing/],
      [[out('shard-1'), out('shard-1-copy')], /both shard 1\/2/],
      [[out('shard-1'), other], /not a shard of the same plan .*baseSeed 99 vs 1/],
      [[out('shard-1'), empty], /is not a summary directory/],
      [[out('shard-1'), out('full')], /is not a shard/],
    ];
    for (const [dirs, want] of cases) {
      const r = cli('merge', ...dirs, '--out', out('bad-merge'));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(want);
    }
    expect(cli('merge', out('shard-1'), '--partial', '--out', out('partial')).code).toBe(1);
    expect(read(out('partial')).done).toBe(10);
  });
});

/** The unsharded checkers with their first failing run's link as the merged summary writes it (relative to the merged dir). */
function withRunDirs(u: RunsSummary, shardPrefix: string): RunsSummary['checkers'] {
  const out: RunsSummary['checkers'] = {};
  for (const [k, c] of Object.entries(u.checkers)) {
    const copy = { ...c };
    if (c.firstFailingSeed !== undefined) copy.firstFailingRun = `${shardPrefix}${((c.firstFailingSeed - 1) % 2) + 1}/runs/seed-${c.firstFailingSeed}`;
    out[k] = copy;
  }
  return out;
}

describe('bad input', () => {
  it('exits 2 with one line naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['--runs', '0'], /^replcheck: --runs: expected an integer from 1/],
      [['--runs', '4', '--shard', '3/2'], /^replcheck: --shard: expected K from 1 to N/],
      [['--runs', '4', '--shard', 'x'], /^replcheck: --shard: expected K\/N/],
      [['--shard', '1/2'], /^replcheck: --shard: .*--runs/],
      [['--runs', '4', '--junit', 'j.xml'], /^replcheck: --junit: /],
    ];
    for (const [args, want] of cases) {
      const r = cli('run', ...args, '--time-limit', '1', '--out', out('bad'));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(want);
    }
    expect(existsSync(out('bad'))).toBe(false);
  });
});

describe('Ctrl-C', () => {
  it('stops, keeps the runs that finished and a summary marked interrupted, exits 130', async () => {
    const dir = out('interrupted');
    const child = spawn(process.execPath, [bin, 'run', '--runs', '500', ...DESIGN, '--out', dir, '--jobs', '2'], { cwd: tmp, env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => {
      const poll = setInterval(() => {
        const results = existsSync(join(dir, 'runs')) ? readdirSync(join(dir, 'runs')).filter((r) => existsSync(join(dir, 'runs', r, 'results.json'))) : [];
        if (results.length >= 4) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 100);
      child.on('exit', (c) => {
        clearInterval(poll);
        done(c);
      });
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/^replcheck: interrupted after \d+ of 500 runs/);
    const u = read(dir);
    expect(u.stopped).toEqual({ reason: 'interrupted' });
    // (a run whose results.json is written but whose summary had not reached the main thread is cut short too)
    expect(u.done).toBeGreaterThanOrEqual(2);
    expect(u.done).toBeLessThan(500);
    expect(readdirSync(join(dir, 'runs')).map((d) => `runs/${d}`).sort()).toEqual(u.runs.map((r) => r.dir).sort());
    for (const r of u.runs) expect(existsSync(join(dir, r.dir, 'results.json'))).toBe(true);
  }, 60_000);
});
