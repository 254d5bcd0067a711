// The matrix's staleness column, measured: trigger-based replication (a captured subset of keys
// shipped in batches) reads staler than the row log it is compared with, in the same matrix.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cellAt } from '../../src/matrix/cells.js';
import { runMatrix } from '../../src/matrix/index.js';
import { planMatrix } from '../../src/matrix/plan.js';
import { formatTerminal } from '../../src/matrix/table.js';

const out = mkdtempSync(join(tmpdir(), 'replcheck-matrix-stale-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('shows the larger staleness of the trigger log beside the row log, and none for sync replication read from the leader', async () => {
  const plan = planMatrix({ designs: ['memory', 'memory-trigger-log', 'memory-sync'], nemeses: ['none'], seeds: 2, baseSeed: 1 });
  const { matrix } = await runMatrix(plan, out, { jobs: 1 });
  const p99 = (d: string) => cellAt(matrix, d, 'none')!.stalenessP99Ms!;
  expect(p99('memory-sync')).toBe(0);
  expect(p99('memory')).toBeGreaterThan(0);
  // batches every 200 ms on top of the replication lag (5-50 ms)
  expect(p99('memory-trigger-log')).toBeGreaterThan(p99('memory') + 100);
  expect(formatTerminal(matrix)).toMatch(new RegExp(`^memory-trigger-log .* ${Math.round(p99('memory-trigger-log'))} ms$`, 'm'));
}, 60_000);
