// `replcheck shrink RUN_DIR`: the smallest configuration (memory target) or history (`check` runs,
// or any run with --history) that still fails the same checker, written as a run directory
// (SPEC section 1; docs/shrink.md). Exit 0 once it is written, 2 on bad input.

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Checker } from '../checkers/types.js';
import { UserError } from '../errors.js';
import type { ShrinkInput } from '../shrink/input.js';
import type { StopReason } from '../shrink/search.js';
import type { CommandContext } from './main.js';

export interface ShrinkFlags {
  checker?: string;
  timeLimit?: string;
  tries?: string;
  out?: string;
  history?: boolean;
  html?: boolean;
}

export function registerShrinkCommand(program: Command, ctx: CommandContext): void {
  program
    .command('shrink')
    .description('the smallest configuration (memory target) or history (check runs) that still fails the same checker, as a run directory')
    .argument('<run-dir>', 'a run directory of a failing run (replcheck run or replcheck check)')
    .option('--checker <name>', 'the checker that must keep failing (default: the first that failed)')
    .option('--time-limit <seconds>', 'wall time for the search (default: 60)')
    .option('--tries <n>', 'candidates replayed or checked at most (default: 500)')
    .option('--history', "shrink the run's history instead of its configuration (any target)")
    .option('--out <dir>', 'the run directory of the result (default: RUN_DIR-shrunk)')
    .option('--no-html', 'skip index.html')
    .action(async (dir: string, flags: ShrinkFlags) => {
      await shrinkCommand(dir, flags, ctx);
    });
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, what: string): string => `${fmt(n)} ${what}${n === 1 ? '' : 's'}`;

function positive(v: string | undefined, field: string, def: number, integer: boolean): number {
  if (v === undefined) return def;
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isSafeInteger(n))) {
    throw new UserError(`expected a positive ${integer ? 'integer' : 'number of seconds'}, got ${JSON.stringify(v)}`, { field });
  }
  return n;
}

function stopWords(stoppedBy: StopReason, tries: number, seconds: string): string {
  const why = stoppedBy === 'minimal' ? 'no smaller candidate fails' : stoppedBy === 'tries' ? 'stopped at --tries' : 'stopped at --time-limit';
  return `${plural(tries, 'try')} in ${seconds} s (${why})`.replace('trys', 'tries');
}

export async function shrinkCommand(dir: string, flags: ShrinkFlags, ctx: CommandContext): Promise<void> {
  const { readShrinkInput, pickChecker } = await import('../shrink/input.js');
  const { DEFAULT_TIME_LIMIT_MS, DEFAULT_TRIES } = await import('../shrink/search.js');
  const opts = {
    timeLimitMs: positive(flags.timeLimit, '--time-limit', DEFAULT_TIME_LIMIT_MS / 1000, false) * 1000,
    tries: positive(flags.tries, '--tries', DEFAULT_TRIES, true),
  };
  const input = readShrinkInput(dir);
  const checker = pickChecker(input, flags.checker);
  const out = flags.out ?? `${dir.replace(/[/\\]+$/, '')}-shrunk`;
  if (resolve(out) === resolve(dir)) throw new UserError('the output directory must not be the run directory itself', { field: '--out' });
  const started = performance.now();
  const useHistory = flags.history === true || !input.config;
  if (!useHistory && input.config!.target.type !== 'memory') {
    throw new UserError(`shrinking a configuration needs the memory target (deterministic replay), this run used ${input.config!.target.name}; shrink its history instead with --history`);
  }
  const lines = useHistory ? await shrinkHistoryDir(input, checker, out, opts, flags) : await shrinkConfigDir(input, checker, out, opts, flags);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(lines.map((l) => l.replace('{seconds}', seconds)).join('\n') + '\n');
  ctx.exitCode = 0;
}

type Opts = { timeLimitMs: number; tries: number };

