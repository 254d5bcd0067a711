// The cross-key rule's summary (src/checkers/append/node-summary.ts) decides a stretch only when the
// full walk would find nothing there: with and without it, checkNodeOrder reports the same findings
// in the same order, on random faulty histories (dropped, swapped, repeated elements; nemesis events
// that cut stretches). And every deps entry carries its element's position (deps.ts).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Budget } from '../../src/checkers/budget.js';
import { bySessionAcrossKeys, readDeps, writeDeps, type Deps } from '../../src/checkers/append/deps.js';
import { appendIndex, type AppendIndex } from '../../src/checkers/append/index.js';
import { checkNodeOrder } from '../../src/checkers/append/node-order.js';
import { historyFromEvents } from '../../src/history/builder.js';
import type { History, HistoryEvent } from '../../src/history/types.js';
import { appendModelArb, appendModelEvents, seededRandom } from '../support/append-model.js';
import { logModelArb, logReplicaEvents } from './log-replica-model.js';
import { faultyHistories } from './ryw-family-histories.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

/** Drops one element from some ok reads, and puts nemesis events (naming no node, or one) at random times. */
function withDrops(events: HistoryEvent[], seed: number, rate: number, walls: number): HistoryEvent[] {
  const rnd = seededRandom(seed);
  const out = events.map((e) => {
    if (e.type !== 'ok' || e.f !== 'read' || !Array.isArray(e.value) || e.value.length === 0 || rnd() >= rate) return e;
    const l = e.value.slice();
    l.splice(Math.floor(rnd() * l.length), 1);
    return { ...e, value: l };
  });
  const end = Math.max(0, ...events.map((e) => e.time));
  for (let i = 0; i < walls; i++) {
    const t = Math.floor(rnd() * end);
    const value = rnd() < 0.5 ? null : { node: `n${1 + Math.floor(rnd() * 3)}` };
    const at = out.findIndex((e) => e.time > t);
    out.splice(at < 0 ? out.length : at, 0, { index: -1, time: t, process: 'nemesis', type: 'info', f: value === null ? 'partition' : 'restart', value });
  }
  return out.map((e, index) => ({ ...e, index })); // (numbered again, in order)
}

const dropped: fc.Arbitrary<History> = fc
  .tuple(
    fc.oneof(
      logModelArb.map(({ seed, options }) => logReplicaEvents(seed, { ...options, ops: 100 + options.ops * 4, keys: Math.max(2, options.keys * 2) })),
      appendModelArb.map(({ seed, options }) => appendModelEvents(seed, { ...options, ops: 100 + options.ops * 4, keys: 2 + options.keys })),
    ),
    fc.integer(),
    fc.constantFrom(0, 0.02, 0.1, 0.3),
    fc.integer({ min: 0, max: 3 }),
  )
  .map(([events, seed, rate, walls]) => historyFromEvents(withDrops(events, seed, rate, walls)));

function findings(ix: AppendIndex, deps: Deps, summarise: boolean): number[][] {
  const out: number[][] = [];
  checkNodeOrder(ix, deps, new Budget(), (...f) => out.push(f), summarise);
  return out;
}

function crossKeyDeps(ix: AppendIndex): Deps[] {
  const g = bySessionAcrossKeys(ix);
  return [writeDeps(ix, g), readDeps(ix, g, true)];
}

describe('the cross-key summary', () => {
  it('leaves the findings as the full walk has them', () => {
    let found = 0;
    fc.assert(
      fc.property(fc.oneof(dropped, faultyHistories), (h) => {
        const ix = appendIndex(h);
        for (const deps of crossKeyDeps(ix)) {
          const full = findings(ix, deps, false);
          found += full.length;
          expect(findings(ix, deps, true)).toEqual(full);
        }
      }),
      { numRuns: RUNS, seed: 29 },
    );
    expect(found).toBeGreaterThan(20);
  });

  it("gives every deps entry its element's position in its key's longest read", () => {
    fc.assert(
      fc.property(fc.oneof(dropped, faultyHistories), (h) => {
        const ix = appendIndex(h);
        for (const deps of [...crossKeyDeps(ix), writeDeps(ix, ix.bySession), readDeps(ix, ix.bySession)]) {
          expect(Array.from(deps.pos)).toEqual(Array.from(deps.elems, (e) => ix.elemPos[e]));
        }
      }),
      { numRuns: RUNS, seed: 31 },
    );
  });
});
