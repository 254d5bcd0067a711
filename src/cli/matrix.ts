// `replcheck matrix`: every memory-target design against every fault schedule over N seeds; prints
// the tables and writes matrix.md, matrix.json and index.html (SPEC section 1). Violations are
// findings, not errors: exit 0 once everything ran, 2 on bad input.

import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { intOption } from './int-option.js';
import type { CommandContext } from './main.js';

/** The default --jobs is the machine's CPUs, up to this many. */
const MAX_DEFAULT_JOBS = 4;

export interface MatrixFlags {
  designs?: string;
  nemeses?: string;
  seeds?: string;
  seed?: string;
  workload?: string;
  timeLimit?: string;
  ops?: string;
  jobs?: string;
  out?: string;
  keepRuns?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function registerMatrixCommand(program: Command, ctx: CommandContext): void {
  program
    .command('matrix')
    .description('run every design (targets/memory*.yaml) against every fault schedule over N seeds: matrix.md, matrix.json, index.html')
    .option('--designs <list>', 'comma-separated design presets (default: every memory-target preset in targets/)')
    .option('--nemeses <list>', 'comma-separated fault schedules (default: none and every preset in nemesis/)')
    .option('--seeds <n>', 'runs per cell, seeds base, base+1, ... (default: 3)')
    .option('--seed <n>', 'the base seed (default: 1, so the default matrix is the same every time)')
    .option('--workload <name|file>', 'the workload of every run (default: append)')
    .option('--time-limit <seconds>', 'virtual time per run (default: 10, unless --ops is given)')
    .option('--ops <n>', 'stop each run after N client operations')
    .option('--jobs <n>', 'runs at a time, each in a worker thread (default: the number of CPUs, at most 4)')
    .option('--out <dir>', 'the matrix directory (default: reports/<UTC timestamp>-matrix)')
    .option('--keep-runs', "keep every run's whole directory (default: only each cell's smallest failing run keeps its history and report; every run keeps config.yaml and results.json)")
    .option('--quiet', 'print only where the files are')
    .option('--verbose', 'stacks on errors')
    .action(async (flags: MatrixFlags) => {
      await matrixCommand(flags, ctx);
    });
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

export async function matrixCommand(flags: MatrixFlags, ctx: CommandContext): Promise<void> {
  // Loaded only for this command: config validation and the runner pull in zod and the targets.
  const m = await import('../matrix/index.js');
  const { defaultRunDir, ensureDir } = await import('../report/rundir.js');
  const { createProgress } = await import('../report/progress.js');
  const { LIMITS } = await import('../config/limits.js');
  const designs = flags.designs === undefined ? undefined : m.parseDesignList(flags.designs);
  const nemeses = flags.nemeses === undefined ? undefined : m.parseNameList(flags.nemeses, '--nemeses', 'fault schedule', m.knownNemeses());
  const seeds = intOption(flags.seeds, '--seeds', m.DEFAULT_SEEDS, 1, m.MAX_SEEDS);
  const jobs = intOption(flags.jobs, '--jobs', Math.min(availableParallelism(), MAX_DEFAULT_JOBS), 1, 64);
  const baseSeed = intOption(flags.seed, '--seed', m.DEFAULT_BASE_SEED, LIMITS.seed.min, LIMITS.seed.max);
  const plan = m.planMatrix({ designs, nemeses, seeds, baseSeed, workload: flags.workload, timeLimit: flags.timeLimit, ops: flags.ops });
  const out = flags.out ?? defaultRunDir('matrix');
  ensureDir(out, flags.out !== undefined ? '--out' : undefined);
  const quiet = flags.quiet === true;
  const total = plan.cells.reduce((n, c) => n + c.runs.length, 0);
  if (!quiet) {
    const shape = `${count(plan.designs.length, 'design')} × ${count(plan.nemeses.length, 'fault schedule')} × ${count(plan.seeds.length, 'seed')} = ${count(total, 'run')}`;
    process.stdout.write(`replcheck matrix: ${shape}; ${m.runsLine(plan)}\n`);
  }
  const progress = createProgress({ total, enabled: Boolean(process.stdout.isTTY) && !quiet, label: 'runs', stream: process.stdout });
  const started = performance.now();
  let result;
  try {
    // (the matrix's runs write no GitHub step summary: runTest appends one only when given the file)
    result = await m.runMatrix(plan, out, { jobs, keepRuns: flags.keepRuns === true, onRun: (done) => progress.update(done) });
  } finally {
    progress.stop();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const t = m.matrixTotals(result.matrix);
  if (!quiet) process.stdout.write(`\n${m.formatTerminal(result.matrix, { color: ctx.color })}\n\n`);
  const skipped = t.skipped ? `, ${t.skipped} not run` : '';
  process.stdout.write(`${count(t.runs, 'run')} in ${seconds} s; guarantee cells: ${t.held} held, ${t.violated} violated, ${t.unknown} unknown${skipped}\n`);
  process.stdout.write(`matrix.md    ${result.files.markdown}\nmatrix.json  ${result.files.json}\nindex.html   ${result.files.html}\n`);
  ctx.exitCode = 0;
}
