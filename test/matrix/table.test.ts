// The matrix's aggregation and rendering on a hand-made set of run summaries: counts, rates and the
// smallest failing run per cell; the terminal and Markdown tables; the HTML cells and their links.

import { describe, expect, it } from 'vitest';
import { buildMatrix, cellAt, matrixTotals, type Matrix } from '../../src/matrix/cells.js';
import type { RunSummary } from '../../src/matrix/execute.js';
import { matrixHtml } from '../../src/matrix/html.js';
import type { MatrixPlan } from '../../src/matrix/plan.js';
import { abbreviations, cellText, formatMarkdown, formatTerminal, runsLine } from '../../src/matrix/table.js';

const CHECKERS = ['read-your-writes', 'lost-writes'];

function plan(skip?: string): MatrixPlan {
  const designs = [
    { name: 'memory-sync', description: 'sound' },
    { name: 'memory', description: 'async, reads from any' },
  ];
  const nemeses = [
    { name: 'none', description: 'no faults' },
    { name: 'kill-leader', description: 'crash the leader' },
  ];
  const cells = designs.flatMap((d) =>
    nemeses.map((n) => ({ design: d.name, nemesis: n.name, runs: [], skipped: skip && d.name === 'memory' && n.name === 'kill-leader' ? skip : undefined })),
  );
  return { designs, nemeses, seeds: [1, 2, 3], baseSeed: 1, workload: 'append', timeLimitMs: 10_000, ops: 0, cells };
}

/** One run: `verdicts` per checker (true held, false violated, 'unknown'). */
function run(design: string, nemesis: string, seed: number, ops: number, verdicts: Array<boolean | 'unknown'>): RunSummary {
  const checkers = Object.fromEntries(CHECKERS.map((c, i) => [c, { valid: verdicts[i], count: verdicts[i] === false ? 2 : 0 }]));
  const valid = verdicts.includes(false) ? false : verdicts.includes('unknown') ? 'unknown' : true;
  return { design, nemesis, seed, dir: `runs/${design}--${nemesis}--${seed}`, ops, valid, checkers };
}

function sample(skip?: string): Matrix {
  const s: RunSummary[] = [];
  for (const seed of [1, 2, 3]) {
    s.push(run('memory-sync', 'none', seed, 100, [true, true]));
    s.push(run('memory-sync', 'kill-leader', seed, 100, [true, seed === 2 ? 'unknown' : true]));
    // ryw fails in every seed, the smallest of them is seed 2 (fewest ops); lost-writes in seeds 1 and 3.
    s.push(run('memory', 'none', seed, seed === 2 ? 50 : 500, [false, seed === 2]));
    if (!skip) s.push(run('memory', 'kill-leader', seed, 900 - seed * 100, [seed === 1, true]));
  }
  return buildMatrix(plan(skip), s);
}

describe('buildMatrix', () => {
  it('counts held / violated / unknown per checker, with the rate and the smallest failing run', () => {
    const m = sample();
    expect(m.checkers).toEqual(CHECKERS);
    expect(cellAt(m, 'memory-sync', 'none')!.checkers['read-your-writes']).toEqual({ verdict: 'held', held: 3, violated: 0, unknown: 0, rate: 0 });
    expect(cellAt(m, 'memory-sync', 'kill-leader')!.checkers['lost-writes']).toMatchObject({ verdict: 'unknown', held: 2, unknown: 1, rate: 0 });
    expect(cellAt(m, 'memory', 'none')!.checkers['read-your-writes']).toEqual({
      verdict: 'violated',
      held: 0,
      violated: 3,
      unknown: 0,
      rate: 1,
      smallestFailingRun: 'runs/memory--none--2',
      smallestFailingSeed: 2,
      smallestFailingOps: 50,
    });
    // Failing in seeds 1 and 3 (equal ops): the earlier seed is the smallest.
    expect(cellAt(m, 'memory', 'none')!.checkers['lost-writes']).toMatchObject({ verdict: 'violated', violated: 2, rate: 0.667, smallestFailingRun: 'runs/memory--none--1' });
    expect(cellAt(m, 'memory', 'kill-leader')!.checkers['read-your-writes']).toMatchObject({ violated: 2, smallestFailingRun: 'runs/memory--kill-leader--3', smallestFailingOps: 600 });
    expect(cellAt(m, 'memory', 'none')!.runs.map((r) => r.seed)).toEqual([1, 2, 3]);
    expect(matrixTotals(m)).toEqual({ runs: 12, skipped: 0, held: 4, violated: 3, unknown: 1 });
  });

  it('keeps a cell that was not run, with its reason and no checkers', () => {
    const m = sample('kill-leader needs leader');
    expect(cellAt(m, 'memory', 'kill-leader')).toMatchObject({ skipped: 'kill-leader needs leader', runs: [], checkers: {} });
    expect(matrixTotals(m).skipped).toBe(1);
  });
});

