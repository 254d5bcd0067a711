// Random small list-append histories with faults in their reads, for the property tests of
// monotonic-writes and writes-follow-reads (session-order-reference.test.ts, order-thread.test.ts):
// correct stores (support/append-model.ts, log-replica-model.ts) whose ok reads lose, swap, repeat
// or cut elements. As events, so that a test builds them with the builder it tests (src or dist).

import fc from 'fast-check';
import type { HistoryEvent } from '../../src/history/types.js';
import { appendModelArb, appendModelEvents, seededRandom } from '../support/append-model.js';
import { logModelArb, logReplicaEvents } from './log-replica-model.js';

/** Faults in the reads: each ok read, with chance `rate`, loses, swaps, repeats or cuts elements (`cut`: only cuts, which keeps reads prefixes). */
export function faultyReads(events: HistoryEvent[], seed: number, rate: number, cut: boolean): HistoryEvent[] {
  const rnd = seededRandom(seed);
  const at = (l: unknown[]) => Math.floor(rnd() * l.length);
  return events.map((e) => {
    if (e.type !== 'ok' || e.f !== 'read' || !Array.isArray(e.value) || rnd() >= rate) return e;
    let l = e.value.slice();
    const k = cut ? 1 : rnd();
    if (k < 0.35 && l.length > 0) l.splice(at(l), 1);
    else if (k < 0.55 && l.length > 1) {
      const i = Math.floor(rnd() * (l.length - 1));
      [l[i], l[i + 1]] = [l[i + 1], l[i]];
    } else if (k < 0.7 && l.length > 0) l.splice(at(l), 0, l[at(l)]);
    else l = l.slice(0, Math.floor(rnd() * (l.length + 1)));
    return { ...e, value: l };
  });
}

/** A correct store's events and the faults to put in them (faultyReads' arguments). */
export const faultyEvents = fc
  .tuple(
    fc.oneof(
      appendModelArb.map(({ seed, options }) => appendModelEvents(seed, options)),
      logModelArb.map(({ seed, options }) => logReplicaEvents(seed, { ...options, ops: Math.max(options.ops, 40) })),
    ),
    fc.integer(),
    fc.constantFrom(0, 0.05, 0.2, 0.5),
    fc.boolean(),
  )
  .map(([events, seed, rate, cut]) => ({ events, seed, rate, cut }));
