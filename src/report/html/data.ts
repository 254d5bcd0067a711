// The report's data, computed once from a History: the operations around each anomaly, nemesis
// intervals, and a binned overview (counts, latency, throughput, lag) whose size does not grow
// with the history. Everything here is plain data; render.ts turns it into HTML and SVG.

import type { Anomaly } from '../../checkers/types.js';
import type { History, NemesisEvent, Op } from '../../history/types.js';
import type { Results } from '../results.js';

export const OVERVIEW_BINS = 400;
/** Anomalies per checker drawn with a timeline (the rest are listed as text). */
export const MAX_DETAILED_PER_CHECKER = 20;
/** Operations drawn in one focused timeline (involved ops first, then neighbours). */
export const MAX_FOCUS_OPS = 40;
/** How many ops before the window's end we scan for overlapping neighbours on a key. */
const NEIGHBOUR_SCAN_LIMIT = 4000;
/** Linearized-prefix and concurrent ops drawn per anomaly. */
const MAX_PREFIX_OPS = 16;
const MAX_CONCURRENT_OPS = 12;

export interface NemesisInterval {
  /** The fault's f (kill, pause, partition, clock-skew, ...). */
  f: string;
  kind: 'kill' | 'pause' | 'partition' | 'skew' | 'other';
  startNs: number;
  /** +Infinity never happens: an unhealed fault ends at the history's end. */
  endNs: number;
  /** A point event (an unknown f, or a fault that was skipped). */
  point: boolean;
  label: string;
}

export interface FocusOp {
  op: Op;
  /** The op's history index (completion, or invoke if none), as anomalies name it. */
  index: number;
  /** Role in the anomaly: named by it, in the linearized prefix, concurrent, or just a neighbour. */
  involved: boolean;
  failing: boolean;
  /** 1-based position in the drawn part of the linearized prefix. */
  prefixRank?: number;
  concurrent: boolean;
}

export interface AnomalyView {
  id: string;
  checker: string;
  anomaly: Anomaly;
  /** Ops drawn in its timeline; empty when the anomaly's indices match no op. */
  focus: FocusOp[];
  windowStartNs: number;
  windowEndNs: number;
  /** How many prefix ops were left out (beyond the drawn tail). */
  prefixOmitted: number;
  /** Whether the anomaly carries linearizability details. */
  hasPrefix: boolean;
  /** Indices the anomaly names that are not client ops in the history. */
  missing: number[];
}

export interface CheckerView {
  name: string;
  valid: boolean | 'unknown';
  count: number;
  reason?: string;
  detailed: AnomalyView[];
  /** Anomalies listed as text only (beyond MAX_DETAILED_PER_CHECKER). */
  listedOnly: Anomaly[];
}

export interface OverviewBins {
  binNs: number;
  endNs: number;
  ok: Uint32Array;
  fail: Uint32Array;
  info: Uint32Array;
  /** Latency of ok ops completing in each bin, ms (NaN when none). */
  p50Ms: Float64Array;
  p99Ms: Float64Array;
  maxMs: Float64Array;
}

export interface LagSeries {
  node: string;
  /** [timeNs, lagMs] points, at most one per overview bin (the bin's max). */
  points: [number, number][];
}

export interface ReportData {
  results: Results;
  checkers: CheckerView[];
  nemesis: NemesisInterval[];
  overview: OverviewBins;
  lag: LagSeries[];
  /** Flattened design knobs from config.yaml: [section, key, value]. */
  knobs: [string, string, string][];
  generatedAt?: string;
}

export interface ReportInputs {
  /** The parsed config.yaml of the run, if any. */
  config?: unknown;
  /** The parsed metrics.json of the run, if any. */
  metrics?: unknown;
}

/** History index by which anomalies name an op. */
function nameIndex(op: Op): number {
  return op.completeIndex >= 0 ? op.completeIndex : op.invokeIndex;
}

function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number' && Number.isInteger(x)) : [];
}

// ---- nemesis -------------------------------------------------------------------------------

const KIND_OF: Record<string, NemesisInterval['kind']> = {
  kill: 'kill',
  'kill-leader': 'kill',
  crash: 'kill',
  pause: 'pause',
  'pause-leader': 'pause',
  partition: 'partition',
  'start-partition': 'partition',
  start: 'partition',
  'clock-skew': 'skew',
  'skew-clock': 'skew',
  'bump-clock': 'skew',
  'strobe-clock': 'skew',
};

