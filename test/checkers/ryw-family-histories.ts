// Random small list-append histories with faults, for the property tests of the read-your-writes
// family, monotonic-reads, consistent-prefix, lost-writes and convergence: a correct store (one
// list per key, stale replicas, a replicated log with restarts), then reads that drop, swap, repeat,
// cut or invent elements, appends that repeat an element, elements as strings or sparse numbers,
// ops without a user, and reads marked final.

import fc from 'fast-check';
import { historyFromEvents } from '../../src/history/builder.js';
import type { History, HistoryEvent } from '../../src/history/types.js';
import { appendModelArb, appendModelEvents, seededRandom } from '../support/append-model.js';
import { logModelArb, logReplicaEvents } from './log-replica-model.js';
import { staleModelArb, staleReplicaEvents } from './stale-replica-model.js';

export interface Faults {
  seed: number;
  /** Chance per ok read of a fault in its list. */
  rate: number;
  /** How elements are written: as they are, as strings, or spread far apart (no compact table). */
  elements: 'int' | 'string' | 'sparse' | 'mixed';
  /** Chance per event of dropping its user. */
  noUser: number;
  /** Chance per ok read of marking it final. */
  final: number;
  /** Chance per append invoke of reusing an earlier element. */
  repeat: number;
}

function faultyList(l: unknown[], rnd: () => number): unknown[] {
  const at = () => Math.floor(rnd() * l.length);
  const k = rnd();
  const out = l.slice();
  if (k < 0.3 && out.length > 0) out.splice(at(), 1);
  else if (k < 0.45 && out.length > 1) {
    const i = Math.floor(rnd() * (out.length - 1));
    [out[i], out[i + 1]] = [out[i + 1], out[i]];
  } else if (k < 0.6 && out.length > 0) out.splice(at(), 0, out[at()]);
  else if (k < 0.7) out.splice(at(), 0, 900 + Math.floor(rnd() * 3)); // an element no append wrote
  else return out.slice(0, Math.floor(rnd() * (out.length + 1)));
  return out;
}

function element(v: unknown, how: Faults['elements'], rnd: () => number): unknown {
  if (typeof v !== 'number') return v;
  if (how === 'string') return `e${v}`;
  if (how === 'sparse') return v * 100_003;
  if (how === 'mixed') return v % 3 === 0 ? `e${v}` : v % 3 === 1 ? v : rnd() < 0.5 ? v + 0.5 : v;
  return v;
}

/** Applies the faults to a correct history's events. */
export function withFaults(events: HistoryEvent[], f: Faults): HistoryEvent[] {
  const rnd = seededRandom(f.seed);
  const appended: unknown[] = [];
  const repeatOf = new Map<number, unknown>(); // process -> the element its pending append reuses
  return events.map((e0) => {
    let e: HistoryEvent = { ...e0 };
    if (e.process === 'nemesis') return e;
    if (e.f === 'append' && e.type === 'invoke' && appended.length > 0 && rnd() < f.repeat) repeatOf.set(e.process, appended[Math.floor(rnd() * appended.length)]);
    if (e.f === 'append' && e.value !== null) {
      const reused = repeatOf.get(e.process);
      if (reused !== undefined) e.value = reused;
      if (e.type !== 'invoke') repeatOf.delete(e.process);
      else appended.push(e.value);
    }
    if (e.f === 'read' && e.type === 'ok' && Array.isArray(e.value) && rnd() < f.rate) e.value = faultyList(e.value, rnd);
    if (e.f === 'read' && e.type === 'ok' && !e.final && rnd() < f.final) e.final = true;
    if (e.user !== undefined && rnd() < f.noUser) delete e.user;
    if (f.elements !== 'int') {
      if (e.f === 'append') e.value = element(e.value, f.elements, rnd);
      else if (Array.isArray(e.value)) e.value = e.value.map((v) => element(v, f.elements, rnd));
    }
    return e;
  });
}

const faultsArb: fc.Arbitrary<Faults> = fc.record({
  seed: fc.integer(),
  rate: fc.constantFrom(0, 0.05, 0.2, 0.5),
  elements: fc.constantFrom('int', 'int', 'string', 'sparse', 'mixed'),
  noUser: fc.constantFrom(0, 0, 0.3, 1),
  final: fc.constantFrom(0, 0, 0.1),
  repeat: fc.constantFrom(0, 0, 0.1),
});

/** The events of a correct store (three models), before faults. */
const correct: fc.Arbitrary<HistoryEvent[]> = fc.oneof(
  appendModelArb.map(({ seed, options }) => appendModelEvents(seed, options)),
  appendModelArb.map(({ seed, options }) => appendModelEvents(seed, { ...options, ops: options.ops + 40, keys: 2 })),
  logModelArb.map(({ seed, options }) => logReplicaEvents(seed, { ...options, ops: Math.max(options.ops, 40) })),
  staleModelArb.map(({ seed, options }) => staleReplicaEvents(seed, options)),
);

export const faultyHistories: fc.Arbitrary<History> = fc.tuple(correct, faultsArb).map(([events, f]) => historyFromEvents(withFaults(events, f)));
