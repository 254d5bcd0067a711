// index.html: the self-contained report (inline CSS, SVG and a few lines of JS, no network):
// verdicts and design, a binned overview of the whole run, and per anomaly its explanation with a
// focused timeline of the operations involved. Its size is bounded whatever the history's size.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Anomaly } from '../../checkers/types.js';
import { describeServed } from '../../history/served.js';
import type { History } from '../../history/types.js';
import type { Results } from '../results.js';
import { reportData, type AnomalyView, type CheckerView, type ReportData, type ReportInputs } from './data.js';
import { PAGE_JS } from './script.js';
import { PAGE_CSS } from './style.js';
import { UNTIMED_REASON } from '../time.js';
import { focusView } from './focus.js';
import { STALENESS_CSS, stalenessSection } from './staleness.js';
import { esc, fmtAt, fmtDuration, fmtPoint, fmtValue, lagSvg, latencySvg, NEMESIS_COLOR, overviewSvg, throughputSvg, type Marker } from './svg.js';

function verdictClass(v: boolean | 'unknown'): string {
  return v === true ? 'v-ok' : v === false ? 'v-bad' : 'v-unknown';
}

function verdictText(v: boolean | 'unknown'): string {
  return v === true ? 'valid' : v === false ? 'INVALID' : 'unknown';
}

function badge(v: boolean | 'unknown'): string {
  const icon = v === true ? '✓' : v === false ? '✗' : '?';
  return `<span class="badge ${verdictClass(v)}">${icon} ${verdictText(v)}</span>`;
}

