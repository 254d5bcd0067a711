// `replcheck report RUN_DIR`: rewrite index.html and print the summary from a run directory.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { readJsonlHistory } from '../history/jsonl.js';
import { writeHtmlReport } from '../report/html/index.js';
import { exitCodeFor, type Results } from '../report/results.js';
import { formatSummary } from '../report/terminal.js';
import type { CommandContext } from './main.js';

export function registerReportCommand(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .description('(re)write index.html and the terminal summary from a run directory')
    .argument('<run-dir>', 'a run directory')
    .option('--quiet', 'less terminal output')
    .option('--verbose', 'more terminal output')
    .action((dir: string, flags: { quiet?: boolean; verbose?: boolean }) => {
      const resultsPath = join(dir, 'results.json');
      if (!existsSync(resultsPath)) throw new UserError('not a run directory (no results.json)', { file: dir });
      let results: Results;
      try {
        results = JSON.parse(readFileSync(resultsPath, 'utf8')) as Results;
      } catch (e) {
        throw new UserError(`not valid JSON (${(e as Error).message})`, { file: resultsPath });
      }
      if (!results || typeof results !== 'object' || !results.checkers || !results.stats) {
        throw new UserError('expected the results.json of a run (with "checkers" and "stats")', { file: resultsPath });
      }
      const history = readJsonlHistory(join(dir, 'history.jsonl'));
      writeHtmlReport(dir, results, history);
      process.stdout.write(formatSummary(results, dir, flags) + '\n');
      ctx.exitCode = exitCodeFor(results.valid);
    });
}
