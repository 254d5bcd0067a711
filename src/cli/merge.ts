// `replcheck merge DIR...`: the summary directories of the shards of one `run --runs N --shard K/N`
// plan combined into one summary directory (summary.json, summary.md, index.html) with the rates
// over all their runs; its links point at the shards' run directories where they are (docs/runs.md).

import type { Command } from 'commander';
import type { CommandContext } from './main.js';

export interface MergeFlags {
  out?: string;
  partial?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function registerMergeCommand(program: Command, ctx: CommandContext): void {
  program
    .command('merge')
    .description('combine the summary directories of the shards of `replcheck run --runs N --shard K/N` into one')
    .argument('<dir...>', 'the shards\' summary directories (their --out)')
    .option('--out <dir>', 'the merged summary directory (default: reports/<UTC timestamp>-merged)')
    .option('--partial', 'merge even when some shards are missing (summary.json lists the shards merged)')
    .option('--quiet', 'print only where the summary is')
    .option('--verbose', 'stacks on errors')
    .action(async (dirs: string[], flags: MergeFlags) => {
      await mergeCommand(dirs, flags, ctx);
    });
}

export async function mergeCommand(dirs: string[], flags: MergeFlags, ctx: CommandContext): Promise<void> {
  const { mergeSummaries, writeSummaryFiles } = await import('../runs/files.js');
  const { checkerLine, describePlan } = await import('../runs/summary.js');
  const { defaultRunDir, ensureDir } = await import('../report/rundir.js');
  const out = flags.out ?? defaultRunDir('merged');
  const summary = mergeSummaries(dirs, out, flags.partial === true);
  ensureDir(out, flags.out !== undefined ? '--out' : undefined);
  const files = writeSummaryFiles(out, summary);
  if (flags.quiet !== true) {
    process.stdout.write(`replcheck merge: ${describePlan(summary)}; ${summary.target}, ${summary.workload} workload, nemesis ${summary.nemesis}\n`);
    for (const [name, c] of Object.entries(summary.checkers)) process.stdout.write(`${checkerLine(name, c)}\n`);
  }
  process.stdout.write(`summary: ${out} (${files.html}, summary.json, summary.md)\n`);
  ctx.exitCode = summary.exitCode;
}
