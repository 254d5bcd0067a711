// The linearizable checker's worker threads across keys (linear/key-pool.ts, key-worker.ts). Worker
// threads run the compiled worker, so these tests drive the compiled checker (dist/, which
// `npm test` builds first): the same verdicts as in one thread, a violation found in a worker
// explained here, the deadline kept, and no thread or port left behind.

import { describe, expect, it } from 'vitest';
import type { checkLinearizable as CheckLinearizable } from '../../src/checkers/linearizable.js';
import type { KeyPool as KeyPoolType } from '../../src/checkers/linear/key-pool.js';
import type { newJob as NewJob } from '../../src/checkers/linear/jobs.js';
import type { keyProblems as KeyProblems } from '../../src/checkers/linear/model.js';
import type { hardEvents as HardEvents } from '../../src/checkers/linear/generate.js';
import type { historyFromEvents as HistoryFromEvents } from '../../src/history/builder.js';
import type { History, HistoryEvent } from '../../src/history/types.js';

const dist = (path: string) => import(new URL(`../../dist/${path}`, import.meta.url).href);
const { checkLinearizable } = (await dist('checkers/linearizable.js')) as { checkLinearizable: typeof CheckLinearizable };
const { KeyPool } = (await dist('checkers/linear/key-pool.js')) as { KeyPool: typeof KeyPoolType };
const { newJob } = (await dist('checkers/linear/jobs.js')) as { newJob: typeof NewJob };
const { keyProblems } = (await dist('checkers/linear/model.js')) as { keyProblems: typeof KeyProblems };
const { hardEvents } = (await dist('checkers/linear/generate.js')) as { hardEvents: typeof HardEvents };
const { historyFromEvents } = (await dist('history/builder.js')) as { historyFromEvents: typeof HistoryFromEvents };

type Event = Omit<HistoryEvent, 'index' | 'time'>;

/**
 * After a hard prefix (values 1..5), three long writes (7, 7, 8) and reads one after another
 * returning 7 8 7 8 7: no order explains it (8 is written once), and no refutation without a search
 * sees it (every read of 7 has two writes to come from, the reads of 8 are pinned to one write but
 * ordered both ways with nothing else), so only the search finds it, well after the key's first turn.
 */
function searchOnlyTail(): Event[] {
  const out: Event[] = [];
  const op = (process: number, f: 'read' | 'write', value: unknown, type: 'invoke' | 'ok') => out.push({ process, type, f, key: 'x', value });
  op(900, 'write', 7, 'invoke');
  op(901, 'write', 7, 'invoke');
  op(902, 'write', 8, 'invoke');
  [7, 8, 7, 8, 7].forEach((v, i) => (op(910 + i, 'read', null, 'invoke'), op(910 + i, 'read', v, 'ok')));
  op(900, 'write', 7, 'ok');
  op(901, 'write', 7, 'ok');
  op(902, 'write', 8, 'ok');
  return out;
}

/** Hard one-key histories (generate.ts) one after another, key x<i> and processes of their own each (`tail`: searchOnlyTail after it). */
function keys(specs: { seed: number; bad?: boolean; tail?: boolean }[]): History {
  const events: HistoryEvent[] = [];
  let t0 = 0;
  specs.forEach((s, k) => {
    const own = [...hardEvents({ seed: s.seed, ops: 5000, bad: s.bad }), ...(s.tail ? searchOnlyTail() : [])];
    own.forEach((e, i) => {
      events.push({ ...e, index: events.length, time: t0 + i * 1000, key: `x${k}`, process: typeof e.process === 'number' ? e.process + k * 100_000 : e.process });
    });
    t0 += own.length * 1000 + 1;
  });
  return historyFromEvents(events);
}

