// `replcheck check HISTORY...`: check existing histories, one run directory each.

import { copyFileSync, openSync, readSync, closeSync, statSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultMaxMemoryMb, overMemoryBudget } from '../checkers/memory.js';
import { CHECKERS, selectCheckers } from '../checkers/registry.js';
import { runCheckers, unknownResults } from '../checkers/run.js';
import { isUserError, UserError } from '../errors.js';
import { historyEvents } from '../history/events.js';
import { eventToJson } from '../history/jsonl.js';
import { formatOf, loadHistory, type HistoryFormat } from '../history/load.js';
import type { History, WorkloadKind } from '../history/types.js';
import { checkTotals, writeCheckIndex, writeRunsIndex } from '../report/html/listing.js';
import { junitXmlSuites } from '../report/junit.js';
import { exitCodeFor, worstExitCode, type Results } from '../report/results.js';
import { defaultRunDir, ensureDir, writeRunOutputs } from '../report/rundir.js';
import { formatSummary, makeChalk, verdictWord } from '../report/terminal.js';
import { intOption } from './int-option.js';
import type { CommandContext } from './main.js';

export interface CheckFlags {
  checkers?: string;
  out?: string;
  junit?: string;
  quiet?: boolean;
  verbose?: boolean;
  html?: boolean;
  format?: string;
  timeLimit?: string;
  maxMemory?: string;
  threads?: string;
}

export interface CheckedFile {
  file: string;
  dir?: string;
  code: number;
  results?: Results;
  error?: string;
}

function stem(path: string): string {
  return basename(path, extname(path));
}

/** Checks one history file into `dir`. Bad input becomes code 2 with its message. */
export async function checkOne(file: string, dir: string, flags: CheckFlags): Promise<CheckedFile> {
  try {
    const format = formatOf(file, flags.format);
    const maxMemoryMb = parseMegabytes(flags.maxMemory);
    const threads = flags.threads === undefined ? undefined : intOption(flags.threads, '--threads', 1, 1, 64);
    const overBudget = overBudgetCheck(file, dir, flags, format, maxMemoryMb);
    if (overBudget) return overBudget;
    const history = loadHistory(file, flags.format, { threads });
    const checkers = selectCheckers(flags.checkers, history.workload);
    const timeLimitMs = flags.timeLimit !== undefined ? parseSeconds(flags.timeLimit) * 1000 : undefined;
    ensureDir(dir);
    const historyOut = join(dir, 'history.jsonl');
    // A JSONL file is copied by libuv's thread pool while the checkers run, not before them.
    const copied = format === 'jsonl' && resolve(file) !== resolve(historyOut) ? copyFile(file, historyOut) : undefined;
    copied?.catch(() => undefined); // awaited below; this only keeps a checker's throw from leaving it unhandled
    const results = await runCheckers(history, checkers, { timeLimitMs, maxMemoryMb, threads }, { workload: history.workload, history: resolve(file) });
    if (copied) await copied;
    else if (format !== 'jsonl') writeFileSync(historyOut, historyEvents(history).map((e) => eventToJson(e) + '\n').join(''));
    writeRunOutputs({ dir, results, history, html: flags.html, githubSummary: process.env.GITHUB_STEP_SUMMARY });
    return { file, dir, code: exitCodeFor(results.valid), results };
  } catch (e) {
    if (isUserError(e)) return { file, dir, code: 2, error: e.describe() };
    throw e;
  }
}

function parseSeconds(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`expected a positive number of seconds, got ${JSON.stringify(s)}`, { field: '--time-limit' });
  return n;
}

