// Fuzzing `replcheck check`'s in-process path (checkOne: load, check, write the run directory) with
// mutated valid histories of every format: byte flips, truncation, duplicated, dropped and
// inserted garbage lines. Every answer is an exit code of SPEC section 2 with at most one line
// of message: never a thrown bug, a crashed checker or an unbounded wait (the harness's timeout).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOne } from '../../src/cli/check.js';
import { mutate, mutatedHistory, SEEDS } from './mutations.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

describe('mutated histories', () => {
  it('always answer 0, 1, 2 or 3, with one line of message and no crash', { timeout: 45_000 }, async () => {
    let n = 0;
    const codes = new Set<number>();
    await fc.assert(
      fc.asyncProperty(mutatedHistory, async ([seed, ms]) => {
        const [ext, bytes] = SEEDS[seed];
        const file = join(dir, `m${n++}${ext}`);
        writeFileSync(file, mutate(bytes, ms));
        // Anything but a UserError escapes checkOne: that is a bug, and fails the property.
        const r = await checkOne(file, join(dir, 'out'), { html: false, timeLimit: '5' });
        codes.add(r.code);
        expect([0, 1, 2, 3]).toContain(r.code);
        if (r.code === 2) {
          expect(r.error).toBeDefined();
          expect(r.error).not.toMatch(/\n|internal error|Maximum call stack/);
          expect(r.error!.startsWith(file)).toBe(true);
        } else {
          for (const [name, c] of Object.entries(r.results!.checkers)) expect({ name, crashed: 'stack' in c ? c.error : undefined }).toEqual({ name, crashed: undefined });
        }
      }),
      { numRuns: RUNS },
    );
    // The mutations reach both bad input and checked histories.
    expect(codes.has(2)).toBe(true);
    expect([...codes].some((c) => c !== 2)).toBe(true);
  });
});