/** For each closing f, the start fs it closes. */
const CLOSES: Record<string, string[]> = {
  restart: ['kill', 'kill-leader', 'crash'],
  resume: ['pause', 'pause-leader'],
  heal: ['partition', 'start-partition', 'start'],
  stop: ['start', 'partition'],
  'stop-partition': ['start-partition', 'partition'],
  'reset-clock': ['clock-skew', 'skew-clock', 'bump-clock', 'strobe-clock'],
  'clock-skew-end': ['clock-skew'],
  'end-clock-skew': ['clock-skew'],
};

function nodeOf(value: unknown): string | null | undefined {
  if (value && typeof value === 'object' && 'node' in value) {
    const n = (value as { node: unknown }).node;
    return n === null ? null : typeof n === 'string' ? n : n === undefined ? undefined : String(n);
  }
  return undefined;
}

function isSkipped(value: unknown): boolean {
  return Boolean(value && typeof value === 'object' && ('skipped' in value || (value as { node?: unknown }).node === null));
}

function describeFault(f: string, value: unknown): string {
  const node = nodeOf(value);
  const v = value as Record<string, unknown> | null;
  if (f === 'partition' && v && Array.isArray(v.groups)) {
    const groups = (v.groups as unknown[]).map((g) => (Array.isArray(g) ? g.join(',') : String(g))).join(' | ');
    return `partition${typeof v.shape === 'string' ? ` (${v.shape})` : ''}: ${groups}`;
  }
  if (KIND_OF[f] === 'skew' && v && typeof v.offsetMs === 'number') return `${f} ${node ?? ''} ${v.offsetMs >= 0 ? '+' : ''}${v.offsetMs} ms`.replace(/\s+/g, ' ');
  if (isSkipped(value)) return `${f} (skipped${v && typeof v.skipped === 'string' ? `: ${v.skipped}` : ''})`;
  return node ? `${f} ${node}` : f;
}

/** Pairs each fault's start with its end (kill→restart, pause→resume, partition→heal, skew→reset). */
export function nemesisIntervals(events: NemesisEvent[], endNs: number): NemesisInterval[] {
  const out: NemesisInterval[] = [];
  const open: { iv: NemesisInterval; node?: string | null }[] = [];
  for (const e of events) {
    // Jepsen records invoke+completion pairs for the same action: the invoke alone is enough.
    const kind = KIND_OF[e.f];
    const node = nodeOf(e.value);
    if (kind && !isSkipped(e.value)) {
      const dup = open.find((o) => o.iv.f === e.f && o.node === node);
      if (dup) continue;
      const iv: NemesisInterval = { f: e.f, kind, startNs: e.time, endNs, point: false, label: describeFault(e.f, e.value) };
      out.push(iv);
      open.push({ iv, node });
      continue;
    }
    const closes = CLOSES[e.f];
    if (closes) {
      let closed = false;
      for (let i = 0; i < open.length; i++) {
        const o = open[i];
        if (!closes.includes(o.iv.f)) continue;
        // heal closes every partition; node-scoped ends close the same node's fault.
        if (e.f !== 'heal' && node !== undefined && o.node !== undefined && o.node !== node) continue;
        o.iv.endNs = Math.max(o.iv.startNs, e.time);
        open.splice(i, 1);
        i--;
        closed = true;
        if (e.f !== 'heal') break;
      }
      if (closed || e.f === 'heal') continue;
    }
    out.push({ f: e.f, kind: kind ?? 'other', startNs: e.time, endNs: e.time, point: true, label: describeFault(e.f, e.value) });
  }
  return out;
}

// ---- overview ------------------------------------------------------------------------------

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Fewer bins for small histories, so each bin holds a few ops; OVERVIEW_BINS at most. */
export function binCount(ops: number): number {
  return Math.min(OVERVIEW_BINS, Math.max(20, Math.ceil(ops / 3)));
}

export function overviewBins(h: History, bins = binCount(h.ops.length)): OverviewBins {
  let endNs = h.endTime;
  for (const op of h.ops) if (Number.isFinite(op.completeTime) && op.completeTime > endNs) endNs = op.completeTime;
  endNs = Math.max(endNs, 1);
  const binNs = endNs / bins;
  const ok = new Uint32Array(bins);
  const fail = new Uint32Array(bins);
  const info = new Uint32Array(bins);
  const lat: number[][] = Array.from({ length: bins }, () => []);
  const binOf = (t: number) => Math.min(bins - 1, Math.max(0, Math.floor(t / binNs)));
  for (const op of h.ops) {
    const t = Number.isFinite(op.completeTime) ? op.completeTime : op.invokeTime;
    const b = binOf(t);
    if (op.type === 'ok') {
      ok[b]++;
      lat[b].push((op.completeTime - op.invokeTime) / 1e6);
    } else if (op.type === 'fail') fail[b]++;
    else info[b]++;
  }
  const p50Ms = new Float64Array(bins);
  const p99Ms = new Float64Array(bins);
  const maxMs = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    const xs = lat[b].sort((x, y) => x - y);
    p50Ms[b] = quantile(xs, 0.5);
    p99Ms[b] = quantile(xs, 0.99);
    maxMs[b] = xs.length ? xs[xs.length - 1] : NaN;
  }
  return { binNs, endNs, ok, fail, info, p50Ms, p99Ms, maxMs };
}

