// A correct list-append store with stale replicas, for property tests of the session-order
// checkers: every append goes to one leader log (all keys); each follower applies a prefix of that
// log that only grows, except that a follower restarted by the nemesis (a `restart` event naming it)
// starts again from nothing. It keeps monotonic-writes and writes-follow-reads on every key and
// node, but reads are as stale as the followers are.

import fc from 'fast-check';
import type { HistoryEvent } from '../../src/history/types.js';
import { seededRandom } from '../support/append-model.js';
import { planOps, plannedEvents, staleModelOptionsArb, type Planned } from './stale-replica-model.js';

export interface LogModelOptions {
  processes: number;
  keys: number;
  ops: number;
  followers: number;
  infoRate: number;
  failRate: number;
  /** Chance, per op, of a nemesis restart of a random follower. */
  restartRate: number;
}

export function logReplicaEvents(seed: number, o: LogModelOptions): HistoryEvent[] {
  const rnd = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const keys = Array.from({ length: o.keys }, (_, i) => `k${i}`);
  const nodes = Array.from({ length: o.followers + 1 }, (_, i) => `n${i + 1}`);
  const planned = planOps(rnd, o, keys, nodes);
  const end = Math.max(0, ...planned.map((p) => p.completeNs ?? p.invokeNs));
  const restarts = planned.filter(() => rnd() < o.restartRate).map(() => ({ t: int(0, end) + 0.25, node: nodes[int(1, nodes.length - 1)] }));
  const log: { key: string; element: number }[] = [];
  const applied = new Map<string, number>();
  type Step = { t: number; p?: Planned; restart?: string };
  const steps: Step[] = [...planned.filter((p) => p.applies).map((p) => ({ t: p.linNs, p })), ...restarts.map((r) => ({ t: r.t, restart: r.node }))];
  for (const s of steps.sort((a, b) => a.t - b.t)) {
    if (s.restart !== undefined) {
      applied.set(s.restart, 0);
      continue;
    }
    const p = s.p!;
    if (p.f === 'append') {
      log.push({ key: p.key, element: p.element! });
      continue;
    }
    const n = p.node === 'n1' ? log.length : int(applied.get(p.node) ?? 0, log.length);
    applied.set(p.node, n);
    p.result = log.slice(0, n).filter((e) => e.key === p.key).map((e) => e.element);
  }
  const nemesis = restarts.map((r) => ({ t: Math.floor(r.t), e: { time: Math.floor(r.t), process: 'nemesis' as const, type: 'info' as const, f: 'restart', value: { node: r.node } } }));
  return plannedEvents(planned, nemesis);
}

export const logModelArb = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  options: fc
    .tuple(staleModelOptionsArb, fc.constantFrom(0, 0.05, 0.2), fc.constantFrom(0, 0, 0.05))
    .map(([o, failRate, restartRate]): LogModelOptions => ({ ...o, failRate, restartRate })),
});