describe('cell text and short names', () => {
  it('writes ✓, ✗ k/n, ? k/n and – for a cell not run', () => {
    const m = sample();
    expect(cellText(cellAt(m, 'memory-sync', 'none')!.checkers['lost-writes'])).toBe('✓');
    expect(cellText(cellAt(m, 'memory', 'none')!.checkers['lost-writes'])).toBe('✗ 2/3');
    expect(cellText(cellAt(m, 'memory-sync', 'kill-leader')!.checkers['lost-writes'])).toBe('? 1/3');
    expect(cellText(undefined)).toBe('–');
  });

  it('abbreviates hyphenated names by initials, single words by four letters, clashes with a digit', () => {
    expect(abbreviations(['read-your-writes', 'read-your-writes-user', 'convergence', 'monotonic-reads', 'monotonic-rules'])).toEqual({
      'read-your-writes': 'ryw',
      'read-your-writes-user': 'rywu',
      convergence: 'conv',
      'monotonic-reads': 'mr',
      'monotonic-rules': 'mr2',
    });
  });

  it('says how long each run was and which seeds', () => {
    expect(runsLine(sample())).toBe('append workload, 10 s of virtual time per run, seeds 1, 2, 3 (base seed 1)');
    expect(runsLine({ ...sample(), timeLimitMs: 0, ops: 300 })).toBe('append workload, 300 operations per run, seeds 1, 2, 3 (base seed 1)');
  });
});

describe('formatTerminal', () => {
  it('prints one aligned table per fault schedule, designs as rows, checkers as columns', () => {
    const text = formatTerminal(sample());
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^✓ held in every seed/);
    const at = lines.indexOf('fault: none — no faults');
    expect(lines.slice(at, at + 4)).toEqual([
      'fault: none — no faults',
      'design       read-your-writes  lost-writes',
      'memory-sync  ✓                 ✓',
      'memory       ✗ 3/3             ✗ 2/3',
    ]);
    expect(lines).toContain('fault: kill-leader — crash the leader');
    expect(lines).toContain('memory-sync  ✓                 ? 1/3');
    expect(text).not.toMatch(/\x1b\[/);
  });

  it('names the columns by short names, listed first, when full names would pass 100 columns', () => {
    const many = ['read-your-writes', 'read-your-writes-user', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads', 'lost-writes', 'consistent-prefix'];
    const lines = formatTerminal({ ...sample(), checkers: [...many, 'convergence'] }).split('\n');
    expect(lines[0]).toBe('checkers: ryw = read-your-writes, rywu = read-your-writes-user, mr = monotonic-reads, mw = monotonic-writes, wfr = writes-follow-reads, lw = lost-writes, cp = consistent-prefix, conv = convergence');
    expect(lines).toContain('design       ryw    rywu  mr  mw  wfr  lw     cp  conv');
    expect(lines).toContain('memory       ✗ 3/3  –     –   –   –    ✗ 2/3  –   –');
    expect(Math.max(...lines.filter((l) => l.startsWith('memory')).map((l) => [...l].length))).toBeLessThanOrEqual(100);
  });

  it('colours cells only when asked', () => {
    expect(formatTerminal(sample(), { color: true })).toMatch(/\x1b\[31m✗ 3\/3/);
  });

  it('notes a cell that was not run under its table', () => {
    const lines = formatTerminal(sample('kill-leader needs leader')).split('\n');
    expect(lines).toContain('memory       –                 –');
    expect(lines).toContain('  – memory: not run: kill-leader needs leader');
  });
});

describe('formatMarkdown', () => {
  it('has a table per fault with full checker names, failing cells linking their smallest run', () => {
    const md = formatMarkdown(sample());
    expect(md).toContain('## fault: none — no faults\n\n| design | read-your-writes | lost-writes |\n| --- | --- | --- |\n');
    expect(md).toContain('| memory-sync | ✓ | ✓ |');
    expect(md).toContain('| memory | [✗ 3/3](runs/memory--none--2/index.html) | [✗ 2/3](runs/memory--none--1/index.html) |');
    expect(md).toContain('| memory | async, reads from any |');
  });
});

describe('matrixHtml', () => {
  it('colours each cell by its verdict and links violated cells and every run', () => {
    const html = matrixHtml(sample());
    const row = /<tr data-design="memory" data-nemesis="none">(.*?)<\/tr>/.exec(html)![1];
    expect(row).toContain('<td class="cell violated" title="read-your-writes: held in 0 of 3 seeds, violated in 3, unknown in 0; smallest failing run: seed 2, 50 operations"><a href="runs/memory--none--2/index.html">✗ 3/3</a></td>');
    expect(row).toContain('<td class="cell partial"');
    expect(row).toContain('<a class="bad" href="runs/memory--none--1/index.html" title="seed 1, 500 operations">1</a>');
    const sound = /<tr data-design="memory-sync" data-nemesis="none">(.*?)<\/tr>/.exec(html)![1];
    expect([...sound.matchAll(/class="cell (\w+)"/g)].map((x) => x[1])).toEqual(['held', 'held']);
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
