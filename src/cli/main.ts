// The commander program: parses argv, dispatches to one file per command, maps errors to exit codes.

import { Command, CommanderError } from 'commander';
import { isUserError } from '../errors.js';
import { registerCheckCommand } from './check.js';
import { registerListCommand } from './list.js';
import { registerReportCommand } from './report.js';
import { registerRunCommand } from './run.js';

export interface CommandContext {
  /** Set by a command's action: the process exit code. */
  exitCode: number;
  verbose: boolean;
}

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command();
  program
    .name('replcheck')
    .description('A Jepsen-style consistency checker for replicated data stores')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  registerRunCommand(program, ctx);
  registerCheckCommand(program, ctx);
  registerReportCommand(program, ctx);
  registerListCommand(program, ctx);
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const ctx: CommandContext = { exitCode: 0, verbose: argv.includes('--verbose') };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed its one-line message
    }
    if (isUserError(e)) {
      process.stderr.write(`replcheck: ${e.describe()}\n`);
      if (ctx.verbose && e.stack) process.stderr.write(`${e.stack}\n`);
      return 2;
    }
    const err = e as Error;
    if (ctx.verbose) process.stderr.write(`${err?.stack ?? String(e)}\n`);
    else process.stderr.write(`replcheck: internal error: ${err?.message ?? String(e)} (run with --verbose for the stack)\n`);
    return 2;
  }
}
