// `replcheck run --runs N`: the base seed first, a progress bar of runs, then per checker its
// failure rate over the runs and where the summary directory is (SPEC section 1). Exit code: the
// worst run's; Ctrl-C stops, keeps the runs that finished and their summary (marked), exits 130.

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadRunConfig } from '../config/load.js';
import { UserError } from '../errors.js';
import { createProgress } from '../report/progress.js';
import { defaultRunDir, ensureDir } from '../report/rundir.js';
import { EXIT_INTERRUPTED } from '../runner/run.js';
import { runRepeated } from '../runs/execute.js';
import { planRuns, type RunsOptions } from '../runs/plan.js';
import { checkerLine, stoppedLine } from '../runs/summary.js';
import type { CommandContext } from './main.js';
import { describeDesign, type RunFlags } from './run-action.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Runs at a time: the memory target's runs in worker threads (default: one per CPU); real processes one at a time. */
function decideJobs(targetType: string, o: RunsOptions, quiet: boolean): number {
  if (targetType === 'memory') return o.jobs ?? availableParallelism();
  if (o.jobs !== undefined && o.jobs > 1 && !quiet) process.stdout.write(`note: the ${targetType} target runs real processes, so its runs are sequential (--jobs ${o.jobs} ignored)\n`);
  return 1;
}

export async function runsCommand(flags: RunFlags, o: RunsOptions, ctx: CommandContext): Promise<void> {
  if (flags.junit !== undefined) throw new UserError('applies to a single run; with --runs every run writes junit.xml in its own directory', { field: '--junit' });
  if (flags.keep === true) throw new UserError('applies to a single run (a real target\'s temp dir), not to --runs', { field: '--keep' });
  const { config, shortName } = loadRunConfig(flags);
  const out = flags.out ?? defaultRunDir(`${shortName}-runs`);
  ensureDir(out, flags.out !== undefined ? '--out' : undefined);
  const quiet = flags.quiet === true;
  const total = planRuns(config, o).length;
  if (!quiet) {
    const last = (config.seed + o.runs - 1) % 2 ** 32;
    const shard = o.shard ? `; shard ${o.shard.index}/${o.shard.count}: ${total} of them` : '';
    process.stdout.write(`replcheck run: base seed ${config.seed}; ${o.runs} runs, seeds ${config.seed}..${last}${shard}; ${describeDesign(config)}; ${config.workload.name} workload; nemesis ${config.nemesis.name}\n`);
  }
  const jobs = decideJobs(config.target.type, o, quiet);
  const controller = new AbortController();
  let exitCode = EXIT_INTERRUPTED;
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    exitCode = SIGNAL_EXIT[sig] ?? EXIT_INTERRUPTED;
    if (++interrupts > 1) process.exit(exitCode);
    controller.abort();
  };
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  const progress = createProgress({ total, enabled: Boolean(process.stdout.isTTY) && !quiet, label: 'runs', stream: process.stdout });
  let result;
  try {
    result = await runRepeated(config, out, { ...o, jobs, signal: controller.signal, onRun: (done) => progress.update(done) });
  } finally {
    progress.stop();
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
  }
  const s = result.summary;
  if (!quiet) for (const [name, c] of Object.entries(s.checkers)) process.stdout.write(`${checkerLine(name, c)}\n`);
  const stop = stoppedLine(s);
  if (stop) (s.stopped?.reason === 'interrupted' ? process.stderr : process.stdout).write(`${s.stopped?.reason === 'interrupted' ? 'replcheck: ' : ''}${stop}\n`);
  process.stdout.write(`summary: ${out} (${join(out, 'index.html')}, summary.json, summary.md; the runs in ${join(out, 'runs')})\n`);
  ctx.exitCode = s.stopped?.reason === 'interrupted' ? exitCode : s.exitCode;
}
