// `replcheck report RUN_DIR`: rewrite index.html and print the summary from a run directory, as
// written by `replcheck run` (with config.yaml, metrics.json) or `replcheck check` (without). A run
// interrupted before its checkers ran (Ctrl-C) leaves config.yaml and history.jsonl but no
// results.json: report checks that history with the run's checkers and writes what the run would have.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { readJsonlHistory } from '../history/jsonl.js';
import { loadHistory } from '../history/load.js';
import type { History } from '../history/types.js';
import { parse as parseYaml } from 'yaml';
import { selectCheckers } from '../checkers/registry.js';
import { failoverWindowMs } from '../checkers/attribution.js';
import { runCheckers } from '../checkers/run.js';
import { writeHtmlReport } from '../report/html/index.js';
import { exitCodeFor, type Results } from '../report/results.js';
import { writeRunOutputs } from '../report/rundir.js';
import { formatSummary } from '../report/terminal.js';
import type { CommandContext } from './main.js';

export interface ReportFlags {
  quiet?: boolean;
  verbose?: boolean;
  html?: boolean;
  /** Colour the summary (the CLI edge decides). */
  color?: boolean;
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

/** Whether `dir` is a run `replcheck run` left before checking (interrupted): config.yaml and history.jsonl, no results.json. */
export function isUncheckedRunDir(dir: string): boolean {
  return existsSync(join(dir, 'config.yaml')) && existsSync(join(dir, 'history.jsonl')) && !existsSync(join(dir, 'results.json'));
}

function name(section: unknown): string | undefined {
  const n = section && typeof section === 'object' ? (section as { name?: unknown }).name : undefined;
  return typeof n === 'string' ? n : undefined;
}

/** Checks the history of an interrupted run with the checkers its config.yaml names and writes results.json, junit.xml and index.html. */
async function checkUncheckedRunDir(dir: string, flags: ReportFlags): Promise<Results> {
  const configPath = join(dir, 'config.yaml');
  let config: Record<string, unknown>;
  try {
    const parsed = parseYaml(readFileSync(configPath, 'utf8')) as unknown;
    config = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch (e) {
    throw new UserError(`not valid YAML (${(e as Error).message})`, { file: configPath });
  }
  const history = readJsonlHistory(join(dir, 'history.jsonl'));
  const list = Array.isArray(config.checkers) ? config.checkers.filter((c): c is string => typeof c === 'string') : undefined;
  const checkers = selectCheckers(list, history.workload, 'checkers');
  const results = await runCheckers(history, checkers, { faultWindowMs: failoverWindowMs(config.target) }, {
    ...(typeof config.seed === 'number' ? { seed: config.seed } : {}),
    ...(name(config.target) ? { target: name(config.target) } : {}),
    ...(name(config.workload) ? { workload: name(config.workload) } : {}),
    ...(name(config.nemesis) ? { nemesis: name(config.nemesis) } : {}),
    command: `replcheck run --config ${configPath}`,
    history: join(dir, 'history.jsonl'),
  });
  writeRunOutputs({ dir, results, history, html: flags.html, githubSummary: process.env.GITHUB_STEP_SUMMARY });
  return results;
}

/** Rewrites index.html and returns the summary and the exit code of the run's verdict. */
export async function reportRunDir(dir: string, flags: ReportFlags = {}): Promise<{ summary: string; code: number; checked: boolean }> {
  if (existsSync(dir) && isUncheckedRunDir(dir)) {
    const results = await checkUncheckedRunDir(dir, flags);
    const note = 'checked the history of an interrupted run (no results.json was written); results.json, junit.xml and index.html are new';
    return { summary: `${flags.quiet ? '' : `${note}\n`}${formatSummary(results, dir, { ...flags, htmlReport: join(dir, 'index.html') })}`, code: exitCodeFor(results.valid), checked: true };
  }
  const results = readResults(dir);
  const history = readRunHistory(dir, results);
  writeHtmlReport(dir, results, history);
  return { summary: formatSummary(results, dir, { ...flags, htmlReport: join(dir, 'index.html') }), code: exitCodeFor(results.valid), checked: false };
}

export function registerReportCommand(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .description('(re)write index.html and the terminal summary from a run directory')
    .argument('<run-dir>', 'a run directory')
    .option('--quiet', 'less terminal output')
    .option('--verbose', 'more terminal output')
    .action(async (dir: string, flags: ReportFlags) => {
      const { summary, code } = await reportRunDir(dir, { ...flags, color: ctx.color });
      process.stdout.write(summary + '\n');
      ctx.exitCode = code;
    });
}
