// The commander program: parses argv, dispatches to one file per command, maps errors to exit codes.

import { Command, CommanderError } from 'commander';
import { isUserError } from '../errors.js';
import { colorEnabled } from '../report/terminal.js';
import { registerCheckCommand } from './check.js';
import { registerListCommand } from './list.js';
import { registerMatrixCommand } from './matrix.js';
import { registerMergeCommand } from './merge.js';
import { registerReportCommand } from './report.js';
import { registerRunCommand } from './run.js';
import { registerShrinkCommand } from './shrink.js';

export interface CommandContext {
  /** Set by a command's action: the process exit code. */
  exitCode: number;
  verbose: boolean;
  /** Colour the terminal output: decided here, from stdout and NO_COLOR / FORCE_COLOR, and passed down. */
  color: boolean;
}

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command();
  program
    .name('replcheck')
    .description('A Jepsen-style consistency checker for replicated data stores')
    .version('0.1.0')
    .exitOverride(tagWith('replcheck'))
    // Commander's own error lines are replaced by replcheck's one line (see flagErrorLine).
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s), outputError: () => {} });
  registerRunCommand(program, ctx);
  registerCheckCommand(program, ctx);
  registerReportCommand(program, ctx);
  registerListCommand(program, ctx);
  registerMatrixCommand(program, ctx);
  registerMergeCommand(program, ctx);
  registerShrinkCommand(program, ctx);
  for (const c of program.commands) c.exitOverride(tagWith(`replcheck ${c.name()}`));
  return program;
}

/** Commander's exit callback, remembering which command's help to point at. */
function tagWith(command: string): (err: CommanderError) => never {
  return (err) => {
    (err as CommanderError & { command?: string }).command = command;
    throw err;
  };
}

/**
 * One line for a flag or argument error: `unknown option '--seeed' (did you mean --seed?; run
 * replcheck run --help)`, from commander's "error: ..." message and its suggestion line.
 */
export function flagErrorLine(e: CommanderError): string {
  const lines = e.message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const first = (lines.shift() ?? 'bad arguments').replace(/^error:\s*/, '');
  const hints = lines.map((l) => l.replace(/^\((.*)\)$/, '$1').replace(/^Did you mean/, 'did you mean'));
  const command = (e as CommanderError & { command?: string }).command ?? 'replcheck';
  return `${first} (${[...hints, `run ${command} --help`].join('; ')})`;
}

export async function main(argv: string[]): Promise<number> {
  // The CLI edge: the only place the terminal's environment is read (DESIGN principle 1).
  const ctx: CommandContext = { exitCode: 0, verbose: argv.includes('--verbose'), color: colorEnabled(process.stdout, process.env) };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      process.stderr.write(`replcheck: ${flagErrorLine(e)}\n`);
      return 2;
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
