// The report's data, computed once from a History: the operations around each anomaly, nemesis
// intervals, and a binned overview (counts, latency, throughput, lag) whose size does not grow
// with the history. Everything here is plain data; svg.ts and index.ts turn it into HTML.

import type { Anomaly } from '../../checkers/types.js';
import type { History, Op } from '../../history/types.js';
import { plainOp } from '../../history/op.js';
import type { Results } from '../results.js';
import { historyIsUntimed } from '../time.js';
import { nemesisIntervals, type NemesisInterval } from './nemesis.js';

export type { NemesisInterval } from './nemesis.js';

export const OVERVIEW_BINS = 400;
/** Anomalies per checker drawn with a timeline (the rest are listed as text)... */
export const MAX_DETAILED_PER_CHECKER = 20;
/** ...and in the whole report, shared between the checkers that found anomalies. */
export const MAX_DETAILED_TOTAL = 50;
/** Anomalies listed as text per checker beyond the detailed ones. */
export const MAX_LISTED_PER_CHECKER = 200;

/** How many anomalies of each checker get a timeline, within the report-wide budget. */
export function detailBudget(anomalyCounts: number[]): number[] {
  const budget = anomalyCounts.map(() => 0);
  let left = MAX_DETAILED_TOTAL;
  // Round-robin so every checker with anomalies gets some before any gets many.
  for (let progress = true; left > 0 && progress; ) {
    progress = false;
    for (let i = 0; i < budget.length && left > 0; i++) {
      if (budget[i] < Math.min(anomalyCounts[i], MAX_DETAILED_PER_CHECKER)) {
        budget[i]++;
        left--;
        progress = true;
      }
    }
  }
  return budget;
}
/** Operations drawn in one focused timeline (involved ops first, then neighbours). */
export const MAX_FOCUS_OPS = 32;
/** How many ops before the window's end we scan for overlapping neighbours on a key. */
const NEIGHBOUR_SCAN_LIMIT = 4000;
/** Linearized-prefix and concurrent ops drawn per anomaly. */
const MAX_PREFIX_OPS = 16;
const MAX_CONCURRENT_OPS = 12;

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
  /** Anomalies listed as text only (beyond the detailed ones, at most MAX_LISTED_PER_CHECKER). */
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

/** The end of a run: the settle gap after the workload's last op, then the final reads. */
export interface EndPhases {
  /** When the last op that is not a final read completed (the settle gap starts). */
  settleStartNs: number;
  /** When the first final read was invoked (the settle gap ends). */
  finalStartNs: number;
  finalEndNs: number;
  finalReads: number;
}

/** The settle gap and the final reads, when the history has final reads. */
export function endPhases(h: History): EndPhases | undefined {
  if (!h.hasFinalReads) return undefined;
  let finalStart = Infinity;
  let finalEnd = -Infinity;
  let n = 0;
  for (const op of h.ops) {
    if (!op.final) continue;
    n++;
    finalStart = Math.min(finalStart, op.invokeTime);
    finalEnd = Math.max(finalEnd, Number.isFinite(op.completeTime) ? op.completeTime : op.invokeTime);
  }
  if (n === 0) return undefined;
  let settleStart = -Infinity;
  for (const op of h.ops) {
    if (op.final) continue;
    const t = Number.isFinite(op.completeTime) ? op.completeTime : op.invokeTime;
    if (t <= finalStart) settleStart = Math.max(settleStart, t);
  }
  if (!Number.isFinite(settleStart)) settleStart = finalStart;
  return { settleStartNs: settleStart, finalStartNs: finalStart, finalEndNs: finalEnd, finalReads: n };
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
  /** The history records no times: every "time" here (…Ns fields) is an event index instead. */
  untimed: boolean;
  eventCount: number;
  phases?: EndPhases;
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
  // The linearizability checker names the op that cannot be linearized as `op` (its `ops` are sorted).
  const failingIndex = typeof a.op === 'number' ? a.op : undefined;
  named.forEach((i, k) => {
    const f = add(i);
    if (!f) missing.push(i);
    else {
      f.involved = true;
      if (hasPrefix && (failingIndex !== undefined ? i === failingIndex : k === 0)) f.failing = true;
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
export function configKnobs(config: unknown, ran?: string[]): [string, string, string][] {
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
  for (const section of ['target', 'workload', 'nemesis']) {
    if (c[section] !== undefined) walk(section, '', c[section], 0);
  }
  // The checkers that ran, rather than config.yaml's list (empty there means "all that fit").
  if (ran && ran.length) {
    const asked = Array.isArray(c.checkers) && c.checkers.length > 0;
    out.push(['checkers', asked ? 'ran' : 'ran (all that fit the workload)', ran.join(', ')]);
  } else if (c.checkers !== undefined) walk('checkers', '', c.checkers, 0);
  if (c.seed !== undefined) out.push(['seed', '', show(c.seed)]);
  return out;
}

// ---- all together --------------------------------------------------------------------------

/** The history with each event's index as its time, so an untimed history draws in event order. */
export function byEventIndex(h: History): History {
  return {
    ...h,
    ops: h.ops.map((op) => ({ ...plainOp(op), invokeTime: op.invokeIndex, completeTime: op.completeIndex >= 0 ? op.completeIndex : Infinity })),
    nemesis: h.nemesis.map((e) => ({ ...e, time: e.index })),
    endTime: Math.max(0, h.eventCount - 1),
  };
}

export function reportData(results: Results, timed: History, inputs: ReportInputs = {}): ReportData {
  const untimed = historyIsUntimed(timed);
  const h = untimed ? byEventIndex(timed) : timed;
  // Index only the ops the anomalies name, in one pass over the history.
  const wanted = new Set<number>();
  const checkerEntries = Object.entries(results.checkers ?? {});
  const anomalyLists = checkerEntries.map(([, r]) => (Array.isArray(r.anomalies) ? r.anomalies : []));
  const budget = detailBudget(anomalyLists.map((l) => l.length));
  for (const [k, list] of anomalyLists.entries()) {
    for (const a of list.slice(0, budget[k])) {
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
  const checkers: CheckerView[] = checkerEntries.map(([name, r], k) => {
    const anomalies = anomalyLists[k];
    return {
      name,
      valid: r.valid,
      count: typeof r.count === 'number' ? r.count : anomalies.length,
      reason: typeof r.reason === 'string' ? r.reason : undefined,
      detailed: anomalies.slice(0, budget[k]).map((a, i) => anomalyView(anchorId(name, i), name, a, byIndex, byKey)),
      listedOnly: anomalies.slice(budget[k], budget[k] + MAX_LISTED_PER_CHECKER),
    };
  });
  const overview = overviewBins(h);
  return {
    results,
    checkers,
    nemesis: nemesisIntervals(h.nemesis, overview.endNs),
    overview,
    lag: untimed ? [] : lagSeries(inputs.metrics, overview.binNs),
    knobs: configKnobs(inputs.config, Object.keys(results.checkers ?? {})),
    untimed,
    eventCount: timed.eventCount,
    phases: endPhases(h),
  };
}
