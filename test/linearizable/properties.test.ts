// Property tests of the linearizable checker: histories of an atomic register are linearizable;
// planted stale reads, lost writes and impossible cas results are caught, the planted op named.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../src/checkers/linearizable.js';
import type { CheckResult } from '../../src/checkers/types.js';
import { opIndex, type History, type Op } from '../../src/history/types.js';
import { historyOfModel, okOps, precedes, registerModelArb, withCompletionValue, withOpValue } from './register-model.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 400);

function check(h: History): CheckResult {
  return checkLinearizable(h, { timeLimitMs: 20_000 });
}

/** The anomaly names the op (first in `ops`, or among the concurrent ops listed). */
function names(r: CheckResult, op: Op): boolean {
  const a = r.anomalies[0];
  if (!a) return false;
  const i = opIndex(op);
  return a.ops.includes(i) || (a.concurrent as number[]).includes(i);
}

describe('linearizable on histories of an atomic register', () => {
  it('finds them linearizable', () => {
    fc.assert(
      fc.property(registerModelArb, ({ seed, options }) => {
        const { history } = historyOfModel(seed, options);
        const r = check(history);
        if (r.valid !== true) throw new Error(`seed ${seed}: ${JSON.stringify(r.anomalies[0] ?? r.reason)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('the model produces concurrency, fail, info and never-completed ops', () => {
    const { history } = historyOfModel(11, { ops: 400, processes: 5, keys: 2, infoRate: 0.2, failRate: 0.1 });
    const types = new Set(history.ops.map((o) => (o.completeIndex < 0 ? 'pending' : o.type)));
    expect([...types].sort()).toEqual(['fail', 'info', 'ok', 'pending']);
    expect(new Set(history.ops.map((o) => o.f))).toEqual(new Set(['read', 'write', 'cas']));
    expect(check(history).valid).toBe(true);
  });
});

describe('linearizable catches planted anomalies', () => {
  it('a stale read: a read after two successive writes returns the first', () => {
    let planted = 0;
    fc.assert(
      fc.property(registerModelArb, ({ seed, options }) => {
        const { events, history } = historyOfModel(seed, { ...options, ops: Math.max(options.ops, 30) });
        const writes = okOps(history, 'write');
        for (const r of okOps(history, 'read')) {
          const w2 = writes.findLast((w) => w.key === r.key && precedes(w, r));
          const w1 = w2 && writes.find((w) => w.key === r.key && precedes(w, w2) && w.invokeValue !== r.value);
          if (!w1) continue;
          planted++;
          const res = check(withCompletionValue(events, r, w1.invokeValue));
          if (res.valid !== false) throw new Error(`seed ${seed}: stale read at ${opIndex(r)} not found`);
          if (!names(res, r)) throw new Error(`seed ${seed}: stale read ${opIndex(r)} not named: ${JSON.stringify(res.anomalies[0])}`);
          return;
        }
      }),
      { numRuns: RUNS },
    );
    expect(planted).toBeGreaterThan(RUNS / 4);
  });

  it('a lost write: a read after an ok write returns the value before it', () => {
    let planted = 0;
    fc.assert(
      fc.property(registerModelArb, ({ seed, options }) => {
        const { events, history } = historyOfModel(seed, { ...options, ops: Math.max(options.ops, 30) });
        const writes = okOps(history, 'write');
        for (const w of writes) {
          const r = okOps(history, 'read').find((x) => x.key === w.key && precedes(w, x) && x.value === w.invokeValue);
          const w0 = r && writes.find((x) => x.key === w.key && precedes(x, w));
          if (!r || !w0) continue;
          planted++;
          const res = check(withCompletionValue(events, r, w0.invokeValue));
          if (res.valid !== false) throw new Error(`seed ${seed}: lost write ${opIndex(w)} not found`);
          if (!names(res, r)) throw new Error(`seed ${seed}: read ${opIndex(r)} not named: ${JSON.stringify(res.anomalies[0])}`);
          return;
        }
      }),
      { numRuns: RUNS },
    );
    expect(planted).toBeGreaterThan(RUNS / 10);
  });

  it('an impossible cas: an ok cas expecting a value nobody wrote', () => {
    let planted = 0;
    fc.assert(
      fc.property(registerModelArb, ({ seed, options }) => {
        const { events, history } = historyOfModel(seed, { ...options, ops: Math.max(options.ops, 30) });
        const c = okOps(history, 'cas')[0];
        if (!c) return;
        planted++;
        const [, to] = c.invokeValue as unknown[];
        const res = check(withOpValue(events, c, [-1, to]));
        if (res.valid !== false) throw new Error(`seed ${seed}: impossible cas ${opIndex(c)} not found`);
        if (!names(res, c)) throw new Error(`seed ${seed}: cas ${opIndex(c)} not named: ${JSON.stringify(res.anomalies[0])}`);
      }),
      { numRuns: RUNS },
    );
    expect(planted).toBeGreaterThan(RUNS / 4);
  });
});