/** Lag samples from metrics.json, reduced to each bin's maximum per node. */
export function lagSeries(metrics: unknown, binNs: number): LagSeries[] {
  const rows = metrics && typeof metrics === 'object' ? (metrics as { lag?: unknown }).lag : undefined;
  if (!Array.isArray(rows)) return [];
  const byNode = new Map<string, Map<number, [number, number]>>();
  for (const r of rows) {
    if (!r || typeof r !== 'object') continue;
    const { timeNs, node, lagMs } = r as { timeNs?: unknown; node?: unknown; lagMs?: unknown };
    if (typeof timeNs !== 'number' || typeof lagMs !== 'number' || !Number.isFinite(timeNs) || !Number.isFinite(lagMs)) continue;
    const name = String(node ?? '?');
    let m = byNode.get(name);
    if (!m) byNode.set(name, (m = new Map()));
    const b = Math.floor(timeNs / binNs);
    const cur = m.get(b);
    if (!cur || lagMs > cur[1]) m.set(b, [timeNs, lagMs]);
  }
  return [...byNode.entries()]
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .map(([node, m]) => ({ node, points: [...m.values()].sort((a, b) => a[0] - b[0]) }));
}

// ---- anomalies -----------------------------------------------------------------------------

/** Ops by key, in invoke order (History.ops is in invoke order). */
function opsByKey(h: History): Map<string, Op[]> {
  const m = new Map<string, Op[]>();
  for (const op of h.ops) {
    let list = m.get(op.key);
    if (!list) m.set(op.key, (list = []));
    list.push(op);
  }
  return m;
}

/** Last position in `ops` (invoke order) whose invokeTime <= t, or -1. */
function lastInvokedBy(ops: Op[], t: number): number {
  let lo = 0;
  let hi = ops.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ops[mid].invokeTime <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

function anomalyView(
  id: string,
  checker: string,
  a: Anomaly,
  byIndex: Map<number, Op>,
  byKey: () => Map<string, Op[]>,
): AnomalyView {
  const named = numbers(a.ops);
  const prefixAll = numbers(a.linearizedPrefix);
  const hasPrefix = Array.isArray(a.linearizedPrefix);
  const prefix = prefixAll.slice(-MAX_PREFIX_OPS);
  const concurrent = numbers(a.concurrent).slice(0, MAX_CONCURRENT_OPS);
  const focus = new Map<Op, FocusOp>();
  const missing: number[] = [];
  const add = (i: number): FocusOp | undefined => {
    const op = byIndex.get(i);
    if (!op) return undefined;
    let f = focus.get(op);
    if (!f) focus.set(op, (f = { op, index: nameIndex(op), involved: false, failing: false, concurrent: false }));
    return f;
  };
  named.forEach((i, k) => {
    const f = add(i);
    if (!f) missing.push(i);
    else {
      f.involved = true;
      // The linearizability checker puts the op that cannot be linearized first.
      if (hasPrefix && k === 0) f.failing = true;
    }
  });
  prefix.forEach((i, k) => {
    const f = add(i);
    if (f) f.prefixRank = k + 1;
  });
  for (const i of concurrent) {
    const f = add(i);
    if (f) f.concurrent = true;
  }
  const core = [...focus.values()].filter((f) => f.involved);
  const basis = core.length ? core : [...focus.values()];
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const f of basis) {
    t0 = Math.min(t0, f.op.invokeTime);
    t1 = Math.max(t1, Number.isFinite(f.op.completeTime) ? f.op.completeTime : f.op.invokeTime);
  }
  if (!Number.isFinite(t0)) {
    t0 = 0;
    t1 = 0;
  }
  // Neighbours: ops on the same key(s) overlapping the window, nearest to it first.
  const keys = new Set<string>();
  if (typeof a.key === 'string') keys.add(a.key);
  for (const f of basis) keys.add(f.op.key);
  if (basis.length > 0 && focus.size < MAX_FOCUS_OPS) {
    const candidates: Op[] = [];
    const m = byKey();
    for (const key of keys) {
      const list = m.get(key);
      if (!list) continue;
      const last = lastInvokedBy(list, t1);
      for (let j = last, seen = 0; j >= 0 && seen < NEIGHBOUR_SCAN_LIMIT; j--, seen++) {
        const op = list[j];
        if (op.completeTime >= t0 && !focus.has(op)) candidates.push(op);
      }
    }
    const mid = (t0 + t1) / 2;
    const dist = (op: Op) => Math.abs((op.invokeTime + (Number.isFinite(op.completeTime) ? op.completeTime : op.invokeTime)) / 2 - mid);
    candidates.sort((x, y) => dist(x) - dist(y));
    for (const op of candidates.slice(0, MAX_FOCUS_OPS - focus.size)) {
      focus.set(op, { op, index: nameIndex(op), involved: false, failing: false, concurrent: false });
    }
  }
  const list = [...focus.values()].sort((x, y) => x.op.invokeTime - y.op.invokeTime || x.op.invokeIndex - y.op.invokeIndex);
  let ws = t0;
  let we = t1;
  for (const f of list) {
    ws = Math.min(ws, f.op.invokeTime);
    we = Math.max(we, Number.isFinite(f.op.completeTime) ? f.op.completeTime : f.op.invokeTime);
  }
  return {
    id,
    checker,
    anomaly: a,
    focus: list,
    windowStartNs: ws,
    windowEndNs: we,
    prefixOmitted: Math.max(0, prefixAll.length - prefix.length),
    hasPrefix,
    missing,
  };
}

