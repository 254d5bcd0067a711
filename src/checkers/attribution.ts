// Ties each anomaly to the nemesis faults around it and to the replica state its operations were
// served in (docs/checkers.md, "Attribution"): adds the list `faults` to the anomaly and one
// sentence to its explanation, e.g. "acknowledged by n1 as leader of term 1 while partition #1 ...".

import { describeServed } from '../history/served.js';
import type { History, NemesisEvent, Op, Served } from '../history/types.js';
import { isSkipped, nemesisIntervals, type NemesisInterval } from '../report/html/nemesis.js';
import { fmtAt, historyIsUntimed } from '../report/time.js';
import type { Anomaly, CheckResult } from './types.js';

/** The window when the run's failover timeout is unknown (`check` on a stored history), ms. */
export const DEFAULT_FAULT_WINDOW_MS = 1000;
/** Faults listed per anomaly (nearest first), served groups and leader changes named per sentence. */
const MAX_FAULTS = 5;
const MAX_SERVERS = 3;
const MAX_LEADER_CHANGES = 2;

/** One nemesis fault an anomaly is attributed to, as results.json lists it. */
export interface AttributedFault {
  /** History index of the event that began the fault (partition, kill, pause, clock-skew, ...). */
  index: number;
  f: string;
  /** Its ordinal among the history's faults with this f: partition #2. */
  n: number;
  timeNs: number;
  /** The event that ended it (heal, restart, resume, reset-clock), when there was one. */
  endIndex?: number;
  endTimeNs?: number;
  /** during: it overlaps the ops; before: it ended at most the window before them; after: it began at most the window after them. */
  relation: 'during' | 'before' | 'after';
  /** What it did, e.g. "isolated n1 from n2, n3". */
  what: string;
}

/** A leader first seen serving in a new term (from the ops' `served`). */
interface LeaderChange {
  node: string;
  term: number;
  timeNs: number;
}

/** What the pass works from, built once per history. */
interface Context {
  h: History;
  opAt: Map<number, Op>;
  /** Nemesis events by history index (their recorded times, also in untimed histories). */
  events: Map<number, NemesisEvent>;
  faults: { iv: NemesisInterval; n: number; what: string }[];
  leaders: LeaderChange[];
  windowNs: number;
  untimed: boolean;
}

/**
 * For every anomaly of every result: the faults that overlap its operations or lie within
 * `windowMs` (the failover timeout) of them, and the serving nodes' role, term and position.
 */
export function attributeAnomalies(h: History, results: Record<string, CheckResult>, windowMs = DEFAULT_FAULT_WINDOW_MS): void {
  const anomalies = Object.values(results).flatMap((r) => (Array.isArray(r.anomalies) ? r.anomalies : []));
  if (anomalies.length === 0) return;
  const ctx = context(h, anomalies, windowMs);
  for (const a of anomalies) attributeOne(ctx, a);
}

function context(h: History, anomalies: Anomaly[], windowMs: number): Context {
  const untimed = historyIsUntimed(h);
  const wanted = new Set<number>();
  for (const a of anomalies) for (const i of Array.isArray(a.ops) ? a.ops : []) wanted.add(i);
  const opAt = new Map<number, Op>();
  for (const op of h.ops) {
    if (wanted.has(op.invokeIndex)) opAt.set(op.invokeIndex, op);
    if (op.completeIndex >= 0 && wanted.has(op.completeIndex)) opAt.set(op.completeIndex, op);
  }
  const events = new Map<number, NemesisEvent>(h.nemesis.map((e) => [e.index, e]));
  const nemesis = untimed ? h.nemesis.map((e) => ({ ...e, time: e.index })) : h.nemesis;
  const end = untimed ? h.eventCount : h.endTime;
  const seen = new Map<string, number>();
  const faults: Context['faults'] = [];
  for (const iv of nemesisIntervals(nemesis, end)) {
    const e = events.get(iv.index);
    if (e === undefined || isSkipped(e.value)) continue;
    const n = (seen.get(iv.f) ?? 0) + 1;
    seen.set(iv.f, n);
    faults.push({ iv, n, what: whatItDid(e) });
  }
  // Untimed histories compare event positions: only faults among the ops count.
  return { h, opAt, events, faults, leaders: leaderChanges(h), windowNs: untimed ? 0 : windowMs * 1e6, untimed };
}

/** Each term's leader, first seen when it completed an op as leader of that term. */
function leaderChanges(h: History): LeaderChange[] {
  const byTerm = new Map<number, LeaderChange>();
  for (const op of h.ops) {
    const s = op.served;
    if (s === undefined || s.role !== 'leader' || s.term === undefined || op.node === undefined) continue;
    const t = op.completeTime;
    const cur = byTerm.get(s.term);
    if (cur === undefined || t < cur.timeNs) byTerm.set(s.term, { node: op.node, term: s.term, timeNs: t });
  }
  return [...byTerm.values()].sort((a, b) => a.term - b.term);
}

