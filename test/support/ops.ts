// Test helper: writes a history as a list of operations (invoke time, completion time, result)
// and turns it into ordered, indexed events and a validated History.

import { historyFromEvents } from '../../src/history/builder.js';
import type { CompletionType, History, HistoryEvent } from '../../src/history/types.js';

export interface OpSpec {
  /** Process id; defaults to a fresh one per op. */
  p?: number;
  /** Session (defaults to the process). */
  s?: string;
  u?: string;
  f: 'append' | 'read' | 'write' | 'cas';
  k: string;
  /** append: the element; read: ignored (null on invoke). */
  v?: unknown;
  /** read: the list returned (ok). */
  r?: unknown;
  /** Invoke and completion time in milliseconds; t1 undefined = never completes. */
  t0: number;
  t1?: number;
  type?: CompletionType;
  node?: string;
  final?: boolean;
}

export const MS = 1_000_000;

/** Events of the ops, sorted by time (a completion before an invoke at the same time), indexed. */
export function eventsOf(specs: OpSpec[]): HistoryEvent[] {
  const raw: { t: number; order: number; seq: number; e: Omit<HistoryEvent, 'index'> }[] = [];
  let nextProcess = 1000;
  specs.forEach((o, i) => {
    const process = o.p ?? nextProcess++;
    const base = { process, ...(o.s !== undefined ? { session: o.s } : {}), ...(o.u !== undefined ? { user: o.u } : {}), f: o.f, key: o.k };
    const fin = o.final ? { final: true } : {};
    raw.push({ t: o.t0 * MS, order: 1, seq: i, e: { time: o.t0 * MS, ...base, type: 'invoke', value: o.f === 'read' ? null : o.v, ...fin } });
    if (o.t1 !== undefined) {
      const type = o.type ?? 'ok';
      const value = o.f === 'read' ? (type === 'ok' ? o.r : null) : o.v;
      raw.push({ t: o.t1 * MS, order: 0, seq: i, e: { time: o.t1 * MS, ...base, type, value, ...(o.node ? { node: o.node } : {}), ...fin } });
    }
  });
  raw.sort((a, b) => a.t - b.t || a.order - b.order || a.seq - b.seq);
  return raw.map((x, index) => ({ index, ...x.e }) as HistoryEvent);
}

export function historyOf(specs: OpSpec[]): History {
  return historyFromEvents(eventsOf(specs));
}

/** The history index naming spec i (its completion, or invoke when it never completed). */
export function indexOf(h: History, specs: OpSpec[], i: number): number {
  const events = eventsOf(specs);
  const o = specs[i];
  const wanted = o.t1 !== undefined ? o.t1 * MS : o.t0 * MS;
  const op = h.ops.find((x) => x.key === o.k && x.f === o.f && (o.t1 !== undefined ? x.completeTime === wanted : x.invokeTime === wanted) && x.invokeTime === o.t0 * MS);
  if (!op) throw new Error(`spec ${i} not found among ${events.length} events`);
  return op.completeIndex >= 0 ? op.completeIndex : op.invokeIndex;
}
