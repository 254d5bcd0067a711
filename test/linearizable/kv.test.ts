// The key-value model (get / put / string append) behind the Model seam: Porcupine's six kv
// histories get their verdicts, the model's rules, and the search agrees with brute force on small
// random kv histories; the register searched through the seam agrees with its integer fast path.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../src/checkers/linearizable.js';
import { kvModel, kvProblems } from '../../src/checkers/linear/kv.js';
import { keyProblems, registerModel } from '../../src/checkers/linear/model.js';
import { modelProblem, modelProblems } from '../../src/checkers/linear/problem.js';
import { KeySearch } from '../../src/checkers/linear/search.js';
import { HistoryBuilder } from '../../src/history/builder.js';
import { loadHistory } from '../../src/history/load.js';
import { opIndex, type History, type Op } from '../../src/history/types.js';
import { bruteForceOrders, opSpecShape, rawHistory } from './brute-force.js';

const CORPUS = process.env.PORCUPINE_KV_CORPUS ?? join(import.meta.dirname, '../../../shared/corpora/porcupine-kv');

describe('linearizable on Porcupine\'s kv histories', () => {
  it('has the corpus beside the repository (../shared/corpora/porcupine-kv)', () => {
    expect(existsSync(CORPUS)).toBe(true);
  });
  for (const c of ['c01', 'c10', 'c50']) {
    for (const kind of ['ok', 'bad']) {
      it(`${c}-${kind} is ${kind === 'ok' ? '' : 'not '}linearizable`, () => {
        const h = loadHistory(join(CORPUS, `${c}-${kind}.txt`)); // .txt: detected as EDN, then as kv
        expect(h.workload).toBe('kv');
        const r = checkLinearizable(h, { timeLimitMs: 60_000 });
        expect(r.valid).toBe(kind === 'ok');
        if (kind === 'bad') {
          const a = r.anomalies[0];
          expect(a.ops).toContain(a.op);
          expect(a.explanation).toMatch(/no order of the operations consistent with real time explains it/);
          expect(typeof a.valueAfterPrefix).toBe('string');
          expectWitness(h, a);
        }
      });
    }
  }
});

/**
 * The kv anomaly as the register's: the blocked get, the ops concurrent with it, the longest
 * linearizable prefix and the value it leaves; `ops` a witness (every put and append of the key,
 * and the fewest gets) that alone is not linearizable.
 */
function expectWitness(h: History, a: Record<string, unknown>): void {
  const byIndex = new Map(h.ops.map((o) => [opIndex(o), o]));
  const x = byIndex.get(a.op as number)!;
  expect(x.f).toBe('get');
  expect(a.explanation).toMatch(new RegExp(`^get of key "${a.key as string}" .* leaves "`));
  const end = (o: Op) => (o.type === 'ok' ? o.completeIndex : Number.POSITIVE_INFINITY);
  for (const i of a.concurrent as number[]) {
    const o = byIndex.get(i)!;
    expect(o.key).toBe(a.key);
    expect(o.invokeIndex < end(x) && x.invokeIndex < end(o)).toBe(true);
  }
  const prefix = a.linearizedPrefix as number[];
  expect(prefix.length).toBeGreaterThan(0);
  expect(prefix.every((i) => byIndex.get(i)!.key === a.key)).toBe(true);
  expect(a.explanation).toContain(`longest linearizable prefix (${prefix.length} ops) leaves`);
  const witness = (a.ops as number[]).map((i) => byIndex.get(i)!);
  expect(witness).toContain(x);
  const keyOps = h.ops.filter((o) => o.key === a.key && kvModel.searched(o));
  expect(witness.filter((o) => o.f !== 'get').length).toBe(keyOps.filter((o) => o.f !== 'get').length);
  expect(witness.length).toBeLessThan(keyOps.length);
  const s = new KeySearch(modelProblem(a.key as string, witness, kvModel), 1e6);
  expect(s.run(1e7)).toBe('violation');
}

const I = (f: 'get' | 'put' | 'append', value = '') => ({ f, value });
const S = (value: string) => kvModel.step(kvModel.init(), I('put', value), kvModel.output({ f: 'put' } as Op))!;

describe('the kv model', () => {
  it('starts absent, read as ""', () => {
    const s0 = kvModel.init();
    expect(kvModel.step(s0, I('get'), { value: '', hash: 0 })).toBe(s0);
    expect(kvModel.step(s0, I('get'), kvModel.output({ f: 'get', type: 'ok', value: 'x' } as Op))).toBeUndefined();
    expect(kvModel.output({ f: 'get', type: 'ok', value: null } as Op).value).toBe('');
  });
  it('append concatenates; put replaces; equal states hash alike whatever the path', () => {
    const a = kvModel.step(kvModel.step(kvModel.init(), I('append', 'x 0 y'), S(''))!, I('append', 'x 1 y'), S(''))!;
    expect(a.value).toBe('x 0 yx 1 y');
    const p = S('x 0 yx 1 y');
    expect(kvModel.equal(a, p)).toBe(true);
    expect(kvModel.hash(a)).toBe(kvModel.hash(p));
    expect(kvModel.step(a, I('put', 'z'), S(''))?.value).toBe('z');
    expect(kvModel.readOnly(I('get'))).toBe(true);
    expect(kvModel.readOnly(I('append', 'q'))).toBe(false);
  });
});

