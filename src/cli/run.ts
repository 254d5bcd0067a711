// `replcheck run`: load the configuration, drive the workload against the target under the
// nemesis, then check and report (SPEC sections 1-3). Ctrl-C keeps the history so far, exits 130.
// With --runs, N runs and their summary (runs-action.ts). The action lives in run-action.ts and
// is imported when the command runs.

import type { Command } from 'commander';
import type { CommandContext } from './main.js';
import type { RunFlags } from './run-action.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

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
    .option('--runs <n>', 'N runs, seeds base, base+1, ...: a summary directory with per-checker failure rates (docs/runs.md)')
    .option('--jobs <n>', 'with --runs: runs at a time in worker threads (default: the number of CPUs; real-process targets: 1)')
    .option('--until-fail', 'with --runs: stop at the first failing run')
    .option('--shard <k/n>', 'with --runs: only the K-th of N disjoint slices of the seeds (run i is in shard (i mod N) + 1); see replcheck merge')
    .option('--keep', "keep a real target's temp dir (data dirs, node logs) after the run")
    .action(async (flags: RunFlags) => {
      const { runCommand } = await import('./run-action.js');
      await runCommand(flags, ctx);
    });
}
