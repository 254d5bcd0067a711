// `replcheck report RUN_DIR`: rewrite index.html and print the summary from a run directory, as
// written by `replcheck run` (with config.yaml, metrics.json) or `replcheck check` (without).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { readJsonlHistory } from '../history/jsonl.js';
import { loadHistory } from '../history/load.js';
import type { History } from '../history/types.js';
import { writeHtmlReport } from '../report/html/index.js';
import { exitCodeFor, type Results } from '../report/results.js';
import { formatSummary } from '../report/terminal.js';
import type { CommandContext } from './main.js';

export interface ReportFlags {
  quiet?: boolean;
  verbose?: boolean;
}

/** Reads and sanity-checks results.json; every problem is a UserError naming the file. */
export function readResults(dir: string): Results {
  const resultsPath = join(dir, 'results.json');
  if (!existsSync(dir)) throw new UserError('no such run directory', { file: dir });
  if (!existsSync(resultsPath)) throw new UserError('not a run directory (no results.json)', { file: dir });
  let results: Results;
  try {
    results = JSON.parse(readFileSync(resultsPath, 'utf8')) as Results;
  } catch (e) {
    throw new UserError(`not valid JSON (${(e as Error).message})`, { file: resultsPath });
  }
  if (!results || typeof results !== 'object' || !results.checkers || typeof results.checkers !== 'object' || !results.stats) {
    throw new UserError('expected the results.json of a run (with "checkers" and "stats")', { file: resultsPath });
  }
  return results;
}

/** The run's history: its history.jsonl, else the file results.json names (any format). */
function readRunHistory(dir: string, results: Results): History {
  const local = join(dir, 'history.jsonl');
  if (existsSync(local)) return readJsonlHistory(local);
  if (results.history && existsSync(results.history)) return loadHistory(results.history);
  throw new UserError('no history.jsonl in the run directory', { file: dir });
}

/** Rewrites index.html and returns the summary and the exit code of the run's verdict. */
export function reportRunDir(dir: string, flags: ReportFlags = {}): { summary: string; code: number } {
  const results = readResults(dir);
  const history = readRunHistory(dir, results);
  writeHtmlReport(dir, results, history);
  return { summary: formatSummary(results, dir, { ...flags, htmlReport: join(dir, 'index.html') }), code: exitCodeFor(results.valid) };
}

export function registerReportCommand(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .description('(re)write index.html and the terminal summary from a run directory')
    .argument('<run-dir>', 'a run directory')
    .option('--quiet', 'less terminal output')
    .option('--verbose', 'more terminal output')
    .action((dir: string, flags: ReportFlags) => {
      const { summary, code } = reportRunDir(dir, flags);
      process.stdout.write(summary + '\n');
      ctx.exitCode = code;
    });
}
