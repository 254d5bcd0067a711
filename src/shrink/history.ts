// Shrinking a stored history (any source) for one checker: ddmin over units — a client op is its
// invoke and its completion together (never half), a nemesis event is a unit of its own; final
// reads are ops like the others. The kept events are re-indexed (index = position, times kept), so
// every candidate is a valid history, and one is kept only while the checker still fails on it.

import type { CheckResult, Checker } from '../checkers/types.js';
import { HistoryBuilder } from '../history/builder.js';
import { historyEvents } from '../history/events.js';
import type { History, HistoryEvent } from '../history/types.js';
import { Budget, checkOne, ddmin, type ShrinkOptions, type StopReason } from './search.js';

export interface HistoryShrink {
  /** The smallest failing history found (the input itself when nothing smaller fails). */
  history: History;
  /** Its events, index = position. */
  events: HistoryEvent[];
  /** The checker's result on it. */
  result: CheckResult;
  before: { events: number; ops: number };
  after: { events: number; ops: number };
  tries: number;
  stoppedBy: StopReason;
}

/**
 * The events of a history grouped into units: each op's invoke and completion, each nemesis event.
 * `events` are the history's events by index (as stored: historyEvents(h) when none are given).
 */
export function historyUnits(h: History, events: HistoryEvent[] = historyEvents(h)): HistoryEvent[][] {
  const byIndex = new Map(events.map((e) => [e.index, e]));
  const units: { first: number; events: HistoryEvent[] }[] = [];
  for (const op of h.ops) {
    const pair = [byIndex.get(op.invokeIndex)!];
    if (op.completeIndex >= 0) pair.push(byIndex.get(op.completeIndex)!);
    units.push({ first: op.invokeIndex, events: pair });
  }
  for (const n of h.nemesis) units.push({ first: n.index, events: [byIndex.get(n.index) ?? n] });
  return units.sort((a, b) => a.first - b.first).map((u) => u.events);
}

/** The events of some units in history order, re-indexed from 0. */
export function reindexed(units: HistoryEvent[][]): HistoryEvent[] {
  return units
    .flat()
    .sort((a, b) => a.index - b.index)
    .map((e, i) => ({ ...e, index: i }));
}

/** A History from re-indexed events, with the builder's checks (kv histories keep their kind). */
export function buildHistory(events: HistoryEvent[], like: History): History {
  const b = new HistoryBuilder(like.source, true, like.workload === 'kv' ? 'kv' : undefined);
  events.forEach((e, i) => b.add(e, i + 1));
  return b.finish();
}

/** The units an anomaly names (by the history index of either event): a first guess worth one try. */
function namedUnits(units: HistoryEvent[][], result: CheckResult): HistoryEvent[][] {
  const named = new Set(result.anomalies[0]?.ops ?? []);
  return units.filter((u) => u.some((e) => named.has(e.index)));
}

/**
 * The smallest sub-history found on which `checker` still fails. `events` are the stored events
 * (kept exactly in the result, fields the History does not hold included); default historyEvents(h).
 * Throws a plain Error when the checker does not fail on the input.
 */
export async function shrinkHistory(h: History, checker: Checker, opts: ShrinkOptions = {}, events?: HistoryEvent[]): Promise<HistoryShrink> {
  const budget = new Budget(opts);
  const units = historyUnits(h, events);
  const before = { events: h.eventCount, ops: h.ops.length };
  let best: { units: HistoryEvent[][]; history: History; events: HistoryEvent[]; result: CheckResult } | undefined;

  const fails = async (xs: HistoryEvent[][]): Promise<boolean> => {
    const events = reindexed(xs);
    let candidate: History;
    try {
      candidate = buildHistory(events, h);
    } catch {
      return false;
    }
    if (candidate.ops.length === 0) return false;
    const r = await checkOne(checker, candidate);
    if (r?.valid !== false) return false;
    if (!best || events.length <= best.events.length) best = { units: xs, history: candidate, events, result: r };
    return true;
  };

  budget.spend();
  if (!(await fails(units))) throw new Error(`${checker.name} does not fail on the history to shrink`);
  const guess = namedUnits(units, best!.result);
  let start = units;
  if (guess.length > 0 && guess.length < units.length && budget.spend() && (await fails(guess))) start = guess;
  await ddmin(start, fails, budget);
  const b = best!;
  return {
    history: b.history,
    events: b.events,
    result: b.result,
    before,
    after: { events: b.events.length, ops: b.history.ops.length },
    tries: budget.used,
    stoppedBy: budget.reason,
  };
}