function attributeOne(ctx: Context, a: Anomaly): void {
  const all = [...new Set((Array.isArray(a.ops) ? a.ops : []).map((i) => ctx.opAt.get(i)).filter((op): op is Op => op !== undefined))];
  // Final reads only observe what was left after healing: the span is that of the ops they judge.
  const ops = all.some((op) => !op.final) ? all.filter((op) => !op.final) : all;
  if (ops.length === 0) return;
  const time = (op: Op, end: boolean): number => {
    if (ctx.untimed) return end && op.completeIndex >= 0 ? op.completeIndex : op.invokeIndex;
    return end && Number.isFinite(op.completeTime) ? op.completeTime : op.invokeTime;
  };
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const op of ops) {
    t0 = Math.min(t0, time(op, false));
    t1 = Math.max(t1, time(op, true));
  }
  const faults = faultsAround(ctx, t0, t1);
  const sentence = attributionSentence(ctx, ops, faults, t0, t1);
  if (faults.length > 0) a.faults = faults.map(({ fault }) => fault);
  if (sentence !== '') a.explanation = `${a.explanation}${/[.!?]$/.test(a.explanation) ? '' : '.'} ${sentence}`;
}

/** The faults overlapping [t0, t1], or within the window before or after it: during first, then nearest. */
function faultsAround(ctx: Context, t0: number, t1: number): { fault: AttributedFault; gapNs: number }[] {
  const out: { fault: AttributedFault; gapNs: number }[] = [];
  for (const { iv, n, what } of ctx.faults) {
    const end = iv.point ? iv.startNs : iv.endNs;
    let relation: AttributedFault['relation'];
    let gapNs = 0;
    if (iv.startNs <= t1 && end >= t0) relation = 'during';
    else if (end < t0 && t0 - end <= ctx.windowNs) [relation, gapNs] = ['before', t0 - end];
    else if (iv.startNs > t1 && iv.startNs - t1 <= ctx.windowNs) [relation, gapNs] = ['after', iv.startNs - t1];
    else continue;
    const fault: AttributedFault = { index: iv.index, f: iv.f, n, timeNs: ctx.events.get(iv.index)?.time ?? iv.startNs, relation, what };
    if (iv.endIndex !== undefined) {
      fault.endIndex = iv.endIndex;
      fault.endTimeNs = ctx.events.get(iv.endIndex)?.time ?? iv.endNs;
    }
    out.push({ fault, gapNs });
  }
  out.sort((x, y) => x.gapNs - y.gapNs || x.fault.index - y.fault.index);
  return out.slice(0, MAX_FAULTS);
}

/** "isolated n1 from n2, n3", "crashed n1", "paused n2", "moved n3's clock by +5000 ms". */
function whatItDid(e: NemesisEvent): string {
  const v = (e.value !== null && typeof e.value === 'object' ? e.value : {}) as Record<string, unknown>;
  const node = typeof v.node === 'string' ? v.node : undefined;
  if (Array.isArray(v.groups)) {
    const groups = v.groups.map((g) => (Array.isArray(g) ? g.map(String) : [String(g)])).sort((x, y) => x.length - y.length);
    if (groups.length === 2 && groups[0].length < groups[1].length) return `isolated ${groups[0].join(', ')} from ${groups[1].join(', ')}`;
    return `split the nodes into ${groups.map((g) => g.join(', ')).join(' | ')}`;
  }
  if (/kill|crash/.test(e.f)) return node ? `crashed ${node}` : 'crashed a node';
  if (/pause/.test(e.f)) return node ? `paused ${node}` : 'paused a node';
  if (/clock|skew/.test(e.f) && typeof v.offsetMs === 'number') {
    return `moved ${node ? `${node}'s` : 'a'} clock by ${v.offsetMs >= 0 ? '+' : ''}${v.offsetMs} ms`;
  }
  return node ? `hit ${node}` : 'happened';
}