export async function checkCommand(files: string[], flags: CheckFlags, ctx: CommandContext): Promise<void> {
  const c = makeChalk(ctx.color);
  const single = files.length === 1;
  const out = flags.out ?? defaultRunDir(single ? stem(files[0]) : 'check');
  const checked: CheckedFile[] = [];
  const used = new Map<string, number>();
  for (const file of files) {
    let name = stem(file);
    const n = used.get(name) ?? 0;
    used.set(name, n + 1);
    if (n > 0) name = `${name}-${n + 1}`;
    const dir = single ? out : join(out, name);
    const r = await checkOne(file, dir, flags);
    checked.push(r);
    if (r.error) {
      process.stderr.write(`replcheck: ${r.error}\n`);
      if (!single && !flags.quiet) process.stdout.write(`${c.red('error  ')} ${file}\n`);
      continue;
    }
    const res = r.results!;
    if (single) {
      process.stdout.write(formatSummary(res, r.dir, { quiet: flags.quiet, verbose: flags.verbose, color: ctx.color }) + '\n');
    } else if (!flags.quiet || res.valid !== true) {
      const bad = Object.entries(res.checkers)
        .filter(([, v]) => v.valid !== true)
        .map(([k, v]) => `${k}${v.valid === false ? `(${v.count})` : '(?)'}`);
      const word = verdictWord(res.valid).padEnd(7);
      const painted = res.valid === true ? c.green(word) : res.valid === false ? c.red(word) : c.yellow(word);
      process.stdout.write(`${painted} ${file}  ${res.stats.ops} ops${bad.length ? `  ${bad.join(' ')}` : ''}\n`);
    }
  }
  if (!single) {
    const writeIndex = flags.html !== false;
    if (writeIndex) {
      ensureDir(out, flags.out !== undefined ? '--out' : undefined);
      writeCheckIndex(out, checked);
    }
    if (!flags.quiet) {
      process.stdout.write(`total: ${checkTotals(checked)}\n`);
      process.stdout.write(`run directories: ${out}\n`);
      if (writeIndex) process.stdout.write(`report: ${join(out, 'index.html')}\n`);
    }
  }
  // The default output goes under reports/, whose index.html lists past runs.
  if (flags.out === undefined && flags.html !== false) writeRunsIndex(dirname(out));
  if (flags.junit) {
    const suites = checked.filter((r) => r.results).map((r) => ({ name: r.file, results: r.results! }));
    ensureDir(dirname(flags.junit), '--junit');
    try {
      writeFileSync(flags.junit, junitXmlSuites(suites));
    } catch (e) {
      throw new UserError(`cannot write JUnit XML: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: flags.junit });
    }
  }
  ctx.exitCode = worstExitCode(checked.map((r) => r.code));
}

export function registerCheckCommand(program: Command, ctx: CommandContext): void {
  program
    .command('check')
    .description('check existing history files')
    .argument('<history...>', 'history files (JSONL, Jepsen EDN or Jepsen log)')
    .option('--checkers <list>', 'comma-separated checker names (default: all that fit the workload)')
    .option('--out <dir>', 'the run directory (with several files, one subdirectory each)')
    .option('--junit <file>', 'also write JUnit XML there')
    .option('--format <format>', 'jsonl | edn | jepsen-log | porcupine-kv (default: by extension; EDN content, Porcupine kv included, is detected)')
    .option('--time-limit <seconds>', 'time budget per checker')
    .option('--max-memory <MB>', "memory budget of loading and checking, MB (default: 80% of V8's heap limit)")
    .option('--threads <n>', 'threads for the linearizable checker\'s keys, for monotonic-writes and writes-follow-reads on a large history, and for reading a large JSONL history, this one included (default: the CPUs, at most 4; reading with 2 on 4 CPUs or more; 1: one thread)')
    .option('--quiet', 'less terminal output')
    .option('--verbose', 'more terminal output, stacks on errors')
    .option('--no-html', 'skip index.html')
    .action(async (files: string[], flags: CheckFlags) => {
      await checkCommand(files, flags, ctx);
    });
}

// The memory budget (--max-memory): a history whose estimated heap is over it is not loaded; every
// checker answers unknown with the reason (exit 3), as SPEC 2 says of a checker out of its budget.

function parseMegabytes(s: string | undefined): number {
  if (s === undefined) return defaultMaxMemoryMb();
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`expected a positive number of MB, got ${JSON.stringify(s)}`, { field: '--max-memory' });
  return n;
}

/** The run directory of a history over the memory budget, or undefined when it fits (or is not a readable file: the loader says why). */
function overBudgetCheck(file: string, dir: string, flags: CheckFlags, format: HistoryFormat, maxMemoryMb: number): CheckedFile | undefined {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile()) return undefined;
  const reason = overMemoryBudget(st.size, maxMemoryMb);
  if (reason === undefined) return undefined;
  const workload = flags.checkers ? undefined : sniffWorkload(file);
  const checkers = flags.checkers ? selectCheckers(flags.checkers, 'append') : workload ? selectCheckers(undefined, workload) : CHECKERS;
  const stats = { ops: 0, ok: 0, fail: 0, info: 0, durationNs: 0 };
  const results = unknownResults(checkers, reason, { ...(workload ? { workload } : {}), history: resolve(file), stats });
  const history: History = { source: file, ops: [], nemesis: [], eventCount: 0, endTime: 0, workload: workload ?? 'append', hasFinalReads: false };
  ensureDir(dir);
  const historyOut = join(dir, 'history.jsonl');
  if (format === 'jsonl' && resolve(file) !== resolve(historyOut)) copyFileSync(file, historyOut);
  writeRunOutputs({ dir, results, history, html: flags.html, githubSummary: process.env.GITHUB_STEP_SUMMARY });
  return { file, dir, code: exitCodeFor(results.valid), results };
}

/** The workload of a history from the first 64 KiB of its file (any format), without loading it. */
function sniffWorkload(file: string): WorkloadKind | undefined {
  const buf = Buffer.alloc(64 * 1024);
  let n = 0;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const m = /"f"\s*:\s*"(append|write|cas)"|:f\s+:(append|write|cas)\b|:(?:invoke|ok|fail|info)\s+:(append|write|cas)\b/.exec(buf.toString('utf8', 0, n));
  if (!m) return undefined;
  return (m[1] ?? m[2] ?? m[3]) === 'append' ? 'append' : 'register';
}
