// The summary directory's index.html: one self-contained page (no network) with each checker's
// failure rate, its 95% interval and first failing run, and a row per run linking to its report.

import { esc } from '../report/html/svg.js';
import type { Verdict } from '../report/results.js';
import { percent } from './stats.js';
import { describePlan, stoppedLine, type RunsSummary } from './summary.js';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse}th,td{padding:4px 10px;border:1px solid #ddd;text-align:left}th{background:#f4f4f4}
td.v{text-align:center}.ok{background:#dafbe1;color:#116329}.bad{background:#ffc1c0;color:#82071e}.unk{background:#fff8c5;color:#7d4e00}.muted{color:#666}`;

function verdictTd(v: Verdict | undefined): string {
  if (v === undefined) return '<td class="v muted">–</td>';
  const [cls, text] = v === true ? ['ok', '✓'] : v === false ? ['bad', '✗'] : ['unk', '?'];
  return `<td class="v ${cls}">${text}</td>`;
}

function ratesTable(s: RunsSummary): string {
  const rows = Object.entries(s.checkers).map(([k, c]) => {
    const first = c.firstFailingRun ? `<a href="${esc(c.firstFailingRun)}/index.html">${c.firstFailingSeed}</a>` : '<span class="muted">none</span>';
    const cls = c.failed > 0 ? 'bad' : c.unknown > 0 ? 'unk' : 'ok';
    return `<tr data-checker="${esc(k)}"><th>${esc(k)}</th><td class="${cls}">${c.failed}/${c.runs}</td><td>${percent(c.rate)}</td><td>${percent(c.ci95[0])}–${percent(c.ci95[1])}</td><td>${c.unknown}</td><td>${first}</td></tr>`;
  });
  return `<table><tr><th>checker</th><th>failed</th><th>rate</th><th>95% CI (Wilson)</th><th>unknown</th><th>first failing seed</th></tr>\n${rows.join('\n')}</table>`;
}

function runsTable(s: RunsSummary): string {
  const names = Object.keys(s.checkers);
  const head = `<tr><th>seed</th><th>verdict</th>${names.map((k) => `<th>${esc(k)}</th>`).join('')}<th>operations</th></tr>`;
  const rows = s.runs.map(
    (r) => `<tr data-seed="${r.seed}"><td><a href="${esc(r.dir)}/index.html">${r.seed}</a></td>${verdictTd(r.valid)}${names.map((k) => verdictTd(r.checkers[k])).join('')}<td>${r.ops}</td></tr>`,
  );
  return `<table>${head}\n${rows.join('\n')}</table>`;
}

export function summaryHtml(s: RunsSummary): string {
  const stop = stoppedLine(s);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>replcheck runs: ${esc(s.target)}</title><link rel="icon" href="data:,"><style>${CSS}</style></head>
<body><main>
<h1>Repeated runs: ${esc(s.target)}, ${esc(s.workload)} workload, nemesis ${esc(s.nemesis)}</h1>
<p>${esc(describePlan(s))}.</p>
${stop ? `<p><strong>${esc(stop)}.</strong></p>` : ''}
<h2>Failure rate per checker</h2>
${ratesTable(s)}
<p class="muted">The interval is the 95% Wilson score interval of failed / runs; a run with an unknown verdict counts as a run, not a failure.</p>
<h2>Runs</h2>
${runsTable(s)}
</main></body></html>
`;
}
