// Turns a History back into its events, in index order (for writing imported histories as JSONL).

import type { History, HistoryEvent, Op } from './types.js';

function invokeEvent(op: Op): HistoryEvent {
  const e: HistoryEvent = { index: op.invokeIndex, time: op.invokeTime, process: op.process, session: op.session, type: 'invoke', f: op.f, key: op.key, value: op.invokeValue };
  if (op.user !== undefined) e.user = op.user;
  if (op.final) e.final = true;
  return e;
}

function completionEvent(op: Op): HistoryEvent {
  const e: HistoryEvent = { index: op.completeIndex, time: op.completeTime, process: op.process, session: op.session, type: op.type, f: op.f, key: op.key, value: op.value };
  if (op.user !== undefined) e.user = op.user;
  if (op.node !== undefined) e.node = op.node;
  if (op.final) e.final = true;
  if (op.error !== undefined) e.error = op.error;
  if (op.served !== undefined) e.served = op.served;
  return e;
}

/** All events of a history sorted by index. */
export function historyEvents(h: History): HistoryEvent[] {
  const out: HistoryEvent[] = new Array(h.eventCount);
  for (const op of h.ops) {
    out[op.invokeIndex] = invokeEvent(op);
    if (op.completeIndex >= 0) out[op.completeIndex] = completionEvent(op);
  }
  for (const n of h.nemesis) out[n.index] = n;
  return out.filter((e) => e !== undefined);
}
