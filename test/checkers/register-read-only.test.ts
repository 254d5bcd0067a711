// A register history that only reads (Jepsen histories where every op is a read are valid input):
// JSONL and EDN alike are register histories, checked linearizable; read-only lists stay append.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linearizable } from '../../src/checkers/linearizable.js';
import { selectCheckers } from '../../src/checkers/registry.js';
import type { CheckResult } from '../../src/checkers/types.js';
import { UserError } from '../../src/errors.js';
import { historyFromEvents } from '../../src/history/builder.js';
import { loadHistory } from '../../src/history/load.js';
import { eventsOf, type OpSpec } from '../support/ops.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-readonly-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const reads = (values: unknown[]): OpSpec[] => values.map((r, i) => ({ p: i, f: 'read', k: 'r', r, t0: 10 * i, t1: 10 * i + 5 }));

describe('a history that only reads', () => {
  it('whose reads return no lists is a register history, and linearizable when they read the initial null', async () => {
    const h = historyFromEvents(eventsOf(reads([null, null, null])));
    expect(h.workload).toBe('register');
    expect(selectCheckers(undefined, h.workload).map((c) => c.name)).toEqual(['linearizable']);
    const r = (await linearizable.check(h)) as CheckResult;
    expect([r.valid, r.count]).toEqual([true, 0]);
  });

  it('is not linearizable when a read returns a value nothing wrote, naming that read', async () => {
    const h = historyFromEvents(eventsOf(reads([null, 5])));
    expect(h.workload).toBe('register');
    const r = (await linearizable.check(h)) as CheckResult;
    expect(r.valid).toBe(false);
    expect(r.anomalies[0].ops).toContain(3); // the ok read of 5: events 0-1 are the first read, 2-3 the second
  });

  it('whose reads return lists stays an append history; lists mixed with other values keep the append error', () => {
    expect(historyFromEvents(eventsOf(reads([[], [1]]))).workload).toBe('append');
    expect(() => historyFromEvents(eventsOf(reads([[1], 5])))).toThrow(/an ok read of the append workload must return a list, got 5/);
    expect(() => historyFromEvents(eventsOf(reads([[1], 5])))).toThrow(UserError);
  });

  it('from Jepsen EDN is a register history, checked linearizable', async () => {
    const path = join(dir, 'reads.edn');
    writeFileSync(
      path,
      '[{:type :invoke, :f :read, :process 0, :value nil, :time 10}\n {:type :ok, :f :read, :process 0, :value nil, :time 20}\n' +
        ' {:type :invoke, :f :read, :process 1, :value nil, :time 30}\n {:type :ok, :f :read, :process 1, :value 3, :time 40}]\n',
    );
    const h = loadHistory(path);
    expect([h.workload, h.ops.length]).toEqual(['register', 2]);
    const r = (await linearizable.check(h)) as CheckResult;
    expect(r.valid).toBe(false); // 3 was never written
    const ok = join(dir, 'nil-reads.edn');
    writeFileSync(ok, '{:type :invoke, :f :read, :process 0, :value nil}\n{:type :ok, :f :read, :process 0, :value nil}\n');
    expect(((await linearizable.check(loadHistory(ok))) as CheckResult).valid).toBe(true);
  });
});
