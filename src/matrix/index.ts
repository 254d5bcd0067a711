// The matrix engine end to end: plan (validated), run every design × schedule × seed, aggregate,
// and write matrix.json, matrix.md and index.html next to the runs/ directory.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir } from '../report/rundir.js';
import { buildMatrix, type Matrix } from './cells.js';
import { executeMatrix, type ExecuteOptions } from './execute.js';
import { matrixHtml } from './html.js';
import type { MatrixPlan } from './plan.js';
import { formatMarkdown } from './table.js';

export { buildMatrix, cellAt, matrixTotals, type Matrix } from './cells.js';
export { DEFAULT_BASE_SEED, DEFAULT_SEEDS, defaultDesignRows, knownDesigns, knownNemeses, MAX_SEEDS, parseDesignList, parseNameList, planMatrix, type MatrixOptions, type MatrixPlan } from './plan.js';
export { formatMarkdown, formatTerminal, runsLine } from './table.js';

export interface MatrixFiles {
  json: string;
  markdown: string;
  html: string;
}

export function writeMatrixFiles(out: string, m: Matrix): MatrixFiles {
  ensureDir(out);
  const files = { json: join(out, 'matrix.json'), markdown: join(out, 'matrix.md'), html: join(out, 'index.html') };
  writeFileSync(files.json, JSON.stringify(m, null, 2) + '\n');
  writeFileSync(files.markdown, formatMarkdown(m));
  writeFileSync(files.html, matrixHtml(m));
  return files;
}

/**
 * What a run directory loses when it is no cell's smallest failing run (the history is most of the
 * matrix's disk use); it keeps config.yaml and results.json, enough to repeat it and read its verdict.
 */
const PRUNABLE = ['history.jsonl', 'index.html', 'junit.xml', 'metrics.json'];

/** Leaves whole only the run directories some cell links to as its smallest failing run (`replcheck run --config` repeats any other). */
function pruneRuns(out: string, m: Matrix): void {
  const linked = new Set<string>();
  for (const c of m.cells) for (const k of Object.values(c.checkers)) if (k.smallestFailingRun !== undefined) linked.add(k.smallestFailingRun);
  for (const c of m.cells) {
    for (const r of c.runs) {
      r.whole = linked.has(r.dir);
      if (!r.whole) for (const f of PRUNABLE) rmSync(join(out, r.dir, f), { force: true });
    }
  }
}

export interface RunMatrixOptions extends ExecuteOptions {
  /** Keep every run directory whole (`--keep-runs`); by default only the linked ones keep more than config.yaml and results.json. */
  keepRuns?: boolean;
}

/** Runs a validated plan into `out` (runs under out/runs/) and writes the matrix files. */
export async function runMatrix(plan: MatrixPlan, out: string, opts: RunMatrixOptions = {}): Promise<{ matrix: Matrix; files: MatrixFiles }> {
  ensureDir(join(out, 'runs'));
  const summaries = await executeMatrix(plan, out, opts);
  const matrix = buildMatrix(plan, summaries);
  if (opts.keepRuns !== true) pruneRuns(out, matrix);
  else for (const c of matrix.cells) for (const r of c.runs) r.whole = true;
  return { matrix, files: writeMatrixFiles(out, matrix) };
}