function header(d: ReportData): string {
  const r = d.results;
  const s = r.stats;
  const chips = [
    ['target', r.target],
    ['workload', r.workload],
    ['nemesis', r.nemesis],
    ['seed', r.seed],
  ]
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<span class="chip"><span class="chip-k">${k}</span> ${esc(String(v))}</span>`)
    .join('');
  const pct = (n: number) => (s.ops ? ` <span class="muted">(${((100 * n) / s.ops).toFixed(1)}%)</span>` : '');
  const stats = `<div class="stats">
<div class="stat"><div class="stat-n">${s.ops.toLocaleString('en-US')}</div><div class="stat-k">operations</div></div>
<div class="stat"><div class="stat-n c-ok">${s.ok.toLocaleString('en-US')}${pct(s.ok)}</div><div class="stat-k">ok</div></div>
<div class="stat"><div class="stat-n c-fail">${s.fail.toLocaleString('en-US')}${pct(s.fail)}</div><div class="stat-k">fail</div></div>
<div class="stat"><div class="stat-n c-info">${s.info.toLocaleString('en-US')}${pct(s.info)}</div><div class="stat-k">info (indeterminate)</div></div>
${d.untimed ? `<div class="stat"><div class="stat-n">${d.eventCount.toLocaleString('en-US')}</div><div class="stat-k">events (no times)</div></div>` : `<div class="stat"><div class="stat-n">${fmtDuration(s.durationNs)}</div><div class="stat-k">duration</div></div>`}
<div class="stat"><div class="stat-n">${d.nemesis.filter((n) => !n.point).length}</div><div class="stat-k">faults injected</div></div>
</div>`;
  const rows = d.checkers
    .map((c) => {
      const first = c.detailed[0];
      const detail =
        c.valid === false
          ? `${c.count.toLocaleString('en-US')} anomal${c.count === 1 ? 'y' : 'ies'}${first ? ` — <a href="#${esc(first.id)}" class="jump">first: ${esc(truncate(first.anomaly.explanation, 110))}</a>` : ''}`
          : c.valid === 'unknown'
            ? `inconclusive${c.reason ? `: ${esc(c.reason)}` : ''}`
            : 'guarantee held';
      return `<tr class="${verdictClass(c.valid)}" data-checker="${esc(c.name)}"><td class="ck-name"><a href="#checker-${esc(slug(c.name))}">${esc(c.name)}</a></td><td>${badge(c.valid)}</td><td>${detail}</td></tr>`;
    })
    .join('\n');
  const command = r.command
    ? `<div class="cmd"><span class="cmd-k">reproduce</span><code id="reproduce">${esc(r.command)}</code></div>`
    : '';
  const source = r.history ? `<div class="cmd"><span class="cmd-k">history</span><code>${esc(r.history)}</code></div>` : '';
  return `<header class="top ${verdictClass(r.valid)}">
<div class="title-row"><h1>replcheck report</h1><div class="verdict" id="verdict" data-verdict="${esc(String(r.valid))}">${badge(r.valid)}</div></div>
<div class="chips">${chips}</div>
<nav class="jump-nav"><a href="#checkers">verdicts</a>${d.knobs.length ? '<a href="#design">design</a>' : ''}<a href="#overview">timeline</a>${r.checkers?.['bounded-staleness'] ? '<a href="#staleness">staleness</a>' : ''}<a href="#anomalies">anomalies</a></nav>
${command}${source}
</header>
<section class="card">${stats}
<table class="checkers" id="checkers"><thead><tr><th>checker</th><th>verdict</th><th>detail</th></tr></thead><tbody>
${rows || '<tr><td colspan="3" class="muted">no checker ran</td></tr>'}
</tbody></table></section>`;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-');
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function design(d: ReportData): string {
  if (d.knobs.length === 0) return '';
  const bySection = new Map<string, [string, string][]>();
  for (const [sec, k, v] of d.knobs) {
    if (!bySection.has(sec)) bySection.set(sec, []);
    bySection.get(sec)!.push([k, v]);
  }
  const blocks = [...bySection.entries()]
    .map(
      ([sec, kvs]) =>
        `<div class="knobs"><h3>${esc(sec)}</h3><dl>${kvs.map(([k, v]) => `<dt>${esc(k || sec)}</dt><dd>${esc(v)}</dd>`).join('')}</dl></div>`,
    )
    .join('');
  return `<section class="card" id="design"><details open><summary><h2>Design under test</h2><span class="muted"> from config.yaml</span></summary><div class="knob-grid">${blocks}</div></details></section>`;
}

function legend(d: ReportData): string {
  const kinds = [...new Set(d.nemesis.map((n) => n.kind))];
  const faults = kinds.map((k) => `<span class="lg"><span class="sw" style="background:${NEMESIS_COLOR[k]};opacity:.6"></span>${k === 'skew' ? 'clock skew' : k}</span>`).join('');
  const lin = d.checkers.some((c) => c.detailed.some((v) => v.hasPrefix));
  const linItems = lin
    ? `<span class="lg"><span class="rank-sw">1</span>linearization order</span><span class="lg"><span class="sw sw-failing"></span>cannot be linearized ✗</span>`
    : '';
  return `<div class="legend" id="legend">
<span class="lg"><span class="sw sw-ok"></span>ok</span>
<span class="lg"><span class="sw sw-fail"></span>fail (did not happen)</span>
<span class="lg"><span class="sw sw-info"></span>info (may have happened)</span>
<span class="lg"><span class="sw sw-involved"></span>named by the anomaly</span>
${linItems}<span class="lg"><span class="amark-sw">▼</span>anomaly (click)</span>
${faults}</div>`;
}

function overview(d: ReportData): string {
  const markers: Marker[] = d.checkers.flatMap((c) =>
    c.detailed.map((v) => ({ id: v.id, timeNs: anomalyTime(v), label: `${c.name}: ${truncate(v.anomaly.explanation, 200)}` })),
  );
  if (d.untimed) {
    const per = d.overview.binNs;
    return `<section class="card" id="overview"><h2>Timeline of the run</h2>
<p class="note" id="untimed-note">${esc(UNTIMED_REASON)}</p>
<p class="muted">Completed operations per ${per >= 1.5 ? `${+per.toFixed(1)} events` : 'event'} (${d.overview.ok.length} bins over ${d.eventCount.toLocaleString('en-US')} events), with faults shaded and anomalies marked ▼ — click a marker to open its detail.</p>
${legend(d)}
${overviewSvg(d.overview, d.nemesis, markers, true, d.phases)}
</section>`;
  }
  const binMs = d.overview.binNs / 1e6;
  return `<section class="card" id="overview"><h2>Timeline of the run</h2>
<p class="muted">Completed operations per ${binMs >= 1 ? `${binMs.toFixed(binMs < 10 ? 2 : 0)} ms` : fmtDuration(d.overview.binNs)} bin (${d.overview.ok.length} bins over ${fmtDuration(d.overview.endNs)}), with faults shaded and anomalies marked ▼ — click a marker to open its detail.</p>
${legend(d)}
${overviewSvg(d.overview, d.nemesis, markers, false, d.phases)}
<h3>Latency of ok operations</h3>${latencySvg(d.overview, d.nemesis)}
<h3>Throughput</h3>${throughputSvg(d.overview, d.nemesis)}
${d.lag.length ? `<h3>Replication lag per node</h3>${lagSvg(d.lag, d.overview, d.nemesis)}` : ''}
</section>`;
}

function anomalyTime(v: AnomalyView): number {
  const named = v.focus.filter((f) => f.involved);
  if (named.length === 0) return v.windowStartNs;
  return Math.max(...named.map((f) => (Number.isFinite(f.op.completeTime) ? f.op.completeTime : f.op.invokeTime)));
}

const STANDARD_FIELDS = new Set(['type', 'ops', 'key', 'explanation', 'linearizedPrefix', 'concurrent']);

/** The faults an anomaly is attributed to (checkers/attribution.ts), one line each. */
function faultsField(list: unknown): string {
  if (!Array.isArray(list)) return `<code>${esc(fmtValue(list, 300))}</code>`;
  return list
    .map((f: { index?: unknown; f?: unknown; n?: unknown; timeNs?: unknown; endIndex?: unknown; endTimeNs?: unknown; relation?: unknown; what?: unknown }) => {
      const at = typeof f.timeNs === 'number' ? fmtAt(f.timeNs) : '';
      const until = typeof f.endTimeNs === 'number' ? ` – ${fmtAt(f.endTimeNs)}` : '';
      const events = `event ${String(f.index)}${f.endIndex !== undefined ? `–${String(f.endIndex)}` : ''}`;
      return `<span class="fault" data-nemesis-index="${esc(String(f.index))}">${esc(`${String(f.f)} #${String(f.n)} ${String(f.what ?? '')}, ${at}${until} (${events}; ${String(f.relation)} the ops)`)}</span>`;
    })
    .join('<br>');
}

function extraFields(a: Anomaly): string {
  const rows = Object.entries(a)
    .filter(([k]) => !STANDARD_FIELDS.has(k))
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${k === 'faults' ? faultsField(v) : `<code>${esc(fmtValue(v, 300))}</code>`}</dd>`);
  return rows.length ? `<dl class="extra">${rows.join('')}</dl>` : '';
}

