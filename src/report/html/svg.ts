// Inline SVG for the report, rendered server-side: the binned overview plots (ops, latency,
// throughput, lag, faults). The focused timeline of one anomaly is in focus.ts.

import { fmtAt, fmtDuration } from '../time.js';
import type { EndPhases, LagSeries, NemesisInterval, OverviewBins } from './data.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export { fmtAt, fmtDuration } from '../time.js';

/** A point of the run: its time, or its event index when the history records no times. */
export function fmtPoint(t: number, untimed: boolean): string {
  if (!untimed) return fmtAt(t);
  return Number.isFinite(t) ? `event ${Math.round(t)}` : '—';
}

/** A JSON value, abbreviated: long lists keep their head and tail. */
export function fmtValue(v: unknown, maxChars = 80): string {
  if (v === undefined) return '';
  let s: string;
  if (Array.isArray(v) && v.length > 14) {
    const head = v.slice(0, 4).map((x) => JSON.stringify(x));
    const tail = v.slice(-8).map((x) => JSON.stringify(x));
    s = `[${head.join(', ')}, …${v.length - 12} more…, ${tail.join(', ')}]`;
  } else {
    s = Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(', ')}]` : (JSON.stringify(v) ?? String(v));
  }
  return s.length > maxChars ? `${s.slice(0, maxChars - 1)}…` : s;
}

export const NEMESIS_COLOR: Record<NemesisInterval['kind'], string> = {
  kill: '#555555',
  pause: '#8E6BBF',
  partition: '#009E73',
  skew: '#CC79A7',
  other: '#999999',
};

// ---- the overview --------------------------------------------------------------------------

const OV_W = 1100;
const OV_LEFT = 64;
const OV_RIGHT = 16;
const PLOT_W = OV_W - OV_LEFT - OV_RIGHT;

function xOfTime(ns: number, endNs: number): number {
  return OV_LEFT + (Math.min(Math.max(ns, 0), endNs) / endNs) * PLOT_W;
}

function niceStep(span: number, target: number): number {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

function timeAxis(endNs: number, y: number, untimed = false): string {
  if (untimed) return indexAxis(endNs, y);
  const endS = endNs / 1e9;
  const step = niceStep(endS, 10);
  const parts: string[] = [`<line class="axis" x1="${OV_LEFT}" y1="${y}" x2="${OV_W - OV_RIGHT}" y2="${y}"/>`];
  for (let t = 0; t <= endS + 1e-12; t += step) {
    const x = r1(xOfTime(t * 1e9, endNs));
    const label = step < 0.01 ? `${(t * 1000).toFixed(step < 0.001 ? 3 : 1)} ms` : `${+t.toFixed(3)} s`;
    parts.push(`<line class="tick" x1="${x}" y1="${y}" x2="${x}" y2="${y + 4}"/><text class="tl" x="${x}" y="${y + 15}" text-anchor="middle">${label}</text>`);
  }
  return parts.join('');
}

/** The x axis of an untimed history: event index, integer ticks, labelled as such. */
function indexAxis(end: number, y: number): string {
  const step = Math.max(1, Math.round(niceStep(Math.max(end, 1), 10)));
  const parts: string[] = [`<line class="axis" x1="${OV_LEFT}" y1="${y}" x2="${OV_W - OV_RIGHT}" y2="${y}"/>`];
  for (let t = 0; t <= end; t += step) {
    const x = r1(xOfTime(t, end));
    parts.push(`<line class="tick" x1="${x}" y1="${y}" x2="${x}" y2="${y + 4}"/><text class="tl" x="${x}" y="${y + 15}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<text class="unit axis-unit" x="${OV_W - OV_RIGHT}" y="${y + 28}" text-anchor="end">event index</text>`);
  return parts.join('');
}

function shading(nem: NemesisInterval[], endNs: number, y: number, h: number, untimed = false): string {
  const at = (t: number) => fmtPoint(t, untimed);
  return nem
    .map((iv) => {
      const x0 = xOfTime(iv.startNs, endNs);
      const x1 = xOfTime(iv.endNs, endNs);
      if (iv.point) return `<line class="nem-point" x1="${r1(x0)}" y1="${y}" x2="${r1(x0)}" y2="${y + h}" stroke="${NEMESIS_COLOR[iv.kind]}"><title>${esc(iv.label)} at ${at(iv.startNs)}</title></line>`;
      return `<rect class="nem nem-${iv.kind}" x="${r1(x0)}" y="${y}" width="${r1(Math.max(1, x1 - x0))}" height="${h}" fill="${NEMESIS_COLOR[iv.kind]}" fill-opacity="0.18"><title>${esc(iv.label)}: ${at(iv.startNs)} – ${at(iv.endNs)}</title></rect>`;
    })
    .join('');
}

