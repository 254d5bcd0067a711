// The report's section for bounded-staleness: how stale the reads were (p50 / p99 / max, overall
// and per node, each max drawn as a bar against the bound) and how long writes took to become
// visible. Reads only the summary fields of the checker's result, so its size does not grow.

import type { CheckResult } from '../../checkers/types.js';
import { esc } from './svg.js';

interface Dist {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

function isDist(v: unknown): v is Dist {
  return v !== null && typeof v === 'object' && typeof (v as Dist).count === 'number';
}

const fmt = (v: number | null) => (v === null ? '—' : `${v.toLocaleString('en-US', { maximumFractionDigits: 3 })} ms`);

function row(label: string, d: Dist, bound: number, scale: number): string {
  const max = d.maxMs ?? 0;
  const width = scale > 0 ? Math.min(100, (100 * max) / scale) : 0;
  const over = max > bound;
  const bar = `<div class="st-bar"><div class="st-fill${over ? ' st-over' : ''}" style="width:${width.toFixed(1)}%"></div><div class="st-bound" style="left:${scale > 0 ? Math.min(100, (100 * bound) / scale).toFixed(1) : 0}%"></div></div>`;
  return `<tr${over ? ' class="v-bad"' : ''} data-node="${esc(label)}"><td>${esc(label)}</td><td class="num">${d.count.toLocaleString('en-US')}</td><td class="num">${fmt(d.p50Ms)}</td><td class="num">${fmt(d.p99Ms)}</td><td class="num">${fmt(d.maxMs)}</td><td>${bar}</td></tr>`;
}

/** The section, or '' when bounded-staleness did not run (or carries no distribution). */
export function stalenessSection(checkers: Record<string, CheckResult> | undefined): string {
  const r = checkers?.['bounded-staleness'];
  if (r === undefined) return '';
  const bound = typeof r.maxStalenessMs === 'number' ? r.maxStalenessMs : undefined;
  const st = r.staleness as (Dist & { byNode?: Record<string, unknown>; readsMissingAWrite?: number }) | undefined;
  const ttv = r.timeToVisible as (Dist & { writes?: number; neverSeen?: unknown[] }) | undefined;
  const head = `<h2>Staleness of reads</h2>`;
  if (bound === undefined || !isDist(st) || !isDist(ttv)) {
    const why = typeof r.reason === 'string' ? r.reason : 'the checker reported no distribution';
    return `<section class="card" id="staleness">${head}<p class="note">Not measured: ${esc(why)}.</p></section>`;
  }
  const nodes = Object.entries(st.byNode ?? {}).filter((e): e is [string, Dist] => isDist(e[1]));
  const scale = Math.max(bound, st.maxMs ?? 0, ...nodes.map(([, d]) => d.maxMs ?? 0));
  const rows = [row('all reads', st, bound, scale), ...nodes.map(([n, d]) => row(n, d, bound, scale))].join('');
  const never = Array.isArray(ttv.neverSeen) ? ttv.neverSeen.length : 0;
  return `<section class="card" id="staleness">${head}
<p class="muted">A read's staleness: its start minus the acknowledgement of the oldest acknowledged write it lacks (0 when it lacks none). Bound: ${fmt(bound)} (${r.boundFrom === 'option' ? 'given' : 'the default'}); ${(st.readsMissingAWrite ?? 0).toLocaleString('en-US')} of ${st.count.toLocaleString('en-US')} ok reads lacked some acknowledged write.</p>
<table class="staleness" id="staleness-table"><thead><tr><th>node</th><th>reads</th><th>p50</th><th>p99</th><th>max</th><th>max against the bound (line)</th></tr></thead><tbody>${rows}</tbody></table>
<h3>Time to visible</h3>
<table class="staleness" id="visibility-table"><thead><tr><th>acknowledged writes</th><th>seen by a read</th><th>never seen</th><th>p50</th><th>p99</th><th>max</th></tr></thead><tbody><tr><td class="num">${(ttv.writes ?? ttv.count + never).toLocaleString('en-US')}</td><td class="num">${ttv.count.toLocaleString('en-US')}</td><td class="num">${never.toLocaleString('en-US')}</td><td class="num">${fmt(ttv.p50Ms)}</td><td class="num">${fmt(ttv.p99Ms)}</td><td class="num">${fmt(ttv.maxMs)}</td></tr></tbody></table>
<p class="muted">From a write's acknowledgement to the completion of the first ok read that showed it; results.json lists every write's.</p>
</section>`;
}

export const STALENESS_CSS =
  '.st-bar{position:relative;height:10px;background:#eef1f6;border-radius:3px;min-width:160px}' +
  '.st-fill{position:absolute;left:0;top:0;bottom:0;background:#0072B2;border-radius:3px}.st-fill.st-over{background:#D55E00}' +
  '.st-bound{position:absolute;top:-3px;bottom:-3px;width:2px;background:#333}table.staleness td.num{text-align:right}';
