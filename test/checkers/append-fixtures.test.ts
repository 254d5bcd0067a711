// Labelled list-append history fixtures (test/fixtures/append/*.jsonl) with the anomaly count each
// checker must report (expected.json): the tester tested on known verdicts. A dotted name
// ("lost-writes.neverRead.count") is a detail of that checker's result that must have that value.

import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectCheckers } from '../../src/checkers/registry.js';
import type { CheckResult } from '../../src/checkers/types.js';
import { readJsonlHistory } from '../../src/history/jsonl.js';

const dir = resolve(import.meta.dirname, '../fixtures/append');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Record<string, number>>;

describe('labelled append fixtures', () => {
  it('every fixture file has its expectations', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [file, counts] of Object.entries(expected)) {
    it(file, () => {
      const h = readJsonlHistory(join(dir, file));
      const found: Record<string, number> = {};
      const details = Object.keys(counts).filter((k) => k.includes('.'));
      for (const c of selectCheckers(Object.keys(counts).filter((k) => !k.includes('.')), h.workload)) {
        const r = c.check(h) as CheckResult;
        found[c.name] = r.count;
        for (const d of details.filter((x) => x.startsWith(`${c.name}.`))) {
          found[d] = d.split('.').slice(1).reduce<unknown>((v, f) => (v as Record<string, unknown> | undefined)?.[f], r) as number;
        }
        expect(r.valid).toBe(r.count === 0);
        for (const a of r.anomalies) {
          expect(a.ops.length).toBeGreaterThan(0);
          expect(a.explanation).toMatch(/\d\.\d{3} s|final reads/);
        }
      }
      expect(found).toEqual(counts);
    });
  }
});