function yAxis(y: number, h: number, max: number, unit: string, log = false, min = 0, integer = false): string {
  const out: string[] = [`<line class="axis" x1="${OV_LEFT}" y1="${y}" x2="${OV_LEFT}" y2="${y + h}"/>`];
  const ticks: number[] = [];
  if (log) {
    for (let v = 10 ** Math.floor(Math.log10(min)); v <= max * 1.0001; v *= 10) if (v >= min * 0.999) ticks.push(v);
  } else {
    const step = integer ? Math.max(1, Math.round(niceStep(max || 1, 4))) : niceStep(max || 1, 4);
    for (let v = 0; v <= max * 1.0001; v += step) ticks.push(v);
  }
  for (const v of ticks) {
    const yy = log ? y + h - ((Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * h : y + h - (v / (max || 1)) * h;
    const label = v >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toPrecision(3)}`;
    out.push(`<line class="grid" x1="${OV_LEFT}" y1="${r1(yy)}" x2="${OV_W - OV_RIGHT}" y2="${r1(yy)}"/><text class="tl" x="${OV_LEFT - 6}" y="${r1(yy + 4)}" text-anchor="end">${label}</text>`);
  }
  out.push(`<text class="unit" x="6" y="${y - 8}">${esc(unit)}</text>`);
  return out.join('');
}

export interface Marker {
  id: string;
  timeNs: number;
  label: string;
}

/** Ops per bin, stacked by completion type, with fault shading and clickable anomaly markers. */
export function overviewSvg(ov: OverviewBins, nem: NemesisInterval[], markers: Marker[], untimed = false, phases?: EndPhases): string {
  const at = (t: number) => fmtPoint(t, untimed);
  const n = ov.ok.length;
  const top = 34;
  const h = 120;
  const faultRows = (['kill', 'pause', 'partition', 'skew', 'other'] as const).filter((k) => nem.some((iv) => iv.kind === k));
  const faultTop = top + h + (untimed ? 40 : 26);
  const rowH = 14;
  const phaseTop = faultTop + faultRows.length * (rowH + 4);
  const height = phaseTop + (phases ? rowH + 4 : 0) + 8;
  let max = 1;
  for (let b = 0; b < n; b++) max = Math.max(max, ov.ok[b] + ov.fail[b] + ov.info[b]);
  const bw = PLOT_W / n;
  const bars: string[] = [];
  for (let b = 0; b < n; b++) {
    let y = top + h;
    const x = r1(OV_LEFT + b * bw);
    const title = `${at(b * ov.binNs)} – ${at((b + 1) * ov.binNs)}: ${ov.ok[b]} ok, ${ov.fail[b]} fail, ${ov.info[b]} info`;
    const segs: string[] = [];
    for (const [cls, c] of [['ok', ov.ok[b]], ['fail', ov.fail[b]], ['info', ov.info[b]]] as const) {
      if (!c) continue;
      const hh = (c / max) * h;
      y -= hh;
      segs.push(`<rect class="bar-${cls}" x="${x}" y="${r1(y)}" width="${r1(Math.max(bw - 0.3, 0.6))}" height="${r1(Math.max(hh, 0.6))}"/>`);
    }
    if (segs.length) bars.push(`<g>${segs.join('')}<title>${title}</title></g>`);
  }
  // Markers stack when several anomalies fall in one pixel column.
  const stack = new Map<number, number>();
  const marks = markers.map((m) => {
    const x = r1(xOfTime(m.timeNs, ov.endNs));
    const col = Math.round(x / 6);
    const k = stack.get(col) ?? 0;
    stack.set(col, k + 1);
    const y = top - 8 - Math.min(k, 2) * 9;
    return `<a href="#${esc(m.id)}" class="amark" data-anomaly="${esc(m.id)}"><rect class="amark-hit" x="${r1(x - 6)}" y="${y - 6}" width="12" height="${top + h - y + 6}" fill="#000" fill-opacity="0"/><line x1="${x}" y1="${y + 4}" x2="${x}" y2="${top + h}" class="amark-line"/><path d="M${x - 5},${y - 4} L${x + 5},${y - 4} L${x},${y + 4} Z" class="amark-head"/><title>${esc(m.label)}</title></a>`;
  });
  const faults = faultRows.map((k, i) => {
    const y = faultTop + i * (rowH + 4);
    const items = nem
      .filter((iv) => iv.kind === k)
      .map((iv) => {
        const x0 = xOfTime(iv.startNs, ov.endNs);
        const w = iv.point ? 2 : Math.max(2, xOfTime(iv.endNs, ov.endNs) - x0);
        return `<rect x="${r1(x0)}" y="${y}" width="${r1(w)}" height="${rowH}" rx="2" fill="${NEMESIS_COLOR[k]}" fill-opacity="${iv.point ? 0.9 : 0.55}"><title>${esc(iv.label)}: ${at(iv.startNs)}${iv.point ? '' : ` – ${at(iv.endNs)}${untimed ? '' : ` (${fmtDuration(iv.endNs - iv.startNs)})`}`}</title></rect>`;
      })
      .join('');
    return `<text class="tl" x="${OV_LEFT - 6}" y="${y + 11}" text-anchor="end">${k}</text>${items}`;
  });
  const phaseRow = phases ? phaseSvg(phases, ov.endNs, phaseTop, rowH, untimed) : '';
  return `<svg class="plot" id="overview-svg" viewBox="0 0 ${OV_W} ${height}" role="img" aria-label="${untimed ? 'operations by event index' : 'operations over time'}">
${yAxis(top, h, max, 'ops/bin', false, 0, true)}${bars.join('')}<g class="over">${shading(nem, ov.endNs, top, h, untimed)}</g>${timeAxis(ov.endNs, top + h, untimed)}${faults.join('')}${phaseRow}${marks.join('')}
</svg>`;
}

/** The row that labels the end of the run: the settle gap, then the final reads. */
function phaseSvg(p: EndPhases, endNs: number, y: number, rowH: number, untimed: boolean): string {
  const at = (t: number) => fmtPoint(t, untimed);
  const box = (cls: string, a: number, b: number, fill: string, label: string, title: string) => {
    const x0 = xOfTime(a, endNs);
    const w = Math.max(2, xOfTime(b, endNs) - x0);
    // The label sits inside its box when it fits, else just left of it (the row's end has no room after).
    const inside = label.length * 6 + 8 <= w;
    const text = inside
      ? `<text class="tl phase-label" x="${r1(x0 + 4)}" y="${y + 11}">${esc(label)}</text>`
      : `<text class="tl phase-label" x="${r1(x0 - 3)}" y="${y + 11}" text-anchor="end">${esc(label)}</text>`;
    return `<g class="${cls}"><rect x="${r1(x0)}" y="${y}" width="${r1(w)}" height="${rowH}" rx="2" fill="${fill}" fill-opacity="0.35"/>${text}<title>${esc(title)}</title></g>`;
  };
  const gap = untimed ? '' : ` ${fmtDuration(p.finalStartNs - p.settleStartNs)}`;
  const parts = [`<text class="tl" x="${OV_LEFT - 6}" y="${y + 11}" text-anchor="end">end</text>`];
  if (p.finalStartNs > p.settleStartNs) {
    parts.push(box('phase-settle', p.settleStartNs, p.finalStartNs, '#999999', `settle${gap}`, `settle gap: no operations, ${at(p.settleStartNs)} – ${at(p.finalStartNs)}, so replication can catch up before the final reads`));
  }
  parts.push(box('phase-final', p.finalStartNs, p.finalEndNs, '#0072B2', 'final reads', `${p.finalReads} final read${p.finalReads === 1 ? '' : 's'}, ${at(p.finalStartNs)} – ${at(p.finalEndNs)}`));
  return parts.join('');
}

function polyline(points: [number, number][], cls: string, color?: string): string {
  if (points.length === 0) return '';
  // Break the line where data is missing (NaN) so gaps are visible.
  const runs: string[] = [];
  let cur: string[] = [];
  for (const [x, y] of points) {
    if (!Number.isFinite(y)) {
      if (cur.length) runs.push(cur.join(' '));
      cur = [];
    } else cur.push(`${r1(x)},${r1(y)}`);
  }
  if (cur.length) runs.push(cur.join(' '));
  return runs
    .map((r) => (r.includes(' ') ? `<polyline class="${cls}" points="${r}"${color ? ` stroke="${color}"` : ''}/>` : `<circle class="${cls}-dot" r="1.6" cx="${r.split(',')[0]}" cy="${r.split(',')[1]}"${color ? ` fill="${color}"` : ''}/>`))
    .join('');
}

function legendRow(items: [string, string][], y: number): string {
  let x = OV_LEFT + 8;
  return items
    .map(([label, color]) => {
      const s = `<rect x="${x}" y="${y - 8}" width="14" height="3" fill="${color}"/><text class="tl" x="${x + 18}" y="${y - 3}">${esc(label)}</text>`;
      x += 28 + label.length * 6.5;
      return s;
    })
    .join('');
}

/** Latency percentiles of ok ops per bin, log scale, faults shaded. */
export function latencySvg(ov: OverviewBins, nem: NemesisInterval[]): string {
  const top = 22;
  const h = 140;
  const n = ov.ok.length;
  let max = 0;
  let min = Infinity;
  for (let b = 0; b < n; b++) {
    if (Number.isFinite(ov.maxMs[b])) max = Math.max(max, ov.maxMs[b]);
    if (Number.isFinite(ov.p50Ms[b]) && ov.p50Ms[b] > 0) min = Math.min(min, ov.p50Ms[b]);
  }
  if (max <= 0 || !Number.isFinite(min)) return '<p class="muted">No completed operations to plot.</p>';
  const lo = 10 ** Math.floor(Math.log10(min));
  const hi = Math.max(10 ** Math.ceil(Math.log10(max)), lo * 10);
  const yOf = (v: number) => (Number.isFinite(v) ? top + h - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * h : NaN);
  const bw = PLOT_W / n;
  const pts = (arr: Float64Array) => Array.from(arr, (v, b) => [OV_LEFT + (b + 0.5) * bw, yOf(v)] as [number, number]);
  return `<svg class="plot" id="latency-svg" viewBox="0 0 ${OV_W} ${top + h + 24}" role="img" aria-label="latency over time">
${shading(nem, ov.endNs, top, h)}${yAxis(top, h, hi, 'ms', true, lo)}
${polyline(pts(ov.maxMs), 'line-max')}${polyline(pts(ov.p99Ms), 'line-p99')}${polyline(pts(ov.p50Ms), 'line-p50')}
${timeAxis(ov.endNs, top + h)}${legendRow([['p50', '#0072B2'], ['p99', '#D55E00'], ['max', '#aaaaaa']], 14)}
</svg>`;
}

/** Completed ops per second (ok, and fail+info), faults shaded. */
export function throughputSvg(ov: OverviewBins, nem: NemesisInterval[]): string {
  const top = 22;
  const h = 110;
  const n = ov.ok.length;
  const perS = 1e9 / ov.binNs;
  let max = 1;
  for (let b = 0; b < n; b++) max = Math.max(max, ov.ok[b] * perS, (ov.fail[b] + ov.info[b]) * perS);
  const bw = PLOT_W / n;
  const yOf = (v: number) => top + h - (v / max) * h;
  const ok = Array.from(ov.ok, (c, b) => [OV_LEFT + (b + 0.5) * bw, yOf(c * perS)] as [number, number]);
  const bad = Array.from(ov.fail, (c, b) => [OV_LEFT + (b + 0.5) * bw, yOf((c + ov.info[b]) * perS)] as [number, number]);
  return `<svg class="plot" id="throughput-svg" viewBox="0 0 ${OV_W} ${top + h + 24}" role="img" aria-label="throughput over time">
${shading(nem, ov.endNs, top, h)}${yAxis(top, h, max, 'ops/s')}
${polyline(ok, 'line-ok')}${polyline(bad, 'line-bad')}
${timeAxis(ov.endNs, top + h)}${legendRow([['ok', '#0072B2'], ['fail + info', '#D55E00']], 14)}
</svg>`;
}

const NODE_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8E6BBF'];

/** Replication lag per node (metrics.json), faults shaded. */
export function lagSvg(series: LagSeries[], ov: OverviewBins, nem: NemesisInterval[]): string {
  const top = 22;
  const h = 120;
  let max = 1;
  for (const s of series) for (const [, v] of s.points) max = Math.max(max, v);
  const yOf = (v: number) => top + h - (v / max) * h;
  const lines = series.map((s, i) => polyline(s.points.map(([t, v]) => [xOfTime(t, ov.endNs), yOf(v)]), 'line-lag', NODE_COLORS[i % NODE_COLORS.length]));
  return `<svg class="plot" id="lag-svg" viewBox="0 0 ${OV_W} ${top + h + 24}" role="img" aria-label="replication lag per node">
${shading(nem, ov.endNs, top, h)}${yAxis(top, h, max, 'lag ms')}${lines.join('')}
${timeAxis(ov.endNs, top + h)}${legendRow(series.map((s, i) => [s.node, NODE_COLORS[i % NODE_COLORS.length]]), 14)}
</svg>`;
}
