// The two index pages: OUT/index.html of a multi-file check, and reports/index.html of past runs.

import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTotals, renderCheckIndex, renderRunsIndex, writeRunsIndex } from '../../src/report/html/listing.js';
import type { Results } from '../../src/report/results.js';

const tmp = mkdtempSync(join(tmpdir(), 'replcheck-listing-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const res = (valid: boolean | 'unknown', extra: Partial<Results> = {}): Results => ({
  valid,
  stats: { ops: 10, ok: 10, fail: 0, info: 0, durationNs: 1 },
  checkers: { 'lost-writes': { valid, count: valid === false ? 2 : 0, anomalies: [] } },
  ...extra,
});

describe('checkTotals', () => {
  it('counts files by verdict, and errors when there are any', () => {
    expect(checkTotals([{ file: 'a', results: res(true) }, { file: 'b', results: res(false) }, { file: 'c', results: res('unknown') }])).toBe('3 files: 1 valid, 1 invalid, 1 unknown');
    expect(checkTotals([{ file: 'a', results: res(true) }, { file: 'b', error: 'bad' }])).toBe('2 files: 1 valid, 0 invalid, 0 unknown, 1 error');
    expect(checkTotals([{ file: 'a', results: res(true) }])).toBe('1 file: 1 valid, 0 invalid, 0 unknown');
  });
});

describe('renderCheckIndex', () => {
  it('links each file to its run directory\'s report, relative to OUT', () => {
    const out = join(tmp, 'check');
    mkdirSync(join(out, 'a'), { recursive: true });
    writeFileSync(join(out, 'a', 'index.html'), '');
    const html = renderCheckIndex(out, [{ file: 'x/a.jsonl', dir: join(out, 'a'), results: res(false) }, { file: 'b.edn', dir: join(out, 'b'), error: 'b.edn:1: bad <input>' }]);
    expect(html).toContain('<a href="a/index.html">report</a>');
    expect(html).toContain('lost-writes (2)');
    expect(html).toContain('bad &lt;input&gt;');
    expect(html).toContain('2 files: 0 valid, 1 invalid, 0 unknown, 1 error');
  });
});

describe('renderRunsIndex', () => {
  function run(dir: string, name: string, r: Results | string, ageS: number, html = true) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'results.json'), typeof r === 'string' ? r : JSON.stringify(r));
    if (html) writeFileSync(join(dir, name, 'index.html'), '');
    const t = Date.now() / 1000 - ageS;
    utimesSync(join(dir, name, 'results.json'), t, t);
  }

  it('lists runs newest first with target, workload, nemesis, verdict and link; skips what is not a run', () => {
    const dir = join(tmp, 'reports');
    run(dir, 'old', res(true, { target: 'memory', workload: 'append', nemesis: 'none' }), 100);
    run(dir, 'new', res(false, { target: 'etcd', workload: 'register', nemesis: 'kill-leader' }), 10);
    run(dir, 'broken', '{', 50, false);
    mkdirSync(join(dir, 'interrupted'));
    writeFileSync(join(dir, 'stray.txt'), '');
    writeRunsIndex(dir);
    writeRunsIndex(dir); // its own index.html is not a run
    const html = renderRunsIndex(dir);
    const order = [...html.matchAll(/data-run="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['new', 'broken', 'old']);
    expect(html).toMatch(/<td>etcd<\/td><td>register<\/td><td>kill-leader<\/td><td class="v-bad verdict">INVALID<\/td>/);
    expect(html).toContain('<a href="new/index.html">new</a>');
    expect(html).toContain('<a href="broken/results.json">broken</a>');
    expect(html).toContain('unreadable');
  });

  it('lists a multi-file check directory with the worst verdict of its files', () => {
    const dir = join(tmp, 'with-check');
    run(dir, 'single', res(true, { target: 'memory', workload: 'append', nemesis: 'none' }), 100);
    run(join(dir, 'multi'), 'a', res(true, { workload: 'append' }), 20);
    run(join(dir, 'multi'), 'b', res(false, { workload: 'append' }), 20);
    writeFileSync(join(dir, 'multi', 'index.html'), '');
    const html = renderRunsIndex(dir);
    expect([...html.matchAll(/data-run="([^"]+)"/g)].map((m) => m[1])).toEqual(['multi', 'single']);
    expect(html).toMatch(/data-kind="check"><td>[^<]+<\/td><td>check \(2 files\)<\/td><td>append<\/td><td><span class="muted">—<\/span><\/td><td class="v-bad verdict">INVALID<\/td><td>lost-writes \(1 file\)<\/td><td><a href="multi\/index.html">/);
  });

  it('lists a matrix directory as a matrix (its shape), not as a check of no files', () => {
    const dir = join(tmp, 'with-matrix');
    mkdirSync(join(dir, 'm', 'runs', 'memory--none--1'), { recursive: true });
    writeFileSync(join(dir, 'm', 'runs', 'memory--none--1', 'results.json'), JSON.stringify(res(false)));
    writeFileSync(join(dir, 'm', 'matrix.json'), JSON.stringify({ designs: [{}, {}], nemeses: [{}], seeds: [1, 2, 3] }));
    writeFileSync(join(dir, 'm', 'index.html'), '');
    const html = renderRunsIndex(dir);
    expect(html).toMatch(/data-run="m" data-kind="matrix"><td>[^<]+<\/td><td>matrix \(2 designs × 1 fault schedule × 3 seeds\)<\/td>/);
    expect(html).not.toContain('check (0 files)');
    expect(html).toContain('<a href="m/index.html">');
  });

  it('is bounded', () => {
    const dir = join(tmp, 'many');
    for (let i = 0; i < 12; i++) run(dir, `r${String(i).padStart(2, '0')}`, res(true), 100 - i);
    const html = renderRunsIndex(dir, 5);
    expect([...html.matchAll(/data-run="([^"]+)"/g)].map((m) => m[1])).toEqual(['r11', 'r10', 'r09', 'r08', 'r07']);
    expect(html).toContain('7 older runs not listed');
  });
});
