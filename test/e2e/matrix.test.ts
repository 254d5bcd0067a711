// `replcheck matrix` through the real bin (build first: npx tsc -p tsconfig.json): a 2 designs ×
// 2 fault schedules × 2 seeds matrix whose cells the theory fixes, its three files agreeing with
// each other, links to real failing runs, the same matrix.json for the same seed, and bad input.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Matrix } from '../../src/matrix/cells.js';
import { cellText } from '../../src/matrix/table.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'replcheck.js');
const tmp = mkdtempSync(join(tmpdir(), 'replcheck-e2e-matrix-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'matrix', ...args], { cwd: tmp, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SMALL = ['--designs', 'memory-sync,memory', '--nemeses', 'none,kill-leader', '--seeds', '2', '--time-limit', '5'];
const out = join(tmp, 'small');
let run: ReturnType<typeof cli>;
let m: Matrix;

beforeAll(() => {
  run = cli(...SMALL, '--out', out, '--jobs', '2');
  m = JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8')) as Matrix;
});

const cell = (design: string, nemesis: string) => m.cells.find((c) => c.design === design && c.nemesis === nemesis)!;

describe('replcheck matrix on a small matrix', () => {
  it('exits 0 though it found violations, prints the tables and where the files are', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('replcheck matrix: 2 designs × 2 fault schedules × 2 seeds = 8 runs; append workload, 5 s of virtual time per run, seeds 1, 2 (base seed 1)');
    expect(run.stdout).toContain('fault: kill-leader — ');
    expect(run.stdout).toMatch(/^memory-sync +✓ +✓ +✓ +✓ +✓ +✓/m);
    expect(run.stdout).toMatch(/^memory +✗ 2\/2 /m);
    for (const f of ['matrix.md', 'matrix.json', 'index.html']) expect(run.stdout).toContain(join(out, f));
  });

  it('finds what the theory says: sync + leader reads keeps everything, async + reads from any loses session guarantees', () => {
    expect(m.designs.map((d) => d.name)).toEqual(['memory-sync', 'memory']);
    expect(m.nemeses.map((n) => n.name)).toEqual(['none', 'kill-leader']);
    expect(m.seeds).toEqual([1, 2]);
    expect(m.checkers).toEqual(expect.arrayContaining(['read-your-writes', 'monotonic-reads', 'lost-writes', 'convergence']));
    for (const n of ['none', 'kill-leader']) {
      for (const [k, c] of Object.entries(cell('memory-sync', n).checkers)) expect({ k, n, verdict: c.verdict, held: c.held }).toEqual({ k, n, verdict: 'held', held: 2 });
    }
    const ryw = cell('memory', 'none').checkers['read-your-writes'];
    expect(ryw.verdict).toBe('violated');
    expect(ryw.rate).toBeGreaterThan(0);
    expect(ryw.held + ryw.violated + ryw.unknown).toBe(2);
    expect(cell('memory', 'none').checkers['monotonic-reads'].verdict).toBe('violated');
    // Without faults nothing acknowledged is lost and the replicas converge.
    expect(cell('memory', 'none').checkers['lost-writes'].verdict).toBe('held');
    expect(cell('memory', 'none').checkers.convergence.verdict).toBe('held');
    // bounded-staleness runs too, and its p99 is beside the verdicts: sync replication read from the
    // leader is never stale; reads from any replica of an async one are.
    expect(m.checkers).toContain('bounded-staleness');
    expect(cell('memory-sync', 'none').stalenessP99Ms).toBe(0);
    expect(cell('memory', 'none').stalenessP99Ms).toBeGreaterThan(0);
  });

  it('links each violated cell to its smallest failing run: an existing run directory whose results.json is invalid', () => {
    let links = 0;
    for (const c of m.cells) {
      for (const [k, v] of Object.entries(c.checkers)) {
        if (v.verdict !== 'violated') {
          expect(v.smallestFailingRun).toBeUndefined();
          continue;
        }
        links++;
        const dir = join(out, v.smallestFailingRun!);
        const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
        expect(results.valid).toBe(false);
        expect(results.checkers[k].valid).toBe(false);
        expect(results.seed).toBe(v.smallestFailingSeed);
        expect(results.stats.ops).toBe(v.smallestFailingOps);
        expect(existsSync(join(dir, 'index.html'))).toBe(true);
        // No failing run of this cell and checker is smaller.
        for (const r of c.runs) {
          const res = JSON.parse(readFileSync(join(out, r.dir, 'results.json'), 'utf8'));
          if (res.checkers[k].valid === false) expect(res.stats.ops).toBeGreaterThanOrEqual(v.smallestFailingOps!);
        }
      }
    }
    expect(links).toBeGreaterThan(0);
    expect(readdirSync(join(out, 'runs')).sort()).toEqual(m.cells.flatMap((c) => c.runs.map((r) => r.dir.replace('runs/', ''))).sort());
    // Only the linked runs keep their history and report; every run keeps what repeats it and its verdict.
    const linked = new Set(m.cells.flatMap((c) => Object.values(c.checkers).map((k) => k.smallestFailingRun)).filter((d) => d !== undefined));
    const unlinked = m.cells.flatMap((c) => c.runs.map((r) => r.dir)).filter((d) => !linked.has(d));
    expect(unlinked.length).toBeGreaterThan(0);
    for (const d of linked) expect(readdirSync(join(out, d!)).sort()).toEqual(expect.arrayContaining(['config.yaml', 'history.jsonl', 'index.html', 'results.json']));
    for (const d of unlinked) expect(readdirSync(join(out, d)).sort()).toEqual(['config.yaml', 'results.json']);
  });

  it('writes matrix.md and index.html with the same cells as matrix.json', () => {
    const md = readFileSync(join(out, 'matrix.md'), 'utf8');
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const n of m.nemeses) {
      const section = md.split(`## fault: ${n.name} — `)[1].split('\n## ')[0];
      for (const d of m.designs) {
        const c = cell(d.name, n.name);
        const mdRow = section.split('\n').find((l) => l.startsWith(`| ${d.name} |`))!;
        const mdCells = mdRow.split(' | ').slice(1).map((s) => s.replace(/ \|$/, '').replace(/^\[(.*)\]\((.*)\/index\.html\)$/, '$1 $2'));
        expect(mdCells).toEqual([
          ...m.checkers.map((k) => (c.checkers[k].smallestFailingRun ? `${cellText(c.checkers[k])} ${c.checkers[k].smallestFailingRun}` : cellText(c.checkers[k]))),
          `${Math.round(c.stalenessP99Ms!)} ms`,
        ]);
        expect(new RegExp(`<tr data-design="${d.name}" data-nemesis="${n.name}">.*<td class="stale"[^>]*>${Math.round(c.stalenessP99Ms!)} ms</td>`).test(html)).toBe(true);
        const htmlRow = new RegExp(`<tr data-design="${d.name}" data-nemesis="${n.name}">(.*?)</tr>`).exec(html)![1];
        const tds = [...htmlRow.matchAll(/<td class="cell (\w+)"[^>]*>(?:<a href="([^"]+)\/index\.html">)?([^<]*)/g)].map((x) => [x[1], x[2], x[3]]);
        expect(tds).toEqual(
          m.checkers.map((k) => {
            const v = c.checkers[k];
            return [v.verdict === 'violated' && v.rate < 1 ? 'partial' : v.verdict, v.smallestFailingRun, cellText(v)];
          }),
        );
      }
    }
    for (const href of html.matchAll(/href="(runs\/[^"]+)"/g)) expect(existsSync(join(out, href[1]))).toBe(true);
    expect(html).not.toMatch(/<script src|<link rel="stylesheet"|https?:\/\//);
  });

  it('gives the same matrix.json for the same seed (in worker threads or not), other seeds for another base seed', () => {
    // The first run used a pool of two worker threads; this one runs everything in one thread.
    const again = cli(...SMALL, '--out', join(tmp, 'again'), '--quiet', '--jobs', '1');
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('fault:');
    expect(readFileSync(join(tmp, 'again', 'matrix.json'), 'utf8')).toBe(readFileSync(join(out, 'matrix.json'), 'utf8'));
    const other = cli('--designs', 'memory', '--nemeses', 'none', '--seeds', '2', '--seed', '7', '--ops', '300', '--out', join(tmp, 'other'), '--quiet');
    expect(other.code).toBe(0);
    const o = JSON.parse(readFileSync(join(tmp, 'other', 'matrix.json'), 'utf8')) as Matrix;
    expect(o.seeds).toEqual([7, 8]);
    expect(o.ops).toBe(300);
    expect(o.cells[0].runs.map((r) => r.dir)).toEqual(['runs/memory--none--7', 'runs/memory--none--8']);
  });

  it('--keep-runs keeps every run directory whole', () => {
    const r = cli('--designs', 'memory-sync', '--nemeses', 'none', '--seeds', '2', '--ops', '300', '--keep-runs', '--out', join(tmp, 'kept'), '--quiet');
    expect(r.code).toBe(0);
    const k = JSON.parse(readFileSync(join(tmp, 'kept', 'matrix.json'), 'utf8')) as Matrix;
    expect(k.cells[0].runs.map((x) => x.whole)).toEqual([true, true]);
    for (const x of k.cells[0].runs) expect(readdirSync(join(tmp, 'kept', x.dir))).toEqual(expect.arrayContaining(['config.yaml', 'history.jsonl', 'index.html', 'results.json']));
  });
});

describe('replcheck matrix on bad input', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown design', ['--designs', 'memory-synk'], /^replcheck: --designs: unknown design "memory-synk" \(did you mean memory-sync\?\); known: memory, .*memory-sync/],
    ['a target that is no memory design', ['--designs', 'etcd'], /^replcheck: --designs: unknown design "etcd"; known: memory/],
    ['an unknown fault schedule', ['--nemeses', 'none,flood'], /^replcheck: --nemeses: unknown fault schedule "flood"; known: none, .*kill-leader/],
    ['an empty design list', ['--designs', ','], /^replcheck: --designs: expected a comma-separated list of designs/],
    ['zero seeds', ['--seeds', '0'], /^replcheck: --seeds: expected an integer from 1 to 1000, got "0"/],
    ['a fractional seed count', ['--seeds', '1.5'], /^replcheck: --seeds: expected an integer/],
    ['a negative base seed', ['--seed', '-3'], /^replcheck: --seed: expected an integer/],
    ['zero jobs', ['--jobs', '0'], /^replcheck: --jobs: expected an integer from 1 to 64, got "0"/],
    ['a zero time limit', ['--time-limit', '0'], /^replcheck: --time-limit: expected a number of seconds/],
    ['an unknown option', ['--seedz', '3'], /^replcheck: unknown option '--seedz'/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: exit 2, one line, nothing run`, () => {
      const dir = join(tmp, `bad-${what.replace(/\W+/g, '-')}`);
      const r = cli(...args, '--out', dir);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(existsSync(join(dir, 'runs'))).toBe(false);
    });
  }
});
