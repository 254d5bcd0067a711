// The Jepsen etcd corpus: every file imports, and the linearizable verdict of each matches the
// expected verdicts published with the data set (Porcupine's test suite lists them per file).

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../src/checkers/linearizable.js';
import { loadHistory } from '../../src/history/load.js';

const CORPUS = process.env.JEPSEN_ETCD_CORPUS ?? join(import.meta.dirname, '../../../shared/corpora/jepsen-etcd');
/** The files whose histories are linearizable; every other file is not (etcd_095 does not exist). */
const LINEARIZABLE = new Set([2, 5, 7, 18, 25, 31, 38, 45, 48, 49, 51, 53, 56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102]);

describe('linearizable on the Jepsen etcd corpus', () => {
  it('has the corpus beside the repository (../shared/corpora/jepsen-etcd)', () => {
    expect(existsSync(CORPUS)).toBe(true);
  });

  const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => /^etcd_\d{3}\.log$/.test(f)).sort() : [];

  it('has the 102 files', () => {
    expect(files).toHaveLength(102);
  });

  it('gives every file its expected verdict', () => {
    const wrong: string[] = [];
    for (const f of files) {
      const n = Number(f.slice(5, 8));
      const r = checkLinearizable(loadHistory(join(CORPUS, f)), { timeLimitMs: 30_000 });
      if (r.valid !== LINEARIZABLE.has(n)) wrong.push(`${f}: got ${String(r.valid)}, expected ${LINEARIZABLE.has(n)}`);
      if (r.valid === false) {
        const a = r.anomalies[0];
        expect(a.ops.length).toBeGreaterThan(0);
        expect(a.key).toBe('r');
      }
    }
    expect(wrong).toEqual([]);
  });
});
