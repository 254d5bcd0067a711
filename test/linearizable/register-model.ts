// Test helper: histories of an atomic (linearizable) register store with random concurrency, fail
// and info ops, plus mutations that plant stale reads, lost writes and impossible cas results.

import fc from 'fast-check';
import { mulberry32 } from '../../src/checkers/linear/generate.js';
import { historyFromEvents } from '../../src/history/builder.js';
import type { History, HistoryEvent, Op } from '../../src/history/types.js';

export interface RegisterModelOptions {
  ops: number;
  processes: number;
  keys: number;
  /** Chance an op ends indeterminate (info, or never completed at the end). */
  infoRate: number;
  /** Chance a not-yet-applied op fails instead. */
  failRate: number;
}

interface Pending {
  process: number;
  key: string;
  f: 'read' | 'write' | 'cas';
  value: unknown;
  applied: boolean;
  /** Result when applied: read value, or whether the cas matched. */
  result?: unknown;
  casOk?: boolean;
}

/**
 * Events of a run against an atomic register: each op is invoked, later applied atomically (its
 * linearization point), later completed. Writes and cas targets are unique per key.
 */
export function registerModelEvents(seed: number, o: RegisterModelOptions): HistoryEvent[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const keys = Array.from({ length: o.keys }, (_, i) => `k${i}`);
  const state = new Map<string, unknown>(keys.map((k) => [k, null]));
  const written = new Map<string, unknown[]>(keys.map((k) => [k, []]));
  let nextValue = 1;
  let nextProcess = o.processes;
  const idle: number[] = Array.from({ length: o.processes }, (_, i) => i);
  const pending: Pending[] = [];
  const events: HistoryEvent[] = [];
  let time = 0;
  let invoked = 0;
  const emit = (e: Omit<HistoryEvent, 'index' | 'time'>) => {
    time += 1 + Math.floor(rand() * 1000);
    events.push({ index: events.length, time, ...e });
  };
  while (invoked < o.ops || pending.length > 0) {
    const r = rand();
    if (invoked < o.ops && idle.length > 0 && (r < 0.4 || pending.length === 0)) {
      const process = idle.splice(Math.floor(rand() * idle.length), 1)[0];
      const key = pick(keys);
      // The first op is a write, so the history is recognisably a register one.
      const f = invoked === 0 ? 'write' : pick(['read', 'write', 'write', 'cas'] as const);
      let value: unknown = null;
      if (f === 'write') value = nextValue++;
      if (f === 'cas') {
        const seen = written.get(key)!;
        const from = rand() < 0.6 ? state.get(key) : seen.length > 0 ? pick(seen) : null;
        value = [from, nextValue++];
      }
      pending.push({ process, key, f, value, applied: false });
      emit({ process, type: 'invoke', f, key, value });
      invoked++;
      continue;
    }
    if (pending.length === 0) continue;
    const p = pick(pending);
    if (!p.applied && rand() < 0.6) {
      // The linearization point.
      p.applied = true;
      const cur = state.get(p.key);
      if (p.f === 'read') p.result = cur;
      else if (p.f === 'write') {
        state.set(p.key, p.value);
        written.get(p.key)!.push(p.value);
      } else {
        const [from, to] = p.value as unknown[];
        p.casOk = from === cur;
        if (p.casOk) {
          state.set(p.key, to);
          written.get(p.key)!.push(to);
        }
      }
      continue;
    }
    if (rand() < o.infoRate * 0.2) {
      // Leave it pending forever (applied or not): a crashed client, replaced by a new process.
      pending.splice(pending.indexOf(p), 1);
      idle.push(nextProcess++);
      continue;
    }
    pending.splice(pending.indexOf(p), 1);
    let type: 'ok' | 'fail' | 'info';
    if (!p.applied && rand() < o.failRate) type = 'fail';
    else if (rand() < o.infoRate) type = 'info';
    else if (!p.applied) {
      pending.push(p); // must be applied before it can complete ok
      continue;
    } else type = p.f === 'cas' && !p.casOk ? 'fail' : 'ok';
    const value = p.f === 'read' ? (type === 'ok' ? p.result : null) : p.value;
    emit({ process: p.process, type, f: p.f, key: p.key, value });
    if (type === 'info') idle.push(nextProcess++);
    else idle.push(p.process);
  }
  return events;
}

export const registerModelArb = fc.record({
  seed: fc.integer(),
  options: fc.record({
    ops: fc.integer({ min: 1, max: 120 }),
    processes: fc.integer({ min: 1, max: 6 }),
    keys: fc.integer({ min: 1, max: 3 }),
    infoRate: fc.constantFrom(0, 0.05, 0.2),
    failRate: fc.constantFrom(0, 0.1),
  }),
});

export function historyOfModel(seed: number, o: RegisterModelOptions): { events: HistoryEvent[]; history: History } {
  const events = registerModelEvents(seed, o);
  return { events, history: historyFromEvents(events) };
}

/** The history with one op's completion value replaced. */
export function withCompletionValue(events: HistoryEvent[], op: Op, value: unknown): History {
  const copy = events.slice();
  copy[op.completeIndex] = { ...copy[op.completeIndex], value };
  return historyFromEvents(copy);
}

/** The history with one op's invoke and completion values replaced. */
export function withOpValue(events: HistoryEvent[], op: Op, value: unknown): History {
  const copy = events.slice();
  copy[op.invokeIndex] = { ...copy[op.invokeIndex], value };
  if (op.completeIndex >= 0) copy[op.completeIndex] = { ...copy[op.completeIndex], value };
  return historyFromEvents(copy);
}

export const okOps = (h: History, f: string): Op[] => h.ops.filter((x) => x.type === 'ok' && x.f === f);
export const precedes = (a: Op, b: Op): boolean => a.type === 'ok' && a.completeIndex < b.invokeIndex;
