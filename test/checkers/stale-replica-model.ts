// A correct asynchronously replicated list-append store, for property tests of lost-writes: appends
// go to the leader's log; a read from a follower sees a prefix of it that never shrinks per follower
// (stale, never lost). No final reads: such histories end as a Ctrl-C'd run would, mid-flight.

import fc from 'fast-check';
import type { HistoryEvent } from '../../src/history/types.js';
import { seededRandom } from '../support/append-model.js';

export interface StaleModelOptions {
  processes: number;
  keys: number;
  ops: number;
  /** Followers besides the leader n1. */
  followers: number;
  infoRate: number;
}

/** An op planned before the store decides what its reads return. */
export interface Planned {
  process: number;
  session: string;
  f: 'append' | 'read';
  key: string;
  element: number | null;
  invokeNs: number;
  completeNs: number | undefined;
  linNs: number;
  outcome: 'ok' | 'fail' | 'info';
  applies: boolean;
  node: string;
  result?: number[];
}

/**
 * Plans the ops' sessions, times and outcomes (shared with log-replica-model.ts): appends go to the
 * leader n1, reads to any node; after info a client continues as a new process.
 */
export function planOps(rnd: () => number, o: StaleModelOptions & { failRate?: number }, keys: string[], nodes: string[]): Planned[] {
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const failRate = o.failRate ?? 0;
  const slotTime = new Array<number>(o.processes).fill(0);
  const slotProcess = Array.from({ length: o.processes }, (_, i) => i);
  let nextProcess = o.processes;
  let nextElement = 1;
  const planned: Planned[] = [];
  for (let i = 0; i < o.ops; i++) {
    const slot = int(0, o.processes - 1);
    const invokeNs = slotTime[slot] + int(0, 3) * 1000;
    const durationNs = int(1, 6) * 1000 + int(0, 1);
    const f = rnd() < 0.5 ? 'append' : 'read';
    const x = rnd();
    const outcome = x < failRate ? 'fail' : x < failRate + o.infoRate ? 'info' : 'ok';
    const completeNs = outcome === 'info' && rnd() < 0.3 ? undefined : invokeNs + durationNs;
    planned.push({
      process: slotProcess[slot],
      session: `s${slot}`,
      f,
      key: keys[int(0, keys.length - 1)],
      element: f === 'append' ? nextElement++ : null,
      invokeNs,
      completeNs,
      linNs: invokeNs + 0.5 + rnd() * (durationNs - 1),
      outcome,
      applies: outcome === 'ok' || (outcome === 'info' && rnd() < 0.5),
      // Appends go to the leader; reads to any node.
      node: f === 'append' ? 'n1' : nodes[int(0, nodes.length - 1)],
    });
    slotTime[slot] = completeNs ?? invokeNs + durationNs;
    if (outcome === 'info') slotProcess[slot] = nextProcess++;
  }
  return planned;
}

/** The ops' events (and `extra` ones, e.g. nemesis), in time order, indexed. */
export function plannedEvents(planned: Planned[], extra: { t: number; e: Omit<HistoryEvent, 'index'> }[] = []): HistoryEvent[] {
  const raw: { t: number; order: number; seq: number; e: Omit<HistoryEvent, 'index'> }[] = [];
  for (const p of planned) {
    const base = { process: p.process, session: p.session, f: p.f, key: p.key };
    raw.push({ t: p.invokeNs, order: 1, seq: raw.length, e: { time: p.invokeNs, ...base, type: 'invoke', value: p.element } });
    if (p.completeNs === undefined) continue;
    const value = p.f === 'append' ? p.element : p.outcome === 'ok' ? (p.result ?? []) : null;
    const more = p.outcome === 'ok' ? { node: p.node } : { error: p.outcome === 'fail' ? 'rejected' : 'timeout' };
    raw.push({ t: p.completeNs, order: 0, seq: raw.length, e: { time: p.completeNs, ...base, type: p.outcome, value, ...more } });
  }
  for (const x of extra) raw.push({ t: x.t, order: 0.5, seq: raw.length, e: x.e });
  raw.sort((a, b) => a.t - b.t || a.order - b.order || a.seq - b.seq);
  return raw.map((x, index) => ({ index, ...x.e }) as HistoryEvent);
}

export function staleReplicaEvents(seed: number, o: StaleModelOptions): HistoryEvent[] {
  const rnd = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const keys = Array.from({ length: o.keys }, (_, i) => `k${i}`);
  const nodes = Array.from({ length: o.followers + 1 }, (_, i) => `n${i + 1}`);
  const planned = planOps(rnd, o, keys, nodes);
  const log = new Map<string, number[]>(keys.map((k) => [k, []]));
  // Per follower and key, how much of the leader's log it has applied: it only grows.
  const applied = new Map<string, number>();
  for (const p of planned.filter((x) => x.applies).sort((a, b) => a.linNs - b.linNs)) {
    const list = log.get(p.key)!;
    if (p.f === 'append') {
      list.push(p.element!);
      continue;
    }
    if (p.node === 'n1') {
      p.result = list.slice();
      continue;
    }
    const at = `${p.node}/${p.key}`;
    const n = int(applied.get(at) ?? 0, list.length);
    applied.set(at, n);
    p.result = list.slice(0, n);
  }
  return plannedEvents(planned);
}

export const staleModelOptionsArb: fc.Arbitrary<StaleModelOptions> = fc.record({
  processes: fc.integer({ min: 1, max: 6 }),
  keys: fc.integer({ min: 1, max: 3 }),
  ops: fc.integer({ min: 0, max: 80 }),
  followers: fc.integer({ min: 1, max: 3 }),
  infoRate: fc.constantFrom(0, 0.05, 0.2),
});

export const staleModelArb = fc.record({ seed: fc.integer({ min: 0, max: 0x7fffffff }), options: staleModelOptionsArb });
