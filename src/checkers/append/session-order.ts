// What monotonic-writes and writes-follow-reads share: a session-order dependency checked on one
// key (every read of the key), then across keys (what one node's reads reveal), with the budget
// and the result's counts of each rule. They differ only in what the dependencies are and how an
// anomaly is told.

import type { History } from '../../history/types.js';
import { Budget } from '../budget.js';
import { AnomalyList, type Anomaly, type CheckOptions, type CheckResult } from '../types.js';
import { checkReadDeps } from './deps-check.js';
import { bySessionAcrossKeys, type Deps } from './deps.js';
import { appendIndex, type AppendIndex, type Grouping } from './index.js';
import { checkNodeOrder } from './node-order.js';

export interface SessionOrderRule {
  /** The dependencies per group of ops (`across`: the session's ops on every key). */
  deps(ix: AppendIndex, groups: Grouping, across: boolean): Deps;
  /** Read r shows element x without (or before) what x needs, on x's key. */
  sameKey(ix: AppendIndex, deps: Deps, r: number, x: number): Anomaly;
  /** R1 on a node showed x; R2 of another key on it lacks entry q of what x needs; R3 still shows x. */
  crossKey(ix: AppendIndex, deps: Deps, r1: number, x: number, r2: number, q: number, r3: number): Anomaly;
}

export function checkSessionOrder(h: History, opts: CheckOptions, rule: SessionOrderRule): CheckResult {
  const budget = new Budget(opts);
  const ix = appendIndex(h);
  const list = new AnomalyList(opts.maxAnomalies);
  const oneKey = rule.deps(ix, ix.bySession, false);
  const stoppedKeys = checkReadDeps(ix, oneKey, budget, (r, x) => list.add(() => rule.sameKey(ix, oneKey, r, x)));
  if (stoppedKeys !== undefined) return budget.stopped(list, stoppedKeys, ix.keys.length, 'keys (same-key rule)');
  const sameKey = list.count;
  const acrossKeys = rule.deps(ix, bySessionAcrossKeys(ix), true);
  const stoppedNodes = checkNodeOrder(ix, acrossKeys, budget, (r1, x, r2, q, r3) => list.add(() => rule.crossKey(ix, acrossKeys, r1, x, r2, q, r3)));
  const extra = { sameKey, crossKey: list.count - sameKey };
  if (stoppedNodes !== undefined) return budget.stopped(list, stoppedNodes, new Set(ix.ops.map((o) => o.node)).size, 'nodes (cross-key rule)', extra);
  return list.result(extra);
}
