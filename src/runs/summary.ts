// The summary of repeated runs (summary.json, summary.md, the terminal lines): per checker the runs,
// failures, failure rate with its 95% Wilson interval and the first failing seed (lowest index);
// per run its seed, directory and verdicts. Nothing in it depends on the clock or on --jobs.

import { exitCodeFor, worstExitCode, type Verdict } from '../report/results.js';
import type { RunSummary } from '../runner/pool.js';
import type { Shard } from './plan.js';
import { percent, wilson } from './stats.js';

export const SUMMARY_FORMAT = 'replcheck-runs-summary';
export const SUMMARY_VERSION = 1;

export interface CheckerRate {
  /** Runs in which the checker ran. */
  runs: number;
  failed: number;
  unknown: number;
  /** failed / runs. */
  rate: number;
  /** The 95% Wilson score interval of the rate. */
  ci95: [number, number];
  firstFailingSeed?: number;
  /** That run's directory, relative to the summary directory. */
  firstFailingRun?: string;
}

export interface SummaryRun {
  /** Position among all the plan's seeds (0-based): seed = base seed + index. */
  index: number;
  seed: number;
  /** The run directory, relative to the summary directory, `/` separators. */
  dir: string;
  ops: number;
  valid: Verdict;
  checkers: Record<string, Verdict>;
}

export type Stopped = { reason: 'until-fail'; seed: number } | { reason: 'interrupted' };

/** What a merged summary keeps of each shard. */
export interface ShardInfo extends Shard {
  dir: string;
  done: number;
  stopped?: Stopped;
}

export interface RunsSummary extends PlanFacts {
  format: typeof SUMMARY_FORMAT;
  version: number;
  /** This summary's shard (`--shard K/N`); absent unsharded and in a merge. */
  shard?: Shard;
  /** A merge's shards. */
  shards?: ShardInfo[];
  /** Runs done and counted here. */
  done: number;
  stopped?: Stopped;
  valid: Verdict;
  exitCode: number;
  checkers: Record<string, CheckerRate>;
  runs: SummaryRun[];
}

export interface PlanFacts {
  baseSeed: number;
  /** --runs: the seeds of the whole plan, over every shard. */
  planned: number;
  configHash: string;
  target: string;
  workload: string;
  nemesis: string;
}

export function summaryRun(index: number, s: RunSummary): SummaryRun {
  const checkers: Record<string, Verdict> = {};
  for (const [k, v] of Object.entries(s.checkers)) checkers[k] = v.valid;
  return { index, seed: s.seed, dir: s.dir, ops: s.ops, valid: s.valid, checkers };
}

/** Rates per checker (in the order checkers first appear) over runs sorted by index. */
export function checkerRates(runs: SummaryRun[]): Record<string, CheckerRate> {
  const out: Record<string, CheckerRate> = {};
  for (const r of runs) {
    for (const [k, v] of Object.entries(r.checkers)) {
      const c = (out[k] ??= { runs: 0, failed: 0, unknown: 0, rate: 0, ci95: [0, 1] });
      c.runs++;
      if (v === 'unknown') c.unknown++;
      if (v !== false) continue;
      c.failed++;
      if (c.firstFailingSeed === undefined) {
        c.firstFailingSeed = r.seed;
        c.firstFailingRun = r.dir;
      }
    }
  }
  for (const c of Object.values(out)) {
    c.rate = c.failed / c.runs;
    c.ci95 = wilson(c.failed, c.runs);
  }
  return out;
}

function overall(runs: SummaryRun[]): Verdict {
  if (runs.some((r) => r.valid === false)) return false;
  return runs.some((r) => r.valid === 'unknown') ? 'unknown' : true;
}

