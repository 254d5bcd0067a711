// The matrix's index.html: one self-contained page (no network), a table per fault schedule with
// coloured cells; a violated cell links to its smallest failing run's report, a row to every run.

import { esc } from '../report/html/svg.js';
import type { CheckerCell, Matrix, MatrixCell, MatrixRun } from './cells.js';
import { cellText, hasStaleness, LEGEND, runsLine, STALENESS_HEADING, stalenessText } from './table.js';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse}tr>th:first-child{white-space:nowrap}th,td{padding:4px 10px;border:1px solid #ddd;text-align:left;vertical-align:top}th{background:#f4f4f4}
td.cell{text-align:center;white-space:nowrap;min-width:4em}td.cell a{color:inherit;font-weight:600}
.held{background:#dafbe1;color:#116329}.violated{background:#ffc1c0;color:#82071e}.partial{background:#ffe2cc;color:#953800}
.unknown{background:#fff8c5;color:#7d4e00}.skipped{background:#f0f0f0;color:#666}.muted{color:#666}
.runs a{margin-right:6px}.runs a.bad{color:#cf222e}.runs a.ok{color:#1a7f37}.runs a.unk{color:#9a6700}`;

function cellClass(c: CheckerCell | undefined): string {
  if (c === undefined) return 'skipped';
  if (c.verdict === 'violated') return c.rate < 1 ? 'partial' : 'violated';
  return c.verdict;
}

function cellTitle(checker: string, c: CheckerCell | undefined, cell: MatrixCell): string {
  if (c === undefined) return `not run: ${cell.skipped ?? ''}`;
  const n = c.held + c.violated + c.unknown;
  const parts = [`${checker}: held in ${c.held} of ${n} seeds, violated in ${c.violated}, unknown in ${c.unknown}`];
  if (c.smallestFailingRun) parts.push(`smallest failing run: seed ${c.smallestFailingSeed}, ${c.smallestFailingOps} operations`);
  return parts.join('; ');
}

function checkerTd(checker: string, c: CheckerCell | undefined, cell: MatrixCell): string {
  const text = esc(cellText(c));
  const inner = c?.smallestFailingRun ? `<a href="${esc(c.smallestFailingRun)}/index.html">${text}</a>` : text;
  return `<td class="cell ${cellClass(c)}" title="${esc(cellTitle(checker, c, cell))}">${inner}</td>`;
}

function runLink(r: MatrixRun): string {
  const cls = r.valid === true ? 'ok' : r.valid === false ? 'bad' : 'unk';
  if (r.whole === false) {
    const why = `seed ${r.seed}, ${r.ops} operations: its verdict (history not kept; replcheck run --config ${r.dir}/config.yaml repeats the run, --keep-runs keeps every history)`;
    return `<a class="${cls}" href="${esc(r.dir)}/results.json" title="${esc(why)}">${r.seed}</a>`;
  }
  return `<a class="${cls}" href="${esc(r.dir)}/index.html" title="seed ${r.seed}, ${r.ops} operations">${r.seed}</a>`;
}

function faultTable(m: Matrix, nemesis: string): string {
  const stale = hasStaleness(m);
  const head = `<tr><th>design</th>${m.checkers.map((k) => `<th>${esc(k)}</th>`).join('')}${stale ? `<th>${STALENESS_HEADING}</th>` : ''}<th>runs (seed)</th></tr>`;
  const rows = m.designs.map((d) => {
    const cell = m.cells.find((c) => c.design === d.name && c.nemesis === nemesis)!;
    const tds = m.checkers.map((k) => checkerTd(k, cell.checkers[k], cell)).join('');
    const runs = cell.skipped ? `<span class="muted">not run: ${esc(cell.skipped)}</span>` : cell.runs.map(runLink).join('');
    const staleTd = stale ? `<td class="stale" title="the largest p99 read staleness over the seeds (bounded-staleness)">${esc(stalenessText(cell))}</td>` : '';
    return `<tr data-design="${esc(d.name)}" data-nemesis="${esc(nemesis)}"><th>${esc(d.name)}</th>${tds}${staleTd}<td class="runs">${runs}</td></tr>`;
  });
  return `<table>${head}\n${rows.join('\n')}</table>`;
}

export function matrixHtml(m: Matrix): string {
  const designs = m.designs.map((d) => `<tr><th>${esc(d.name)}</th><td>${esc(d.description)}</td></tr>`).join('\n');
  const faults = m.nemeses.map((n) => `<h2>fault: ${esc(n.name)} <span class="muted">— ${esc(n.description)}</span></h2>\n${faultTable(m, n.name)}`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>replcheck matrix</title><link rel="icon" href="data:,"><style>${CSS}</style></head>
<body><main>
<h1>Which design keeps which guarantee</h1>
<p>replcheck matrix on the memory target: ${esc(runsLine(m))}.</p>
<p class="muted">${esc(LEGEND)}. A ✗ links to the smallest failing run (fewest operations); orange: violated in some seeds only. The seeds after each row open every run.</p>
<table>${designs}</table>
${faults}
</main></body></html>
`;
}