interface RawKv {
  p: number;
  f: 'get' | 'put' | 'append';
  type: 'ok' | 'info' | 'fail';
  v: number;
  gap: number;
  len: number;
}

/** A small kv history on key "k": ops from 3 processes, each op at its time, values "a", "b", ... */
function kvHistory(raw: RawKv[]): { h: History; ops: Op[] } {
  type Ev = { t: number; p: number; invoke: boolean; r: RawKv; i: number };
  const evs: Ev[] = [];
  const free = [0, 0, 0];
  raw.forEach((r, i) => {
    const t0 = free[r.p] + r.gap + i / 1000;
    const t1 = t0 + r.len;
    free[r.p] = r.type === 'info' ? Number.POSITIVE_INFINITY : t1 + 0.0001;
    if (!Number.isFinite(t0)) return;
    evs.push({ t: t0, p: r.p, invoke: true, r, i }, { t: t1, p: r.p, invoke: false, r, i });
  });
  evs.sort((a, b) => a.t - b.t);
  // Gets read what a sequential run in invoke order would give, sometimes wrong (v odd): a mix of verdicts.
  let value = '';
  const read = new Map<number, string>();
  for (const e of evs.filter((x) => x.invoke)) {
    const s = String.fromCharCode(97 + (e.r.v % 3));
    if (e.r.f === 'put') value = s;
    else if (e.r.f === 'append') value += s;
    else read.set(e.i, e.r.v % 4 === 3 ? value + 'a' : value);
  }
  const b = new HistoryBuilder(undefined, true, 'kv');
  const crashed = new Set<number>();
  let index = 0;
  for (const e of evs) {
    if (crashed.has(e.p)) continue;
    const f = e.r.f;
    const type = e.invoke ? 'invoke' : e.r.type;
    const v = f === 'get' ? (e.invoke || type !== 'ok' ? null : read.get(e.i)!) : String.fromCharCode(97 + (e.r.v % 3));
    b.add({ index, time: index, process: e.p, type, f, key: 'k', value: v }, index + 1);
    index++;
    if (!e.invoke && type === 'info') crashed.add(e.p);
  }
  const h = b.finish();
  return { h, ops: h.ops };
}

/** Every real-time order of the kv ops tried (indeterminate ones optional). */
function bruteForceKv(ops: Op[]): boolean {
  return bruteForceOrders(ops.filter((o) => kvModel.searched(o)), '', (state, o) => {
    if (o.f === 'get') return (o.value ?? '') === state ? state : undefined;
    return o.f === 'put' ? (o.invokeValue as string) : state + (o.invokeValue as string);
  });
}

const rawKvOf = (fs: RawKv['f'][]) => fc.record({
  p: fc.integer({ min: 0, max: 2 }),
  f: fc.constantFrom(...fs),
  type: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'info', 'fail') as fc.Arbitrary<RawKv['type']>,
  v: fc.integer({ min: 0, max: 11 }),
  gap: fc.integer({ min: 0, max: 4 }),
  len: fc.integer({ min: 1, max: 8 }),
});
const rawKv = rawKvOf(['get', 'get', 'put', 'append', 'append']);

describe('the kv search against brute force', () => {
  it('agrees on small random kv histories', () => {
    let invalid = 0;
    fc.assert(
      fc.property(fc.array(rawKv, { minLength: 1, maxLength: 9 }), (raw) => {
        const { h, ops } = kvHistory(raw);
        if (ops.length === 0) return;
        const want = bruteForceKv(ops);
        if (!want) invalid++;
        expect(checkLinearizable(h).valid).toBe(want);
      }),
      { numRuns: 400 },
    );
    expect(invalid).toBeGreaterThan(10); // both verdicts were exercised
  });

  it('agrees without puts (where the search prunes values no get can still see)', () => {
    fc.assert(
      fc.property(fc.array(rawKvOf(['get', 'get', 'append']), { minLength: 1, maxLength: 10 }), (raw) => {
        const { h, ops } = kvHistory(raw);
        if (ops.length === 0) return;
        expect(checkLinearizable(h).valid).toBe(bruteForceKv(ops));
      }),
      { numRuns: 400 },
    );
  });
});

describe('the register through the Model seam', () => {
  it('gives the verdict of the integer-coded fast path on random register histories', () => {
    const verdict = (problems: ReturnType<typeof keyProblems>['problems']) =>
      problems.every((p) => {
        const s = new KeySearch(p, 1e6);
        return s.run(1e7) === 'linearizable';
      });
    fc.assert(
      fc.property(fc.array(fc.record({ ...opSpecShape, v: fc.option(fc.integer({ min: 1, max: 4 })), v2: fc.option(fc.integer({ min: 1, max: 4 })) }), { minLength: 1, maxLength: 10 }), (raw) => {
        const h = rawHistory(raw);
        expect(verdict(modelProblems(h.ops, registerModel).problems)).toBe(verdict(keyProblems(h).problems));
      }),
      { numRuns: 300 },
    );
  });
});

describe('kv histories and the other checkers', () => {
  it('are kv problems keyed per key', () => {
    const { h } = kvHistory([{ p: 0, f: 'append', type: 'ok', v: 0, gap: 0, len: 1 }]);
    expect(kvProblems(h).problems.map((p) => p.key)).toEqual(['k']);
  });
});