/** The summary of `runs` (any order); the exit code is the worst run's, 130 when interrupted. */
export function buildSummary(facts: PlanFacts, runs: SummaryRun[], extra: { shard?: Shard; shards?: ShardInfo[]; stopped?: Stopped } = {}): RunsSummary {
  const sorted = [...runs].sort((a, b) => a.index - b.index);
  const exitCode = extra.stopped?.reason === 'interrupted' ? 130 : worstExitCode(sorted.map((r) => exitCodeFor(r.valid)));
  // Keys in a fixed order (absent ones left out of the JSON): the same runs give the same file.
  return {
    format: SUMMARY_FORMAT, version: SUMMARY_VERSION, ...facts, shard: extra.shard, shards: extra.shards,
    done: sorted.length, stopped: extra.stopped, valid: overall(sorted), exitCode, checkers: checkerRates(sorted), runs: sorted,
  };
}

/** `read-your-writes: failed 7/20 runs (35%, 95% CI 18–57%), first failing seed 1234` */
export function checkerLine(name: string, c: CheckerRate): string {
  const ci = `${percent(c.ci95[0]).replace('%', '')}–${percent(c.ci95[1])}`;
  const unknown = c.unknown > 0 ? `, unknown in ${c.unknown}` : '';
  const first = c.firstFailingSeed !== undefined ? `, first failing seed ${c.firstFailingSeed}` : '';
  return `${name}: failed ${c.failed}/${c.runs} runs (${percent(c.rate)}, 95% CI ${ci})${unknown}${first}`;
}

export function stoppedLine(s: RunsSummary): string | undefined {
  if (s.stopped?.reason === 'until-fail') return `stopped at the first failing run (seed ${s.stopped.seed}) after ${s.done} of ${planCount(s)} runs`;
  if (s.stopped?.reason === 'interrupted') return `interrupted after ${s.done} of ${planCount(s)} runs; the summary counts the runs that finished`;
  return undefined;
}

/** The runs this summary was to count: the shard's slice, or every seed. */
export function planCount(s: RunsSummary): number {
  return s.shard ? Math.floor(s.planned / s.shard.count) + (s.shard.index - 1 < s.planned % s.shard.count ? 1 : 0) : s.planned;
}

const mark = (v: Verdict | undefined): string => (v === true ? '✓' : v === false ? '✗' : v === 'unknown' ? '?' : '–');

export function summaryMarkdown(s: RunsSummary): string {
  const names = Object.keys(s.checkers);
  const lines = [`# replcheck runs: ${s.target}, ${s.workload} workload, nemesis ${s.nemesis}`, '', describePlan(s), ''];
  const stop = stoppedLine(s);
  if (stop) lines.push(`${stop}.`, '');
  lines.push('| checker | failed | rate | 95% CI | first failing seed |', '| --- | --- | --- | --- | --- |');
  for (const k of names) {
    const c = s.checkers[k];
    const first = c.firstFailingRun ? `[${c.firstFailingSeed}](${c.firstFailingRun}/index.html)` : '';
    lines.push(`| ${k} | ${c.failed}/${c.runs} | ${percent(c.rate)} | ${percent(c.ci95[0])}–${percent(c.ci95[1])} | ${first} |`);
  }
  lines.push('', `| seed | verdict | ${names.join(' | ')} |`, `| --- | --- | ${names.map(() => '---').join(' | ')} |`);
  for (const r of s.runs) lines.push(`| [${r.seed}](${r.dir}/index.html) | ${mark(r.valid)} | ${names.map((k) => mark(r.checkers[k])).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

/** `20 runs, seeds 42..61 (base seed 42), shard 1 of 2` */
export function describePlan(s: RunsSummary): string {
  const last = s.baseSeed + s.planned - 1;
  const seeds = s.planned === 1 ? `seed ${s.baseSeed}` : `seeds ${s.baseSeed}..${last % 2 ** 32}`;
  const shard = s.shard ? `; shard ${s.shard.index} of ${s.shard.count}: ${planCount(s)} of them` : s.shards ? `; merged from shards ${s.shards.map((x) => x.index).join(', ')} of ${s.shards[0]?.count}` : '';
  return `${s.planned} runs, ${seeds} (base seed ${s.baseSeed})${shard}; ${s.done} done`;
}
