// `replcheck run`: load the configuration, drive the workload against the target under the
// nemesis, then check and report (SPEC sections 1-3). Ctrl-C keeps the history so far, exits 130.

import { join } from 'node:path';
import type { Command } from 'commander';
import { loadRunConfig, type ConfigFlags } from '../config/load.js';
import { listPresets, presetNames } from '../config/presets.js';
import type { RunConfig } from '../config/types.js';
import { createProgress } from '../report/progress.js';
import { defaultRunDir } from '../report/rundir.js';
import { formatSummary } from '../report/terminal.js';
import { progressTotal } from '../runner/execute.js';
import { EXIT_INTERRUPTED, reproduceCommand, runTest } from '../runner/run.js';
import { registerLister, type Listing } from './list.js';
import type { CommandContext } from './main.js';

export interface RunFlags extends ConfigFlags {
  out?: string;
  junit?: string;
  quiet?: boolean;
  verbose?: boolean;
  html?: boolean;
}

/** One line describing the replication design under test. */
export function describeDesign(c: RunConfig): string {
  const t = c.target;
  if (t.topology === 'leaderless') {
    return `leaderless, n=${t.quorum.n} w=${t.quorum.w} r=${t.quorum.r}${t.quorum.readRepair ? ' with read repair' : ''}, ${t.conflicts} conflicts, ${t.nodes} nodes`;
  }
  if (t.topology === 'multi-leader') return `multi-leader, ${t.replication} replication, reads from ${t.readFrom}, ${t.conflicts} conflicts, ${t.log} log, ${t.nodes} nodes`;
  const fo = t.failover.enabled ? `failover promote ${t.failover.promote} ${t.failover.fencing ? 'with' : 'without'} fencing` : 'no failover';
  return `single-leader, ${t.replication} replication, reads from ${t.readFrom}${t.readFrom === 'read-your-writes' ? ` (${t.readYourWritesScope} scope)` : ''}, ${fo}, ${t.log} log, ${t.nodes} nodes`;
}

export async function runCommand(flags: RunFlags, ctx: CommandContext): Promise<void> {
  const { config, shortName } = loadRunConfig(flags);
  const dir = flags.out ?? defaultRunDir(shortName);
  const quiet = flags.quiet === true;
  if (!quiet) {
    process.stdout.write(`replcheck run: seed ${config.seed}; ${describeDesign(config)}; ${config.workload.name} workload; nemesis ${config.nemesis.name}\n`);
  }
  const controller = new AbortController();
  let interrupts = 0;
  let executed = false;
  const onSigint = (): void => {
    interrupts++;
    if (executed) {
      // The history is complete; Ctrl-C while checking just stops.
      process.stderr.write(`replcheck: interrupted while checking; the history is in ${join(dir, 'history.jsonl')}\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const { total, unit } = progressTotal(config);
  const progress = createProgress({ total, enabled: Boolean(process.stdout.isTTY) && !quiet, label: unit === 'ops' ? 'ops' : 'ms' });
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
      signal: controller.signal,
      onProgress: (n) => progress.update(n),
      onExecuted: () => {
        executed = true;
        stopProgress();
      },
    });
  } finally {
    stopProgress();
    process.off('SIGINT', onSigint);
  }
  if (outcome.interrupted) {
    process.stderr.write(
      `replcheck: interrupted; the history so far is in ${outcome.execution.historyPath} (check it with \`replcheck check ${outcome.execution.historyPath}\`)\n`,
    );
    ctx.exitCode = EXIT_INTERRUPTED;
    return;
  }
  process.stdout.write(formatSummary(outcome.results!, dir, { quiet, verbose: flags.verbose }) + '\n');
  const t = config.target;
  if (!quiet && t.topology === 'single-leader' && t.replication === 'async' && t.readFrom === 'any') {
    process.stdout.write(
      'note: async followers with reads from any replica keep no session guarantee (read-your-writes, monotonic reads);\n' +
        '      compare --target memory-sync, or --set target.readFrom=read-your-writes / sticky\n',
    );
  }
  ctx.exitCode = outcome.code;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function presetListing(): Listing[] {
  const out: Listing[] = [];
  for (const p of listPresets('workload')) out.push({ kind: 'workload', name: p.name, description: p.description });
  for (const p of listPresets('nemesis')) out.push({ kind: 'nemesis', name: p.name, description: p.description });
  if (!presetNames('nemesis').includes('none')) out.push({ kind: 'nemesis', name: 'none', description: 'no faults' });
  const targets = listPresets('target');
  if (!targets.some((t) => t.name === 'memory')) targets.unshift({ name: 'memory', description: 'simulated cluster on virtual time (built-in defaults)' });
  for (const p of targets) out.push({ kind: 'target', name: p.name, description: p.description });
  if (!targets.some((t) => t.name === 'http')) out.push({ kind: 'target', name: 'http', description: 'a real cluster of replcheck node processes on 127.0.0.1, replicating over HTTP' });
  return out;
}

registerLister(presetListing);

export function registerRunCommand(program: Command, ctx: CommandContext): void {
  program
    .command('run')
    .description('run a test: drive the workload against the target under the nemesis, then check and report')
    .option('--config <file>', 'one YAML file with target:, workload:, nemesis:, checkers:, seed: sections')
    .option('--target <name|file>', 'a built-in target or a target YAML file (default: memory)')
    .option('--workload <name|file>', 'a workload in workloads/ by name, or a path (default: append)')
    .option('--nemesis <name|file|none>', 'a schedule in nemesis/ by name, or a path (default: none)')
    .option('--checkers <list>', 'comma-separated checker names (default: all that fit the workload)')
    .option('--set <path=value>', 'override a config value, VALUE read as YAML (repeatable)', collect)
    .option('--seed <n>', 'the seed (default: random, printed)')
    .option('--ops <n>', 'stop after N client operations (default: the workload\'s)')
    .option('--time-limit <seconds>', 'stop after this much (virtual, for memory) time')
    .option('--concurrency <n>', 'number of concurrent client processes (default: the workload\'s)')
    .option('--out <dir>', 'the run directory (default: reports/<UTC timestamp>-<short name>)')
    .option('--junit <file>', 'also write JUnit XML there')
    .option('--quiet', 'less terminal output')
    .option('--verbose', 'more terminal output, stacks on errors')
    .option('--no-html', 'skip index.html')
    .action(async (flags: RunFlags) => {
      await runCommand(flags, ctx);
    });
}
