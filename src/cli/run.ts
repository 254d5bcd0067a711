// `replcheck run`: load the configuration, drive the workload against the target under the
// nemesis, then check and report (SPEC sections 1-3). Ctrl-C keeps the history so far, exits 130.
// The action itself lives in run-action.ts and is imported when the command runs.

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
    .option('--keep', "keep a real target's temp dir (data dirs, node logs) after the run")
    .action(async (flags: RunFlags) => {
      const { runCommand } = await import('./run-action.js');
      await runCommand(flags, ctx);
    });
}
