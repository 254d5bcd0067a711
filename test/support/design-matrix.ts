// What the design-matrix tests share: each design runs on the memory target in-process through the
// runner with each seed, and the checkers' verdicts must be the ones the design implies. Run
// directories go to a temp dir removed after the file's tests.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkerNames } from '../../src/checkers/registry.js';
import { loadRunConfig, type ConfigFlags } from '../../src/config/load.js';
import { runTest } from '../../src/runner/run.js';

export interface Design {
  name: string;
  flags: ConfigFlags;
  /** checker -> expected verdict (true: the guarantee held, false: anomalies found) */
  expect: Record<string, boolean>;
}

/** A temp dir for run directories, removed after the calling file's tests. */
export function runsDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One test per design: every seed gives exactly the expected verdict of each checker named. */
export function designMatrix(title: string, designs: Design[], dir: string, seeds = [1, 2]): void {
  const known = new Set(checkerNames());
  describe(title, () => {
    for (const d of designs) {
      it(d.name, async () => {
        expect(Object.keys(d.expect).filter((c) => !known.has(c))).toEqual([]);
        for (const seed of seeds) {
          const { config, shortName } = loadRunConfig({ ...d.flags, seed });
          const out = join(dir, `${shortName}-${d.name.replace(/\W+/g, '-').slice(0, 40)}-${seed}`);
          const r = await runTest(config, { dir: out, html: false });
          const got: Record<string, boolean | 'unknown'> = {};
          for (const c of Object.keys(d.expect)) got[c] = r.results!.checkers[c]?.valid;
          expect({ seed, verdicts: got }).toEqual({ seed, verdicts: d.expect });
        }
      });
    }
  });
}