/** The sentence added to the explanation ('' when there is nothing to say). */
function attributionSentence(ctx: Context, ops: Op[], faults: { fault: AttributedFault; gapNs: number }[], t0: number, t1: number): string {
  const servers = servedClauses(ops);
  const clauses = faults.map(({ fault, gapNs }) => faultClause(ctx, fault, gapNs));
  const leaders = leaderClauses(ctx, ops, faults, t0, t1);
  if (servers === '' && clauses.length === 0) return '';
  let s = servers !== '' ? servers : 'these operations ran';
  const comma = servers.includes(' and ') || faults[0]?.fault.relation !== 'during';
  if (clauses.length > 0) s += `${comma && servers !== '' ? ',' : ''} ${clauses.join(' and ')}`;
  else if (ctx.h.nemesis.length > 0 && !ctx.untimed) s += `, with no fault within ${fmtWindow(ctx.windowNs)} of them`;
  if (leaders.length > 0) s += `; ${leaders.join(', ')}`;
  return `${s[0].toUpperCase()}${s.slice(1)}.`;
}

/** "acknowledged by n1 as leader of term 1 at position 812": the ok ops grouped by node and role. */
function servedClauses(ops: Op[]): string {
  const groups = new Map<string, { verb: string; node: string; s: Served; count: number }>();
  for (const op of [...ops].sort((a, b) => a.invokeIndex - b.invokeIndex)) {
    if (op.served === undefined || op.type !== 'ok' || op.node === undefined) continue;
    const verb = op.f === 'read' || op.f === 'get' ? 'read from' : 'acknowledged by';
    const key = `${verb}\u0000${op.node}\u0000${op.served.role}\u0000${op.served.term ?? ''}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { verb, node: op.node, s: { ...op.served }, count: 1 });
    else {
      g.count++;
      if (op.served.pos !== undefined && (g.s.pos === undefined || op.served.pos > g.s.pos)) g.s.pos = op.served.pos;
    }
  }
  const list = [...groups.values()];
  const text = list.slice(0, MAX_SERVERS).map((g) => {
    const upTo = g.count > 1 && g.s.pos !== undefined ? describeServed(g.s).replace('(position ', '(positions up to ') : describeServed(g.s);
    return `${g.verb} ${g.node} as ${upTo}`;
  });
  if (list.length > MAX_SERVERS) text.push(`${list.length - MAX_SERVERS} more`);
  return text.length > 1 ? `${text.slice(0, -1).join(', ')} and ${text[text.length - 1]}` : text.join('');
}

function faultClause(ctx: Context, f: AttributedFault, gapNs: number): string {
  const name = `${f.f} #${f.n}`;
  const at = ctx.untimed ? `index ${f.index}` : fmtAt(f.timeNs);
  const span = f.endTimeNs !== undefined && !ctx.untimed ? `${at.replace(' s', '')}–${fmtAt(f.endTimeNs)}` : at;
  const gap = ctx.untimed ? '' : `${fmtWindow(gapNs)} `;
  if (f.relation === 'during') return `while ${name} ${f.what} (${span})`;
  if (f.relation === 'after') return `${gap}before ${name} ${f.what} (${span})`;
  return `${gap}after ${name} ended (it ${f.what}, ${span})`;
}

/**
 * Leaders of newer terms than the ops saw, first seen within the window or the attributed faults;
 * else, when some fault is attributed, the next one (the node that took over), whenever it first served.
 */
function leaderClauses(ctx: Context, ops: Op[], faults: { fault: AttributedFault }[], t0: number, t1: number): string[] {
  if (ctx.untimed || ctx.leaders.length === 0) return [];
  let newest = -1;
  for (const op of ops) if (op.served?.term !== undefined && op.served.term > newest) newest = op.served.term;
  if (newest < 0) return [];
  let from = t0 - ctx.windowNs;
  let to = t1 + ctx.windowNs;
  for (const { fault } of faults) {
    from = Math.min(from, fault.timeNs);
    to = Math.max(to, (fault.endTimeNs ?? ctx.h.endTime) + ctx.windowNs);
  }
  const newer = ctx.leaders.filter((l) => l.term > newest && l.timeNs >= from);
  const near = newer.filter((l) => l.timeNs <= to);
  // The next leader, however late, only as the aftermath of a fault the anomaly is tied to.
  const named = near.length > 0 ? near.slice(0, MAX_LEADER_CHANGES) : faults.length > 0 ? newer.slice(0, 1) : [];
  return named.map(
    (l) => `${l.node} became leader of term ${l.term} (serving as leader from ${fmtAt(l.timeNs)})`,
  );
}

/** A window or gap in seconds, as the explanations write times ("0.500 s"). */
function fmtWindow(ns: number): string {
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** The window a run's target section implies: its `failover.timeoutMs`, when it has one. */
export function failoverWindowMs(target: unknown): number | undefined {
  const failover = target !== null && typeof target === 'object' ? (target as { failover?: unknown }).failover : undefined;
  const ms = failover !== null && typeof failover === 'object' ? (failover as { timeoutMs?: unknown }).timeoutMs : undefined;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
