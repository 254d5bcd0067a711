// Two small index pages: the index.html that `replcheck check A B C` writes in its output
// directory (one row per file, linking each file's report), and reports/index.html, the list of
// past runs (newest first, bounded), rewritten after every run from reports/*/results.json.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Results } from '../results.js';
import { esc } from './svg.js';

/** Runs listed in reports/index.html, newest first. */
export const MAX_LISTED_RUNS = 500;

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}table{border-collapse:collapse}
th,td{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}th{background:#f4f4f4}
.v-ok{color:#1a7f37}.v-bad{color:#cf222e;font-weight:600}.v-unknown{color:#9a6700}.muted{color:#666}td.num{text-align:right}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><link rel="icon" href="data:,"><style>${CSS}</style></head>
<body><main>${body}</main></body></html>
`;
}

function verdictCell(v: boolean | 'unknown' | undefined): string {
  if (v === undefined) return '<td class="v-unknown">error</td>';
  const cls = v === true ? 'v-ok' : v === false ? 'v-bad' : 'v-unknown';
  return `<td class="${cls} verdict">${v === true ? 'valid' : v === false ? 'INVALID' : 'unknown'}</td>`;
}

function badCheckers(r: Results): string {
  return Object.entries(r.checkers ?? {})
    .filter(([, c]) => c.valid !== true)
    .map(([k, c]) => `${k}${c.valid === false ? ` (${c.count})` : ' (?)'}`)
    .join(', ');
}

export interface CheckedEntry {
  file: string;
  dir?: string;
  results?: Results;
  error?: string;
}

/** The tally of a multi-file check: "3 files: 1 valid, 1 invalid, 0 unknown" (+ ", 1 error"). */
export function checkTotals(entries: CheckedEntry[]): string {
  let valid = 0;
  let invalid = 0;
  let unknown = 0;
  let errors = 0;
  for (const e of entries) {
    if (!e.results) errors++;
    else if (e.results.valid === true) valid++;
    else if (e.results.valid === false) invalid++;
    else unknown++;
  }
  const n = entries.length;
  return `${n} file${n === 1 ? '' : 's'}: ${valid} valid, ${invalid} invalid, ${unknown} unknown${errors ? `, ${errors} error${errors === 1 ? '' : 's'}` : ''}`;
}

/** OUT/index.html of `replcheck check A B C`: a row per file, linking its run directory's report. */
export function renderCheckIndex(outDir: string, entries: CheckedEntry[]): string {
  const rows = entries
    .map((e) => {
      const rel = e.dir ? relative(outDir, e.dir) : undefined;
      const hasHtml = e.dir !== undefined && existsSync(join(e.dir, 'index.html'));
      const link = rel === undefined ? '' : hasHtml ? `<a href="${esc(rel)}/index.html">report</a>` : existsSync(join(e.dir!, 'results.json')) ? `<a href="${esc(rel)}/results.json">results.json</a>` : '';
      const detail = e.results ? esc(badCheckers(e.results)) : esc(e.error ?? '');
      return `<tr data-file="${esc(e.file)}"><td><code>${esc(e.file)}</code></td>${verdictCell(e.results?.valid)}<td class="num">${e.results ? e.results.stats.ops.toLocaleString('en-US') : ''}</td><td>${detail}</td><td>${link}</td></tr>`;
    })
    .join('\n');
  return page(
    'replcheck check',
    `<h1>replcheck check</h1><p id="totals">${esc(checkTotals(entries))}</p>
<table id="files"><thead><tr><th>history</th><th>verdict</th><th>ops</th><th>checkers that did not hold</th><th></th></tr></thead><tbody>
${rows}
</tbody></table>`,
  );
}

export function writeCheckIndex(outDir: string, entries: CheckedEntry[]): void {
  writeFileSync(join(outDir, 'index.html'), renderCheckIndex(outDir, entries));
}

interface RunRow {
  name: string;
  mtimeMs: number;
  results?: Results;
  html: boolean;
  /** A `replcheck check A B C` directory: one run directory per file, OUT/index.html, no results.json. */
  check?: boolean;
  files?: number;
  /** A `replcheck matrix` directory: its shape, for the row. */
  matrix?: string;
}

/** Run directories of a multi-file check read for its row's verdict. */
const MAX_CHECK_FILES = 200;

/** The row of a multi-file check: the worst verdict of its files, their workloads, which checkers did not hold. */
function checkRow(dir: string, r: RunRow): void {
  let subs: string[] = [];
  try {
    subs = readdirSync(dir).slice(0, MAX_CHECK_FILES);
  } catch {
    return;
  }
  const all: Results[] = [];
  for (const sub of subs) {
    try {
      const res = JSON.parse(readFileSync(join(dir, sub, 'results.json'), 'utf8')) as Results;
      if (res && typeof res === 'object' && res.stats && res.checkers) all.push(res);
    } catch {
      // not a run directory (index.html), or damaged: not counted
    }
  }
  r.files = all.length;
  if (all.length === 0) return;
  const valid = all.some((x) => x.valid === false) ? false : all.some((x) => x.valid !== true) ? 'unknown' : true;
  const workloads = [...new Set(all.map((x) => x.workload).filter((w): w is string => typeof w === 'string'))];
  const bad = new Map<string, number>();
  for (const x of all) for (const [k, c] of Object.entries(x.checkers)) if (c.valid !== true) bad.set(k, (bad.get(k) ?? 0) + 1);
  r.results = {
    valid,
    workload: workloads.join(', ') || undefined,
    stats: { ops: 0, ok: 0, fail: 0, info: 0, durationNs: 0 },
    checkers: Object.fromEntries([...bad].map(([k, n]) => [k, { valid: false as const, count: n, anomalies: [] }])),
  };
}

/** reports/index.html: the newest MAX_LISTED_RUNS run directories (those with results.json). */
export function renderRunsIndex(reportsDir: string, limit = MAX_LISTED_RUNS): string {
  const rows: RunRow[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(reportsDir);
  } catch {
    names = [];
  }
  for (const name of names) {
    let st;
    try {
      st = statSync(join(reportsDir, name, 'results.json'), { throwIfNoEntry: false });
    } catch {
      continue; // not a directory (index.html itself), or unreadable
    }
    const matrix = statSync(join(reportsDir, name, 'matrix.json'), { throwIfNoEntry: false });
    if (matrix?.isFile()) rows.push({ name, mtimeMs: matrix.mtimeMs, html: existsSync(join(reportsDir, name, 'index.html')), matrix: matrixShape(join(reportsDir, name, 'matrix.json')) });
    else if (st?.isFile()) rows.push({ name, mtimeMs: st.mtimeMs, html: existsSync(join(reportsDir, name, 'index.html')) });
    else if (!existsSync(join(reportsDir, name, 'history.jsonl'))) {
      const idx = statSync(join(reportsDir, name, 'index.html'), { throwIfNoEntry: false });
      if (idx?.isFile()) rows.push({ name, mtimeMs: idx.mtimeMs, html: true, check: true });
    }
  }
  rows.sort((a, b) => b.mtimeMs - a.mtimeMs || b.name.localeCompare(a.name));
  const shown = rows.slice(0, limit);
  for (const r of shown) {
    if (r.matrix !== undefined) continue;
    if (r.check) {
      checkRow(join(reportsDir, r.name), r);
      continue;
    }
    try {
      const res = JSON.parse(readFileSync(join(reportsDir, r.name, 'results.json'), 'utf8')) as Results;
      if (res && typeof res === 'object' && res.stats && res.checkers) r.results = res;
    } catch {
      // A damaged results.json still gets its row, with an unknown verdict.
    }
  }
  const body = shown
    .map((r) => {
      const res = r.results;
      const when = new Date(r.mtimeMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
      const link = r.html ? `<a href="${esc(r.name)}/index.html">${esc(r.name)}</a>` : `<a href="${esc(r.name)}/results.json">${esc(r.name)}</a>`;
      const cell = (v: unknown) => `<td>${v === undefined ? '<span class="muted">—</span>' : esc(String(v))}</td>`;
      const target = r.matrix !== undefined ? r.matrix : r.check ? `check (${r.files ?? 0} file${r.files === 1 ? '' : 's'})` : res?.target;
      const verdict = res ? verdictCell(res.valid) : `<td class="v-unknown">${r.check || r.matrix !== undefined ? '—' : 'unreadable'}</td>`;
      const bad = res ? esc(r.check ? Object.entries(res.checkers).map(([k, c]) => `${k} (${c.count} file${c.count === 1 ? '' : 's'})`).join(', ') : badCheckers(res)) : '';
      return `<tr data-run="${esc(r.name)}"${r.check ? ' data-kind="check"' : r.matrix !== undefined ? ' data-kind="matrix"' : ''}><td>${esc(when)}</td>${cell(target)}${cell(res?.workload)}${cell(res?.nemesis)}${verdict}<td>${bad}</td><td>${link}</td></tr>`;
    })
    .join('\n');
  const more = rows.length > shown.length ? `<p class="muted">${rows.length - shown.length} older runs not listed.</p>` : '';
  return page(
    'replcheck runs',
    `<h1>replcheck runs</h1><p class="muted">${rows.length} run${rows.length === 1 ? '' : 's'} in this directory, newest first; this page is rewritten after every run.</p>
<table id="runs"><thead><tr><th>time</th><th>target</th><th>workload</th><th>nemesis</th><th>verdict</th><th>checkers that did not hold</th><th>run</th></tr></thead><tbody>
${body}
</tbody></table>${more}`,
  );
}

/** A matrix directory's row text: "matrix (17 designs × 8 fault schedules × 3 seeds)". */
function matrixShape(file: string): string {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as { designs?: unknown[]; nemeses?: unknown[]; seeds?: unknown[] };
    const n = (a: unknown[] | undefined, what: string): string => `${a?.length ?? 0} ${what}${a?.length === 1 ? '' : 's'}`;
    return `matrix (${n(m.designs, 'design')} × ${n(m.nemeses, 'fault schedule')} × ${n(m.seeds, 'seed')})`;
  } catch {
    return 'matrix';
  }
}

/** Rewrites reportsDir/index.html; a failure to write it never fails the run. */
export function writeRunsIndex(reportsDir: string, limit = MAX_LISTED_RUNS): void {
  try {
    writeFileSync(join(reportsDir, 'index.html'), renderRunsIndex(reportsDir, limit));
  } catch {
    // The list of runs is a convenience; the run's own outputs are already written.
  }
}