function opTable(v: AnomalyView, untimed: boolean): string {
  const rows = v.focus
    .map((f) => {
      const op = f.op;
      const roles = [
        f.failing ? 'cannot linearize' : f.involved ? 'named' : '',
        f.prefixRank !== undefined ? `prefix #${f.prefixRank}` : '',
        f.concurrent ? 'concurrent' : '',
      ].filter(Boolean);
      return `<tr class="${f.involved ? 'row-involved' : ''}" data-index="${f.index}"><td>${f.index}</td><td>${roles.map((r) => `<span class="role">${r}</span>`).join(' ')}</td><td>p${op.process}</td><td>${esc(op.session)}</td><td>${esc(op.f)}</td><td>${esc(op.key)}</td><td><code>${esc(fmtValue(op.invokeValue, 40))}</code></td><td><span class="t t-${op.type}">${op.type}</span></td><td><code>${op.type === 'ok' && op.f === 'read' ? esc(fmtValue(op.value, 64)) : ''}</code>${op.error ? ` <span class="muted">${esc(truncate(op.error, 60))}</span>` : ''}</td><td>${esc(op.node ?? '')}${op.served ? ` <span class="muted served">${esc(describeServed(op.served))}</span>` : ''}</td>${untimed ? `<td class="num">${op.invokeIndex}</td><td class="num">${op.completeIndex >= 0 ? op.completeIndex : '—'}</td>` : `<td class="num">${fmtAt(op.invokeTime)}</td><td class="num">${Number.isFinite(op.completeTime) ? fmtDuration(op.completeTime - op.invokeTime) : '—'}</td>`}</tr>`;
    })
    .join('');
  return `<div class="ops-wrap"><table class="ops"><thead><tr><th>#</th><th>role</th><th>proc</th><th>session</th><th>f</th><th>key</th><th>value</th><th>type</th><th>result</th><th>node</th>${untimed ? '<th>invoke event</th><th>completion event</th>' : '<th>invoked</th><th>took</th>'}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function anomalyDetail(v: AnomalyView, d: ReportData, open: boolean): string {
  const a = v.anomaly;
  const named = v.focus.filter((f) => f.involved).length;
  const notes: string[] = [];
  if (v.hasPrefix) {
    notes.push(
      `Numbered circles show the order in which the checker could linearize operations${v.prefixOmitted ? ` (the last ${v.focus.filter((f) => f.prefixRank !== undefined).length} of the prefix; ${v.prefixOmitted} earlier ones not drawn)` : ''}; the op marked ✗ cannot be placed after them.`,
    );
  }
  if (v.missing.length) notes.push(`History indices not found among client operations: ${v.missing.slice(0, 20).join(', ')}.`);
  return `<details class="anomaly" id="${esc(v.id)}" data-checker="${esc(v.checker)}"${open ? ' open' : ''}>
<summary><span class="atype">${esc(String(a.type ?? v.checker))}</span>${a.key !== undefined ? `<span class="akey">key ${esc(String(a.key))}</span>` : ''}${v.focus.length ? `<span class="aat">at ${fmtPoint(anomalyTime(v), d.untimed)}</span>` : ''}<span class="aops">ops ${esc((Array.isArray(a.ops) ? a.ops : []).slice(0, 8).join(', '))}${Array.isArray(a.ops) && a.ops.length > 8 ? '…' : ''}</span><span class="aexp">${esc(truncate(String(a.explanation ?? ''), 180))}</span></summary>
<div class="abody">
<p class="explanation">${esc(String(a.explanation ?? ''))}</p>
<p class="muted">${named} operation${named === 1 ? '' : 's'} named by the anomaly (dark outline) and ${v.focus.length - named} around ${named === 1 ? 'it' : 'them'} on the same key, ${fmtPoint(v.windowStartNs, d.untimed)} – ${fmtPoint(v.windowEndNs, d.untimed)}. The horizontal axis is event order, not to scale; hover a bar for details.</p>
${notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')}
${focusView(v, d.nemesis, d.untimed)}
${opTable(v, d.untimed)}
${extraFields(a)}
</div></details>`;
}

function anomalies(d: ReportData): string {
  const bad = d.checkers.filter((c) => c.valid !== true);
  if (bad.length === 0) return `<section class="card" id="anomalies"><h2>Anomalies</h2><p class="all-good">No anomaly: every checker found its guarantee held.</p></section>`;
  let first = true;
  const sections = bad.map((c: CheckerView) => {
    const items = c.detailed.map((v) => {
      const html = anomalyDetail(v, d, first);
      first = false;
      return html;
    });
    const listed = c.listedOnly.length
      ? `<details class="more"><summary>${c.listedOnly.length} more listed without timeline</summary><ul>${c.listedOnly.map((a) => `<li><code>ops ${esc((a.ops ?? []).join(', '))}</code> ${esc(truncate(String(a.explanation ?? ''), 300))}</li>`).join('')}</ul></details>`
      : '';
    const capped = c.count > c.detailed.length + c.listedOnly.length ? `<p class="muted">${(c.count - c.detailed.length - c.listedOnly.length).toLocaleString('en-US')} more not shown here (the count is the true total; results.json has every anomaly the checker kept).</p>` : '';
    const why = c.valid === 'unknown' ? `<p class="note">Inconclusive${c.reason ? `: ${esc(c.reason)}` : ''}.</p>` : '';
    return `<div class="checker-block" id="checker-${esc(slug(c.name))}"><h3>${esc(c.name)} ${badge(c.valid)} <span class="muted">${c.count.toLocaleString('en-US')} anomal${c.count === 1 ? 'y' : 'ies'}</span></h3>${why}${items.join('\n')}${listed}${capped}</div>`;
  });
  return `<section class="card" id="anomalies"><h2>Anomalies</h2>${sections.join('\n')}</section>`;
}

/** The report as one HTML string. `inputs` carries config.yaml and metrics.json when present. */
export function renderHtmlReport(results: Results, history: History, inputs: ReportInputs = {}): string {
  const d = reportData(results, history, inputs);
  const title = `replcheck: ${verdictText(results.valid)}${results.target ? ` · ${results.target}` : ''}${results.workload ? ` · ${results.workload}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<style>${PAGE_CSS}${STALENESS_CSS}</style></head>
<body>
<main>
${header(d)}
${design(d)}
${overview(d)}
${stalenessSection(results.checkers)}
${anomalies(d)}
<footer class="muted">replcheck · ${d.results.stats.ops.toLocaleString('en-US')} operations, ${history.eventCount.toLocaleString('en-US')} events; this page embeds only the operations around each anomaly and a binned summary of the run.</footer>
</main>
<script>${PAGE_JS}</script>
</body></html>
`;
}

function readOptional<T>(path: string, parse: (s: string) => T): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch {
    // A damaged side file only loses its part of the report.
    return undefined;
  }
}

/** The side files of a run directory the report uses: config.yaml and metrics.json. */
export function readReportInputs(dir: string): ReportInputs {
  return {
    config: readOptional(join(dir, 'config.yaml'), (s) => parseYaml(s) as unknown),
    metrics: readOptional(join(dir, 'metrics.json'), (s) => JSON.parse(s) as unknown),
  };
}

export function writeHtmlReport(dir: string, results: Results, history: History): void {
  writeFileSync(join(dir, 'index.html'), renderHtmlReport(results, history, readReportInputs(dir)));
}
