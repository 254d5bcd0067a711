// A correct, linearizable list-append store as a history generator, for property tests: random
// concurrency, sessions, users, fail and info completions, final reads from several nodes.
// `appendModelEvents(seed)` is deterministic; `appendModelArb` wraps it for fast-check.

import fc from 'fast-check';
import type { HistoryEvent } from '../../src/history/types.js';

export interface AppendModelOptions {
  /** Concurrent client slots. */
  processes: number;
  keys: number;
  /** Users the sessions belong to (sessions share users round-robin). */
  users: number;
  /** Client operations in total (final reads not included). */
  ops: number;
  /** Chance that an op completes fail / info. */
  failRate: number;
  infoRate: number;
  /** Whether the history ends with final reads (one per node and key). */
  finalReads: boolean;
  nodes: number;
}

export const DEFAULT_MODEL: AppendModelOptions = {
  processes: 4,
  keys: 3,
  users: 2,
  ops: 40,
  failRate: 0.05,
  infoRate: 0.05,
  finalReads: true,
  nodes: 3,
};

/** mulberry32: a tiny seeded generator (tests only). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PlannedOp {
  process: number;
  session: string;
  user: string;
  f: 'append' | 'read';
  key: string;
  element: number | null;
  invokeNs: number;
  completeNs: number | undefined; // undefined: an info op that never completes
  linNs: number;
  tie: number;
  outcome: 'ok' | 'fail' | 'info';
  applies: boolean;
  node: string;
  result?: number[];
}

/**
 * Plans every op's times first, then applies the applied ones at their linearization point (strictly
 * between invoke and completion) to one list per key, so every read sees a state the store had.
 */
export function appendModelEvents(seed: number, options: Partial<AppendModelOptions> = {}): HistoryEvent[] {
  const o = { ...DEFAULT_MODEL, ...options };
  const rnd = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const keys = Array.from({ length: o.keys }, (_, i) => `k${i}`);
  const nodes = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
  const planned: PlannedOp[] = [];
  const slotTime = new Array<number>(o.processes).fill(0);
  const slotProcess = Array.from({ length: o.processes }, (_, i) => i);
  let nextProcess = o.processes;
  let nextElement = 1;
  for (let i = 0; i < o.ops; i++) {
    const slot = int(0, o.processes - 1);
    const invokeNs = slotTime[slot] + int(0, 3) * 1000;
    const durationNs = int(1, 6) * 1000 + int(0, 1); // odd durations make ties with other ops rare but possible
    const f = rnd() < 0.5 ? 'append' : 'read';
    const r = rnd();
    const outcome = r < o.failRate ? 'fail' : r < o.failRate + o.infoRate ? 'info' : 'ok';
    const neverCompletes = outcome === 'info' && rnd() < 0.3;
    const completeNs = neverCompletes ? undefined : invokeNs + durationNs;
    const linNs = invokeNs + 0.5 + rnd() * (durationNs - 1);
    planned.push({
      process: slotProcess[slot],
      session: `s${slot}`,
      user: `u${slot % o.users}`,
      f,
      key: keys[int(0, keys.length - 1)],
      element: f === 'append' ? nextElement++ : null,
      invokeNs,
      completeNs,
      linNs,
      tie: rnd(),
      outcome,
      // ok applied; fail did not; info may or may not have (both are modelled).
      applies: outcome === 'ok' || (outcome === 'info' && rnd() < 0.5),
      node: nodes[int(0, nodes.length - 1)],
    });
    slotTime[slot] = completeNs ?? invokeNs + durationNs;
    if (outcome === 'info') slotProcess[slot] = nextProcess++; // after info the client is a new process
  }
  const state = new Map<string, number[]>(keys.map((k) => [k, []]));
  const byLin = planned.filter((p) => p.applies).sort((a, b) => a.linNs - b.linNs || a.tie - b.tie);
  for (const p of byLin) {
    const list = state.get(p.key)!;
    if (p.f === 'append') list.push(p.element!);
    else p.result = list.slice();
  }
  const raw: { t: number; order: number; seq: number; e: Omit<HistoryEvent, 'index'> }[] = [];
  const push = (t: number, order: number, e: Omit<HistoryEvent, 'index'>) => raw.push({ t, order, seq: raw.length, e });
  let endNs = 0;
  for (const p of planned) {
    const base = { process: p.process, session: p.session, user: p.user, f: p.f, key: p.key };
    push(p.invokeNs, 1, { time: p.invokeNs, ...base, type: 'invoke', value: p.element });
    endNs = Math.max(endNs, p.invokeNs);
    if (p.completeNs === undefined) continue;
    const value = p.f === 'append' ? p.element : p.outcome === 'ok' ? p.result : null;
    const extra = p.outcome === 'ok' ? { node: p.node } : { error: p.outcome === 'fail' ? 'rejected' : 'timeout' };
    push(p.completeNs, 0, { time: p.completeNs, ...base, type: p.outcome, value, ...extra });
    endNs = Math.max(endNs, p.completeNs);
  }
  if (rnd() < 0.5) push(endNs, 2, { time: endNs, process: 'nemesis', type: 'info', f: 'heal', value: null });
  if (o.finalReads) {
    let t = endNs + 1_000_000;
    for (const key of keys) {
      for (const node of nodes) {
        const process = nextProcess++;
        const base = { process, session: `final-${node}`, f: 'read', key, final: true };
        push(t, 1, { time: t, ...base, type: 'invoke', value: null });
        push(t + 500, 0, { time: t + 500, ...base, type: 'ok', value: state.get(key)!.slice(), node });
        t += 1000;
      }
    }
  }
  raw.sort((a, b) => a.t - b.t || a.order - b.order || a.seq - b.seq);
  return raw.map((x, index) => ({ index, ...x.e }) as HistoryEvent);
}

export const appendModelOptionsArb: fc.Arbitrary<AppendModelOptions> = fc.record({
  processes: fc.integer({ min: 1, max: 6 }),
  keys: fc.integer({ min: 1, max: 4 }),
  users: fc.integer({ min: 1, max: 3 }),
  ops: fc.integer({ min: 0, max: 60 }),
  failRate: fc.constantFrom(0, 0.05, 0.2),
  infoRate: fc.constantFrom(0, 0.05, 0.2),
  finalReads: fc.boolean(),
  nodes: fc.integer({ min: 1, max: 3 }),
});

/** A seed and options; the history is `appendModelEvents(seed, options)`. */
export const appendModelArb = fc.record({ seed: fc.integer({ min: 0, max: 0x7fffffff }), options: appendModelOptionsArb });