/** Resolves once no worker thread or message port of this process is left (or fails after 3 s). */
async function noThreadsLeft(): Promise<void> {
  const left = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker');
  for (let i = 0; i < 60 && left().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(left()).toEqual([]);
}

const verdicts = (r: ReturnType<typeof CheckLinearizable>) => Object.fromEntries(Object.entries(r.keys as Record<string, { valid: unknown }>).map(([k, v]) => [k, v.valid]));

describe('the linearizable checker across threads', () => {
  it('decides every key as one thread does, with the keys dealt to a worker', async () => {
    const h = keys([{ seed: 2 }, { seed: 3 }, { seed: 2 }, { seed: 3 }, { seed: 2 }, { seed: 3 }]);
    const one = checkLinearizable(h, { threads: 1 });
    const two = checkLinearizable(h, { threads: 2, threadsAfterMs: 0 });
    expect(one.threads).toBeUndefined();
    expect(two.threads).toBe(2);
    expect(two.valid).toBe(true);
    expect(verdicts(two)).toEqual(verdicts(one));
    expect(Object.keys(verdicts(two))).toHaveLength(6);
    // a key dealt to the worker went on there from where this thread left it: the search is the
    // same, step for step, as in one thread (restarted, its first turn's 10,000 steps came twice)
    const steps = (r: typeof one) => Object.fromEntries(Object.entries(r.keys as Record<string, { steps: number }>).map(([k, s]) => [k, s.steps]));
    expect(steps(two)).toEqual(steps(one));
    await noThreadsLeft();
  });

  it('keeps the deadline: every key still running ends unknown with the time reason', async () => {
    const h = keys([{ seed: 1 }, { seed: 1 }, { seed: 1 }, { seed: 1 }]);
    const t0 = performance.now();
    // (the limit leaves the first round, which deals the keys out only once all four had a turn,
    // time to end on a loaded machine: at 300 ms it once ran out before any key was dealt)
    const r = checkLinearizable(h, { threads: 2, threadsAfterMs: 0, timeLimitMs: 1000 });
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(r.threads).toBe(2);
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/^4 key\(s\) not decided .*time limit of 1\.000 s reached/);
    await noThreadsLeft();
  });

  it("stops at a violation a worker's search finds, and explains it as one thread does", async () => {
    const h = keys([{ seed: 2 }, { seed: 3, tail: true }, { seed: 2 }]);
    const one = checkLinearizable(h, { threads: 1 });
    const two = checkLinearizable(h, { threads: 2, threadsAfterMs: 0 });
    expect(one.valid).toBe(false);
    expect(two.valid).toBe(false);
    expect(two.threads).toBe(2);
    // x1 went to the worker (the keys are dealt in order after the first round: here, there, here)
    const stats = two.keys as Record<string, { valid: unknown; steps: number }>;
    expect(stats.x1.valid).toBe(false);
    expect(stats.x1.steps).toBeGreaterThan(10_000); // decided by the search, past the first turn
    expect(two.anomalies[0].key).toBe('x1');
    expect(two.anomalies[0].op).toBe(one.anomalies[0].op);
    expect(two.anomalies[0].ops).toEqual(one.anomalies[0].ops);
    expect(two.anomalies[0].explanation).toBe(one.anomalies[0].explanation);
    await noThreadsLeft();
  });

  it('takes a refuted key from a worker: its verdict and the op to explain it', async () => {
    // a stale read the refutations find at the key's first turn, there
    const h = keys([{ seed: 2, bad: true }]);
    const jobs = keyProblems(h).problems.map(newJob);
    const pool = new KeyPool(1, jobs);
    try {
      pool.send(0, jobs, 1e6, performance.now() + 10_000);
      const found = pool.wait(performance.now() + 10_000);
      expect(found).toBe(jobs[0]);
      expect(jobs[0].verdict).toBe(false);
      expect(jobs[0].unwritten).toBeDefined();
      expect(jobs[0].problem.ops[jobs[0].unwritten!].f).toBe('read');
      // the checker in this thread gives the same anomaly
      const here = checkLinearizable(h, { threads: 1 });
      expect(here.anomalies[0].op).toBe(jobs[0].problem.ops[jobs[0].unwritten!].completeIndex);
    } finally {
      pool.close();
    }
    await noThreadsLeft();
  });

  it('ends a worker in the middle of a long search when closed (its key stays undecided)', async () => {
    const h = keys([{ seed: 1 }]);
    const jobs = keyProblems(h).problems.map(newJob);
    const pool = new KeyPool(1, jobs);
    pool.send(0, jobs, 1e7, performance.now() + 60_000);
    await new Promise((r) => setTimeout(r, 300)); // the worker is searching (1.5 s of work)
    pool.close();
    expect(jobs[0].verdict).toBeUndefined();
    await noThreadsLeft();
  });
});
