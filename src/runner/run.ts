// A whole test run into a run directory: config.yaml first, then the history, then the checkers'
// verdicts (results.json, junit.xml, index.html) and metrics.json with replication lag.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failoverWindowMs } from '../checkers/attribution.js';
import { selectCheckers } from '../checkers/registry.js';
import { runCheckers } from '../checkers/run.js';
import { configToYaml } from '../config/dump.js';
import type { RunConfig } from '../config/types.js';
import { exitCodeFor, type Results } from '../report/results.js';
import { writeRunsIndex } from '../report/html/listing.js';
import { ensureDir, writeRunOutputs } from '../report/rundir.js';
import type { LagSample } from '../targets/types.js';
import { executeRun, type Execution } from './execute.js';
import type { TargetFactory } from './targets.js';

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

export interface RunOptions {
  /** The run directory. */
  dir: string;
  /** The command that reproduces the run (results.json, junit, summary). */
  command?: string;
  junit?: string;
  html?: boolean;
  makeTarget?: TargetFactory;
  signal?: AbortSignal;
  /** Keep the target's temp dirs (`--keep`). */
  keep?: boolean;
  /** The target's lines about where its nodes are, once it is set up. */
  onReady?: (about: string[]) => void;
  onProgress?: (done: number) => void;
  /** Called once the history is complete on disk, before the checkers run. */
  onExecuted?: () => void;
  /** The directory of run directories (reports/) whose index.html lists past runs; rewritten after this run. */
  runsIndex?: string;
  /** GitHub Actions' step summary file, appended to after the run. */
  githubSummary?: string;
}

export interface RunOutcome {
  dir: string;
  code: number;
  interrupted: boolean;
  results?: Results;
  execution: Execution;
}

export function reproduceCommand(dir: string): string {
  return `replcheck run --config ${join(dir, 'config.yaml')}`;
}

export function metricsJson(lag: LagSample[]): string {
  const rows = lag.map((s) => JSON.stringify({ timeNs: s.timeNs, node: s.node, lagMs: Math.round(s.lagMs * 1000) / 1000 }));
  return `{ "lag": [\n${rows.join(',\n')}\n] }\n`;
}

export async function runTest(config: RunConfig, opts: RunOptions): Promise<RunOutcome> {
  const checkers = selectCheckers(config.checkers, config.workload.kind, 'checkers');
  ensureDir(opts.dir);
  writeFileSync(join(opts.dir, 'config.yaml'), configToYaml(config));
  const execution = await executeRun(config, {
    historyPath: join(opts.dir, 'history.jsonl'),
    makeTarget: opts.makeTarget,
    signal: opts.signal,
    keep: opts.keep,
    onReady: opts.onReady,
    onProgress: opts.onProgress,
  });
  opts.onExecuted?.();
  if (execution.lag.length > 0) writeFileSync(join(opts.dir, 'metrics.json'), metricsJson(execution.lag));
  if (execution.interrupted || !execution.history) {
    await execution.durable;
    return { dir: opts.dir, code: EXIT_INTERRUPTED, interrupted: true, execution };
  }
  const history = execution.history;
  const results = await runCheckers(
    history,
    checkers,
    { faultWindowMs: failoverWindowMs(config.target) },
    {
      seed: config.seed,
      target: config.target.name,
      workload: config.workload.name,
      nemesis: config.nemesis.name,
      command: opts.command ?? reproduceCommand(opts.dir),
      history: join(opts.dir, 'history.jsonl'),
    },
  );
  writeRunOutputs({ dir: opts.dir, results, history, junitFile: opts.junit, html: opts.html, githubSummary: opts.githubSummary });
  if (opts.runsIndex !== undefined) writeRunsIndex(opts.runsIndex);
  await execution.durable;
  return { dir: opts.dir, code: exitCodeFor(results.valid), interrupted: false, results, execution };
}