export function anchorId(checker: string, i: number): string {
  return `anomaly-${checker.replace(/[^A-Za-z0-9_-]+/g, '-')}-${i}`;
}

// ---- config --------------------------------------------------------------------------------

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s;
}

/** The design knobs of config.yaml (target, workload, nemesis, checkers, seed), flattened. */
export function configKnobs(config: unknown): [string, string, string][] {
  if (!config || typeof config !== 'object') return [];
  const out: [string, string, string][] = [];
  const c = config as Record<string, unknown>;
  const walk = (section: string, prefix: string, v: unknown, depth: number) => {
    if (out.length >= 80) return;
    if (v && typeof v === 'object' && !Array.isArray(v) && depth < 3) {
      for (const [k, x] of Object.entries(v)) walk(section, prefix ? `${prefix}.${k}` : k, x, depth + 1);
    } else {
      const s = show(v);
      out.push([section, prefix, s.length > 160 ? `${s.slice(0, 157)}…` : s]);
    }
  };
  for (const section of ['target', 'workload', 'nemesis', 'checkers']) {
    if (c[section] !== undefined) walk(section, '', c[section], 0);
  }
  if (c.seed !== undefined) out.push(['seed', '', show(c.seed)]);
  return out;
}

// ---- all together --------------------------------------------------------------------------

export function reportData(results: Results, h: History, inputs: ReportInputs = {}): ReportData {
  // Index only the ops the anomalies name, in one pass over the history.
  const wanted = new Set<number>();
  const checkerEntries = Object.entries(results.checkers ?? {});
  for (const [, r] of checkerEntries) {
    for (const a of (r.anomalies ?? []).slice(0, MAX_DETAILED_PER_CHECKER)) {
      for (const i of numbers(a.ops)) wanted.add(i);
      for (const i of numbers(a.linearizedPrefix).slice(-MAX_PREFIX_OPS)) wanted.add(i);
      for (const i of numbers(a.concurrent).slice(0, MAX_CONCURRENT_OPS)) wanted.add(i);
    }
  }
  const byIndex = new Map<number, Op>();
  if (wanted.size) {
    for (const op of h.ops) {
      if (wanted.has(op.invokeIndex)) byIndex.set(op.invokeIndex, op);
      if (op.completeIndex >= 0 && wanted.has(op.completeIndex)) byIndex.set(op.completeIndex, op);
    }
  }
  let keyIndex: Map<string, Op[]> | undefined;
  const byKey = () => (keyIndex ??= opsByKey(h));
  const checkers: CheckerView[] = checkerEntries.map(([name, r]) => {
    const anomalies = Array.isArray(r.anomalies) ? r.anomalies : [];
    return {
      name,
      valid: r.valid,
      count: typeof r.count === 'number' ? r.count : anomalies.length,
      reason: typeof r.reason === 'string' ? r.reason : undefined,
      detailed: anomalies.slice(0, MAX_DETAILED_PER_CHECKER).map((a, i) => anomalyView(anchorId(name, i), name, a, byIndex, byKey)),
      listedOnly: anomalies.slice(MAX_DETAILED_PER_CHECKER),
    };
  });
  const overview = overviewBins(h);
  return {
    results,
    checkers,
    nemesis: nemesisIntervals(h.nemesis, overview.endNs),
    overview,
    lag: lagSeries(inputs.metrics, overview.binNs),
    knobs: configKnobs(inputs.config),
  };
}