async function shrinkConfigDir(input: ShrinkInput, checker: Checker, out: string, opts: Opts, flags: ShrinkFlags): Promise<string[]> {
  const { shrinkConfig } = await import('../shrink/config.js');
  const { runTest, reproduceCommand } = await import('../runner/run.js');
  let s;
  try {
    s = await shrinkConfig(input.config!, checker, opts);
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (e instanceof Error && e.message.startsWith('replaying')) {
      throw new UserError(`${e.message}: the run does not reproduce (was config.yaml edited?)`, { file: join(input.dir, 'config.yaml') });
    }
    throw e;
  }
  const run = await runTest(s.config, { dir: out, html: flags.html, command: reproduceCommand(out) });
  const verdict = run.results?.checkers[checker.name];
  const b = s.before;
  const a = s.after;
  const parts = [`ops ${b.ops} → ${a.ops}`];
  if (b.timeLimitMs > 0) parts.push(`time limit ${b.timeLimitMs} ms → ${a.timeLimitMs} ms`);
  parts.push(`concurrency ${b.concurrency} → ${a.concurrency}`, `sessions per user ${b.sessionsPerUser} → ${a.sessionsPerUser}`, `keys ${b.keys} → ${a.keys}`);
  parts.push(`nodes ${b.nodes} → ${a.nodes}`, `nemesis ${plural(b.faults, 'entry').replace('entrys', 'entries')} → ${a.faults}`);
  const smaller = a.events < b.events;
  return [
    `history: ${plural(b.events, 'event')} → ${plural(a.events, 'event')} (config: ${parts.join(', ')})`,
    `${checker.name} ${verdict?.valid === false ? `still fails (${plural(verdict.count, 'anomaly').replace('anomalys', 'anomalies')})` : 'NO LONGER FAILS (a bug in shrink: please report it)'}; ${stopWords(s.stoppedBy, s.tries, '{seconds}')}`,
    ...(smaller ? [] : ['already minimal: no smaller configuration still fails; the run directory repeats the input']),
    `run directory: ${out}`,
    `reproduce: ${reproduceCommand(out)}`,
  ];
}

async function shrinkHistoryDir(input: ShrinkInput, checker: Checker, out: string, opts: Opts, flags: ShrinkFlags): Promise<string[]> {
  const { loadRunHistory } = await import('../shrink/input.js');
  const { shrinkHistory } = await import('../shrink/history.js');
  const { selectCheckers } = await import('../checkers/registry.js');
  const { runCheckers } = await import('../checkers/run.js');
  const { eventToJson } = await import('../history/jsonl.js');
  const { ensureDir, writeRunOutputs } = await import('../report/rundir.js');
  const stored = loadRunHistory(input);
  let s;
  try {
    s = await shrinkHistory(stored.history, checker, opts, stored.events);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${checker.name} does not fail on the stored history: results.json and history.jsonl disagree`, { file: join(input.dir, 'history.jsonl') });
  }
  ensureDir(out, flags.out !== undefined ? '--out' : undefined);
  const historyFile = join(out, 'history.jsonl');
  writeFileSync(historyFile, s.events.map((e) => eventToJson(e) + '\n').join(''));
  const names = Object.keys(input.results.checkers).map((n) => (n === checker.name ? (input.config?.checkers.find((c) => c.split(':')[0].trim() === n) ?? n) : n));
  const checkers = selectCheckers(names, s.history.workload, '--checker');
  const command = `replcheck check ${historyFile}`;
  const results = await runCheckers(s.history, checkers, {}, { workload: s.history.workload, history: resolve(historyFile), command });
  writeRunOutputs({ dir: out, results, history: s.history, html: flags.html });
  const verdict = results.checkers[checker.name];
  const smaller = s.after.events < s.before.events;
  return [
    `history: ${plural(s.before.events, 'event')} → ${plural(s.after.events, 'event')} (ops ${fmt(s.before.ops)} → ${fmt(s.after.ops)}, whole invoke/completion pairs dropped)`,
    `${checker.name} ${verdict?.valid === false ? `still fails (${plural(verdict.count, 'anomaly').replace('anomalys', 'anomalies')})` : 'NO LONGER FAILS (a bug in shrink: please report it)'}; ${stopWords(s.stoppedBy, s.tries, '{seconds}')}`,
    ...(smaller ? [] : ['already minimal: no smaller history still fails; the run directory holds the input history']),
    `run directory: ${out}`,
    `reproduce: ${command}`,
  ];
}
