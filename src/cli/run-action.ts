// The `replcheck run` action, loaded only when `run` is the command (config validation and the
// runner pull in zod and the targets, which the other commands need not pay for at start-up).

import { dirname, join } from 'node:path';
import { loadRunConfig, type ConfigFlags } from '../config/load.js';
import type { RunConfig } from '../config/types.js';
import type { History } from '../history/types.js';
import { createProgress } from '../report/progress.js';
import { defaultRunDir, ensureDir } from '../report/rundir.js';
import { formatSummary } from '../report/terminal.js';
import { progressTotal } from '../runner/execute.js';
import { EXIT_INTERRUPTED, reproduceCommand, runTest } from '../runner/run.js';
import { parseRunsFlags, type RunsFlags } from '../runs/plan.js';
import { isDesign } from '../targets/kinds.js';
import type { CommandContext } from './main.js';

export interface RunFlags extends ConfigFlags, RunsFlags {
  out?: string;
  junit?: string;
  quiet?: boolean;
  verbose?: boolean;
  html?: boolean;
  keep?: boolean;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** 128 + the signal's number. */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** One line describing the replication design under test. */
export function describeDesign(c: RunConfig): string {
  const t = c.target;
  if (!isDesign(t)) {
    const knobs = Object.entries(t.settings).map(([k, v]) => `${k} ${String(v)}`);
    return `${t.name} (external, ${t.nodes.length} nodes${knobs.length ? `, ${knobs.join(', ')}` : ''})`;
  }
  if (t.topology === 'leaderless') {
    return `leaderless, n=${t.quorum.n} w=${t.quorum.w} r=${t.quorum.r}${t.quorum.readRepair ? ' with read repair' : ''}, ${t.conflicts} conflicts, ${t.nodes} nodes`;
  }
  if (t.topology === 'multi-leader') return `multi-leader, ${t.replication} replication, reads from ${t.readFrom}, ${t.conflicts} conflicts, ${t.log} log, ${t.nodes} nodes`;
  const fo = t.failover.enabled ? `failover promote ${t.failover.promote} ${t.failover.fencing ? 'with' : 'without'} fencing` : 'no failover';
  return `single-leader, ${t.replication} replication, reads from ${t.readFrom}${t.readFrom === 'read-your-writes' ? ` (${t.readYourWritesScope} scope)` : ''}, ${fo}, ${t.log} log, ${t.nodes} nodes`;
}

export async function runCommand(flags: RunFlags, ctx: CommandContext): Promise<void> {
  const repeat = parseRunsFlags(flags);
  if (repeat !== undefined) {
    const { runsCommand } = await import('./runs-action.js');
    return runsCommand(flags, repeat, ctx);
  }
  // Everything that can be bad input is checked before the header: the configuration (checkers
  // included, against the workload) and the places the outputs go.
  const { config, shortName } = loadRunConfig(flags);
  const dir = flags.out ?? defaultRunDir(shortName);
  ensureDir(dir, flags.out !== undefined ? '--out' : undefined);
  if (flags.junit !== undefined) ensureDir(dirname(flags.junit), '--junit');
  const quiet = flags.quiet === true;
  if (!quiet) {
    process.stdout.write(`replcheck run: seed ${config.seed}; ${describeDesign(config)}; ${config.workload.name} workload; nemesis ${config.nemesis.name}\n`);
  }
  const controller = new AbortController();
  let interrupts = 0;
  let executed = false;
  // SIGTERM and SIGHUP stop a run as Ctrl-C does (history flushed, target torn down), exit 128 + n.
  let exitCode = EXIT_INTERRUPTED;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupts++;
    exitCode = SIGNAL_EXIT[sig] ?? EXIT_INTERRUPTED;
    if (executed) {
      // The history is complete; a signal while checking just stops.
      process.stderr.write(`replcheck: interrupted while checking; the history is in ${join(dir, 'history.jsonl')}\n`);
      process.exit(exitCode);
    }
    if (interrupts > 1) process.exit(exitCode);
    controller.abort();
  };
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  const { total, unit } = progressTotal(config);
  const progress = createProgress({ total, enabled: Boolean(process.stdout.isTTY) && !quiet, unit: unit === 'ops' ? 'ops' : 'ms', stream: process.stdout });
  let progressStopped = false;
  const stopProgress = (): void => {
    if (progressStopped) return;
    progressStopped = true;
    progress.stop();
  };
  let outcome;
  try {
    outcome = await runTest(config, {
      dir,
      command: reproduceCommand(dir),
      junit: flags.junit,
      html: flags.html,
      keep: flags.keep,
      githubSummary: process.env.GITHUB_STEP_SUMMARY,
      // Runs in the default place (reports/) keep reports/index.html, the list of past runs.
      runsIndex: flags.out === undefined && flags.html !== false ? dirname(dir) : undefined,
      onReady: (about) => {
        if (!quiet) for (const line of about) process.stdout.write(`${line}\n`);
      },
      signal: controller.signal,
      onProgress: (n) => progress.update(n),
      onExecuted: () => {
        executed = true;
        stopProgress();
      },
    });
  } finally {
    stopProgress();
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
  }
  if (outcome.interrupted) {
    process.stderr.write(
      `replcheck: interrupted; the history so far is in ${outcome.execution.historyPath} (check it and write the report with \`replcheck report ${dir}\`)\n`,
    );
    ctx.exitCode = exitCode;
    return;
  }
  process.stdout.write(formatSummary(outcome.results!, dir, { quiet, verbose: flags.verbose, color: ctx.color }) + '\n');
  const idle = idleNemesisNote(config, outcome.execution.history);
  if (!quiet && idle) process.stdout.write(idle);
  const t = config.target;
  if (!quiet && isDesign(t) && t.topology === 'single-leader' && t.replication === 'async' && t.readFrom === 'any') {
    process.stdout.write(
      'note: async followers with reads from any replica keep no session guarantee (read-your-writes, monotonic reads);\n' +
        '      compare --target memory-sync, or --set target.readFrom=read-your-writes / sticky\n',
    );
  }
  ctx.exitCode = outcome.code;
}

/**
 * A note when the nemesis has a schedule but the workload ended before its first fault (e.g. a
 * 2000-op run is over in ~3 s of virtual time, before an `every: 4s` fault): the verdict then
 * says nothing about faults.
 */
export function idleNemesisNote(config: RunConfig, history: History | undefined): string | undefined {
  const schedule = config.nemesis.schedule;
  if (schedule.length === 0 || history === undefined) return undefined;
  const firstFinal = history.ops.find((o) => o.final)?.invokeTime ?? Number.POSITIVE_INFINITY;
  if (history.nemesis.some((e) => e.time < firstFinal)) return undefined;
  const firstMs = Math.min(...schedule.map((f) => f.atMs ?? f.everyMs ?? 0));
  return (
    `note: the workload ended before the nemesis's first fault (at ${(firstMs / 1000).toFixed(1)} s), so no fault was injected;\n` +
    `      give the run more time, e.g. --time-limit ${Math.max(20, Math.ceil((firstMs * 3) / 1000))}\n`
  );
}

