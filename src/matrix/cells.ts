// The matrix as data (what matrix.json holds): per design × fault schedule, per checker, how many
// seeds held / violated / were unknown, the failure rate, and the smallest failing run directory.

import type { Verdict } from '../checkers/verdict.js';
import type { RunSummary } from './execute.js';
import type { MatrixPlan, Named } from './plan.js';

/** A cell's verdict: violated in any seed; else unknown in any; else held. */
export type CellVerdict = 'held' | 'violated' | 'unknown';

export interface CheckerCell {
  verdict: CellVerdict;
  held: number;
  violated: number;
  unknown: number;
  /** violated / runs, rounded to 3 decimals. */
  rate: number;
  /** The failing run with the fewest operations (ties: the earliest seed), relative to the matrix directory. */
  smallestFailingRun?: string;
  smallestFailingSeed?: number;
  smallestFailingOps?: number;
}

export interface MatrixRun {
  seed: number;
  dir: string;
  ops: number;
  valid: Verdict;
  /** Whether the run directory is whole (history and report); false: only config.yaml and results.json were kept. */
  whole?: boolean;
}

export interface MatrixCell {
  design: string;
  nemesis: string;
  /** Why the cell was not run, if it was not. */
  skipped?: string;
  runs: MatrixRun[];
  checkers: Record<string, CheckerCell>;
  /** The largest p99 read staleness of its runs, ms (bounded-staleness; list-append only). */
  stalenessP99Ms?: number;
}

export interface Matrix {
  format: 'replcheck-matrix/1';
  target: 'memory';
  workload: string;
  baseSeed: number;
  seeds: number[];
  /** Each run's length: virtual ms and op count (0: no limit of that kind). */
  timeLimitMs: number;
  ops: number;
  designs: Named[];
  nemeses: Named[];
  /** Every checker that ran, in the order results list them. */
  checkers: string[];
  /** One per design × schedule, designs outermost, in the order of `designs` and `nemeses`. */
  cells: MatrixCell[];
}

function checkerCell(runs: RunSummary[], checker: string): CheckerCell {
  let held = 0;
  let violated = 0;
  let unknown = 0;
  let smallest: RunSummary | undefined;
  for (const r of runs) {
    const v = r.checkers[checker]?.valid ?? 'unknown';
    if (v === true) held++;
    else if (v === 'unknown') unknown++;
    else {
      violated++;
      if (smallest === undefined || r.ops < smallest.ops) smallest = r;
    }
  }
  const verdict: CellVerdict = violated > 0 ? 'violated' : unknown > 0 ? 'unknown' : 'held';
  const rate = runs.length ? Math.round((violated / runs.length) * 1000) / 1000 : 0;
  const cell: CheckerCell = { verdict, held, violated, unknown, rate };
  if (smallest) Object.assign(cell, { smallestFailingRun: smallest.dir, smallestFailingSeed: smallest.seed, smallestFailingOps: smallest.ops });
  return cell;
}

/** The checkers of the runs, each once, in the order the runs' results list them. */
function checkersOf(summaries: RunSummary[]): string[] {
  const out: string[] = [];
  for (const s of summaries) for (const name of Object.keys(s.checkers)) if (!out.includes(name)) out.push(name);
  return out;
}

export function buildMatrix(plan: MatrixPlan, summaries: RunSummary[]): Matrix {
  const checkers = checkersOf(summaries);
  const cells = plan.cells.map((pc): MatrixCell => {
    const runs = summaries.filter((s) => s.design === pc.design && s.nemesis === pc.nemesis);
    const cell: MatrixCell = { design: pc.design, nemesis: pc.nemesis, runs: runs.map((r) => ({ seed: r.seed, dir: r.dir, ops: r.ops, valid: r.valid })), checkers: {} };
    if (pc.skipped !== undefined) cell.skipped = pc.skipped;
    else for (const c of checkers) cell.checkers[c] = checkerCell(runs, c);
    const p99s = runs.map((r) => r.stalenessP99Ms).filter((x): x is number => x !== undefined);
    if (p99s.length > 0) cell.stalenessP99Ms = Math.max(...p99s);
    return cell;
  });
  return {
    format: 'replcheck-matrix/1',
    target: 'memory',
    workload: plan.workload,
    baseSeed: plan.baseSeed,
    seeds: plan.seeds,
    timeLimitMs: plan.timeLimitMs,
    ops: plan.ops,
    designs: plan.designs,
    nemeses: plan.nemeses,
    checkers,
    cells,
  };
}

export function cellAt(m: Matrix, design: string, nemesis: string): MatrixCell | undefined {
  return m.cells.find((c) => c.design === design && c.nemesis === nemesis);
}

/** Totals for the closing line: runs, and checker cells held / violated / unknown. */
export function matrixTotals(m: Matrix): { runs: number; skipped: number; held: number; violated: number; unknown: number } {
  const t = { runs: 0, skipped: 0, held: 0, violated: 0, unknown: 0 };
  for (const c of m.cells) {
    t.runs += c.runs.length;
    if (c.skipped !== undefined) t.skipped++;
    for (const k of Object.values(c.checkers)) t[k.verdict]++;
  }
  return t;
}
