// `replcheck run`: drive a workload against a target under a nemesis, then check and report.

import type { Command } from 'commander';
import { UserError } from '../errors.js';
import type { CommandContext } from './main.js';

export function registerRunCommand(program: Command, _ctx: CommandContext): void {
  program
    .command('run')
    .description('run a test: drive the workload against the target under the nemesis, then check and report')
    .allowUnknownOption(false)
    .action(() => {
      throw new UserError('`replcheck run` is being built (issue 3)');
    });
}
