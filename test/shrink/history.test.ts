// Property tests of the history shrinker: for histories of a correct store with a planted violation
// (and nemesis events mixed in), the shrunk history still fails the same checker, is never larger,
// holds only whole invoke/completion pairs of the input, passes the builder, and is the same every time.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lostWrites } from '../../src/checkers/lost-writes.js';
import { readYourWrites } from '../../src/checkers/read-your-writes.js';
import type { Checker } from '../../src/checkers/types.js';
import { historyFromEvents } from '../../src/history/builder.js';
import type { History, HistoryEvent, Op } from '../../src/history/types.js';
import { ddmin, Budget } from '../../src/shrink/search.js';
import { shrinkHistory } from '../../src/shrink/history.js';
import { appendModelArb, appendModelEvents } from '../support/append-model.js';

const RUNS = 40;
const SEED = 20240614;

/** Plants a read-your-writes violation: a session's later read loses its own acknowledged element. */
function plantRyw(events: HistoryEvent[], h: History): HistoryEvent[] | undefined {
  for (const a of h.ops.filter((o) => o.f === 'append' && o.type === 'ok')) {
    const r = h.ops.find((o) => o.f === 'read' && o.type === 'ok' && !o.final && o.session === a.session && o.key === a.key && a.completeTime < o.invokeTime && (o.value as unknown[]).includes(a.invokeValue));
    if (!r) continue;
    const copy = events.slice();
    copy[r.completeIndex] = { ...copy[r.completeIndex], value: (r.value as unknown[]).filter((x) => x !== a.invokeValue) };
    return copy;
  }
  return undefined;
}

/** Plants a lost write: an acknowledged element missing from every final read of its key. */
function plantLost(events: HistoryEvent[], h: History): HistoryEvent[] | undefined {
  const a = h.ops.find((o) => o.f === 'append' && o.type === 'ok');
  if (!a || !h.ops.some((o) => o.final && o.key === a.key && o.type === 'ok')) return undefined;
  return events.map((e) => (e.final && e.key === a.key && e.type === 'ok' && Array.isArray(e.value) ? { ...e, value: e.value.filter((x) => x !== a.invokeValue) } : e));
}

/** Nemesis events at a few positions (time of the event before), re-indexed. */
function withNemesis(events: HistoryEvent[], at: number[]): HistoryEvent[] {
  const out = events.slice();
  for (const p of at.map((x) => x % (out.length + 1)).sort((x, y) => y - x)) {
    const time = p > 0 ? out[p - 1].time : 0;
    out.splice(p, 0, { index: 0, time, process: 'nemesis', type: 'info', f: 'kill', value: 'n1' });
  }
  return out.map((e, i) => ({ ...e, index: i }));
}

const bare = (e: HistoryEvent): string => JSON.stringify({ ...e, index: undefined });

/** Every shrunk op is one of the input's, with its completion exactly when the input had one. */
function wholePairs(input: History, inputEvents: HistoryEvent[], shrunk: History, shrunkEvents: HistoryEvent[]): boolean {
  const byInvoke = new Map<string, Op>(input.ops.map((o) => [bare(inputEvents[o.invokeIndex]), o]));
  return shrunk.ops.every((o) => {
    const orig = byInvoke.get(bare(shrunkEvents[o.invokeIndex]));
    if (!orig) return false;
    if (orig.completeIndex < 0) return o.completeIndex < 0;
    return o.completeIndex >= 0 && bare(shrunkEvents[o.completeIndex]) === bare(inputEvents[orig.completeIndex]);
  });
}

async function property(checker: Checker, plant: typeof plantRyw): Promise<void> {
  await fc.assert(
    fc.asyncProperty(appendModelArb, fc.array(fc.nat(), { maxLength: 3 }), async ({ seed, options }, nemesisAt) => {
      const base = appendModelEvents(seed, { ...options, ops: Math.max(options.ops, 20), finalReads: true });
      const planted = plant(base, historyFromEvents(base));
      fc.pre(planted !== undefined);
      const events = withNemesis(planted!, nemesisAt);
      const h = historyFromEvents(events);
      fc.pre((await checker.check(h)).valid === false);
      const s = await shrinkHistory(h, checker, { tries: 300 }, events);
      const rebuilt = historyFromEvents(s.events); // the builder accepts it (throws otherwise)
      expect((await checker.check(rebuilt)).valid).toBe(false);
      expect(s.events.length).toBeLessThanOrEqual(events.length);
      expect(s.after.events).toBe(s.events.length);
      expect(s.events.map((e) => e.index)).toEqual(s.events.map((_, i) => i));
      expect(wholePairs(h, events, rebuilt, s.events)).toBe(true);
      const again = await shrinkHistory(h, checker, { tries: 300 }, events);
      expect(again.events).toEqual(s.events);
    }),
    { numRuns: RUNS, seed: SEED },
  );
}

describe('shrinkHistory', () => {
  it('read-your-writes: the shrunk history still fails, is never larger, whole pairs only, deterministic', async () => {
    await property(readYourWrites, plantRyw);
  });

  it('lost-writes (needs final reads): the same', async () => {
    await property(lostWrites, plantLost);
  });

  it('gets a planted read-your-writes violation down to the append and the read', async () => {
    const base = appendModelEvents(7, { ops: 200, processes: 4, failRate: 0, infoRate: 0, finalReads: true });
    const events = plantRyw(base, historyFromEvents(base))!;
    const s = await shrinkHistory(historyFromEvents(events), readYourWrites);
    expect(s.stoppedBy).toBe('minimal');
    expect(s.after.ops).toBe(2);
    expect(s.history.ops.map((o) => o.f)).toEqual(['append', 'read']);
  });

  it('throws when the checker does not fail on the input', async () => {
    const h = historyFromEvents(appendModelEvents(3, { ops: 30 }));
    await expect(shrinkHistory(h, readYourWrites)).rejects.toThrow(/does not fail/);
  });

  it('stops at --tries: never more tries than allowed', async () => {
    const base = appendModelEvents(11, { ops: 300, processes: 5, failRate: 0, infoRate: 0 });
    const events = plantRyw(base, historyFromEvents(base))!;
    const s = await shrinkHistory(historyFromEvents(events), readYourWrites, { tries: 3 });
    expect(s.tries).toBeLessThanOrEqual(3);
    expect(s.events.length).toBeLessThanOrEqual(events.length);
    expect((await readYourWrites.check(historyFromEvents(s.events))).valid).toBe(false);
  });
});

describe('ddmin', () => {
  it('finds a 1-minimal subset for a predicate needing two units', async () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const out = await ddmin(xs, async (ys) => ys.includes(17) && ys.includes(83), new Budget({ tries: 1000 }));
    expect(out).toEqual([17, 83]);
  });
});
