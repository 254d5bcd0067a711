// Runs every planned run of the matrix through the run pool (src/runner/pool.ts: each writes a full
// run directory under OUT/runs/, in worker threads or in this thread), in plan order.

import { executeRuns, type PoolOptions, type RunSummary } from '../runner/pool.js';
import type { MatrixPlan, PlannedRun } from './plan.js';

export { runOne, workersAvailable, type RunSummary } from '../runner/pool.js';

export type ExecuteOptions = Pick<PoolOptions, 'jobs' | 'onRun'>;

export function plannedRuns(plan: MatrixPlan): PlannedRun[] {
  return plan.cells.flatMap((c) => c.runs);
}

/** Every run of the plan, in plan order (designs, then schedules, then seeds): the same order every time. */
export async function executeMatrix(plan: MatrixPlan, out: string, opts: ExecuteOptions = {}): Promise<RunSummary[]> {
  const done = await executeRuns(plannedRuns(plan), out, { jobs: opts.jobs, onRun: opts.onRun });
  return done.filter((s): s is RunSummary => s !== undefined);
}
