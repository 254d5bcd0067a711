// What monotonic-writes and writes-follow-reads share: a session-order dependency checked on one
// key (every read of the key), then across keys (what one node's reads reveal), with the budget
// and the result's counts of each rule. They differ only in what the dependencies are and how an
// anomaly is told. The finding (findSessionOrder) reads only the index's columns, so it can run in
// a thread of its own (order-thread.ts); the anomalies are told here, from what it found.

import type { History } from '../../history/types.js';
import { Budget } from '../budget.js';
import { AnomalyList, DEFAULT_MAX_ANOMALIES, type Anomaly, type CheckOptions, type CheckResult } from '../types.js';
import { checkReadDeps } from './deps-check.js';
import { bySessionAcrossKeys, readDeps, writeDeps, type Deps } from './deps.js';
import { appendIndex, type AppendIndex, type Grouping, type OrderIndex } from './index.js';
import { checkNodeOrder } from './node-order.js';
import { offloadSessionOrder } from './order-thread.js';

export type OrderRuleName = 'monotonic-writes' | 'writes-follow-reads';

/** The dependencies of each rule per group of ops (`across`: the session's ops on every key). */
export const ORDER_DEPS: Record<OrderRuleName, (ix: OrderIndex, groups: Grouping, across: boolean) => Deps> = {
  'monotonic-writes': (ix, groups) => writeDeps(ix, groups),
  // (across keys only the last element of each of the session's reads counts, which keeps it linear)
  'writes-follow-reads': (ix, groups, across) => readDeps(ix, groups, across),
};

export interface SessionOrderRule {
  name: OrderRuleName;
  /** Read r shows element x without (or before) what x needs, on x's key. */
  sameKey(ix: AppendIndex, deps: Deps, r: number, x: number): Anomaly;
  /** R1 on a node showed x; R2 of another key on it lacks entry q of what x needs; R3 still shows x. */
  crossKey(ix: AppendIndex, deps: Deps, r1: number, x: number, r2: number, q: number, r3: number): Anomaly;
}

/** Where findSessionOrder reports each broken dependency, with the dependencies it was found in. */
export interface OrderSink {
  same(deps: Deps, r: number, x: number): void;
  cross(deps: Deps, r1: number, x: number, r2: number, q: number, r3: number): void;
}

/** How far a finding got: `stopped` when the budget ran out (its reason, and the keys or nodes done). */
export interface OrderProgress {
  stopped?: { reason: string; done: number; phase: 'keys' | 'nodes' };
}

/** Every broken dependency of the rule, same-key ones first, then cross-key ones, in a fixed order. */
export function findSessionOrder(ix: OrderIndex, rule: OrderRuleName, budget: Budget, sink: OrderSink): OrderProgress {
  const deps = ORDER_DEPS[rule];
  const oneKey = deps(ix, ix.bySession, false);
  const stoppedKeys = checkReadDeps(ix, oneKey, budget, (r, x) => sink.same(oneKey, r, x));
  if (stoppedKeys !== undefined) return { stopped: { reason: budget.reason ?? 'budget spent', done: stoppedKeys, phase: 'keys' } };
  const acrossKeys = deps(ix, bySessionAcrossKeys(ix), true);
  const stoppedNodes = checkNodeOrder(ix, acrossKeys, budget, (r1, x, r2, q, r3) => sink.cross(acrossKeys, r1, x, r2, q, r3));
  if (stoppedNodes !== undefined) return { stopped: { reason: budget.reason ?? 'budget spent', done: stoppedNodes, phase: 'nodes' } };
  return {};
}

export function checkSessionOrder(h: History, opts: CheckOptions, rule: SessionOrderRule): CheckResult | Promise<CheckResult> {
  const budget = new Budget(opts);
  const ix = appendIndex(h);
  const offloaded = offloadSessionOrder(ix, rule.name, opts, budget, opts.maxAnomalies ?? DEFAULT_MAX_ANOMALIES);
  if (offloaded !== undefined) return offloaded.then((found) => toldFindings(ix, opts, rule, budget, found));
  const list = new AnomalyList(opts.maxAnomalies);
  let sameKey = 0;
  const progress = findSessionOrder(ix, rule.name, budget, {
    same: (deps, r, x) => (sameKey++, list.add(() => rule.sameKey(ix, deps, r, x))),
    cross: (deps, r1, x, r2, q, r3) => list.add(() => rule.crossKey(ix, deps, r1, x, r2, q, r3)),
  });
  return orderResult(ix, budget, list, sameKey, progress);
}

/** The result of a finding: its anomalies, the counts of each rule, and how far it got. */
function orderResult(ix: AppendIndex, budget: Budget, list: AnomalyList, sameKey: number, progress: OrderProgress): CheckResult {
  const s = progress.stopped;
  if (s !== undefined) budget.reason = s.reason;
  if (s?.phase === 'keys') return budget.stopped(list, s.done, ix.keys.length, 'keys (same-key rule)');
  const extra = { sameKey, crossKey: list.count - sameKey };
  if (s?.phase === 'nodes') return budget.stopped(list, s.done, new Set(ix.ops.map((o) => o.node)).size, 'nodes (cross-key rule)', extra);
  return list.result(extra);
}

/**
 * What a thread found (the first `keep` broken dependencies as numbers, and how many there were in
 * all), for its anomalies to be told here (each needs the ops, which only this thread has).
 */
export interface OrderFindings extends OrderProgress {
  /** (r, x) per same-key finding kept, then (r1, x, r2, q, r3) per cross-key one. */
  same: number[];
  cross: number[];
  sameCount: number;
  crossCount: number;
}

/** A sink that keeps the first `keep` findings as numbers and counts them all. */
export function findingsSink(keep: number): OrderSink & { found: Omit<OrderFindings, 'stopped'> } {
  const found = { same: [] as number[], cross: [] as number[], sameCount: 0, crossCount: 0 };
  return {
    found,
    same: (_deps, r, x) => {
      if (found.sameCount++ < keep) found.same.push(r, x);
    },
    cross: (_deps, r1, x, r2, q, r3) => {
      if (found.sameCount + found.crossCount++ < keep) found.cross.push(r1, x, r2, q, r3);
    },
  };
}

/** The anomalies of a thread's findings, told as in this thread (the dependencies made again, only where there is one to tell). */
function toldFindings(ix: AppendIndex, opts: CheckOptions, rule: SessionOrderRule, budget: Budget, f: OrderFindings): CheckResult {
  const list = new AnomalyList(opts.maxAnomalies);
  const deps = ORDER_DEPS[rule.name];
  if (f.same.length > 0) {
    const oneKey = deps(ix, ix.bySession, false);
    for (let i = 0; i < f.same.length; i += 2) list.add(() => rule.sameKey(ix, oneKey, f.same[i], f.same[i + 1]));
  }
  list.count = f.sameCount;
  if (f.cross.length > 0) {
    const acrossKeys = deps(ix, bySessionAcrossKeys(ix), true);
    const c = f.cross;
    for (let i = 0; i < c.length; i += 5) list.add(() => rule.crossKey(ix, acrossKeys, c[i], c[i + 1], c[i + 2], c[i + 3], c[i + 4]));
  }
  list.count = f.sameCount + f.crossCount;
  // (as the linearizable checker says it used threads: this one and the rule's)
  return { ...orderResult(ix, budget, list, f.sameCount, f), threads: 2 };
}
