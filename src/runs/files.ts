// The summary directory's files (summary.json, summary.md, index.html), reading a summary back,
// and `replcheck merge`: shards of one plan (same base seed, runs and configuration; distinct K)
// combined into one summary whose links point at the shards' run directories where they are.

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UserError } from '../errors.js';
import { ensureDir } from '../report/rundir.js';
import { summaryHtml } from './html.js';
import { buildSummary, SUMMARY_FORMAT, summaryMarkdown, type RunsSummary, type ShardInfo } from './summary.js';

export interface SummaryFiles {
  json: string;
  markdown: string;
  html: string;
}

export function writeSummaryFiles(out: string, s: RunsSummary): SummaryFiles {
  ensureDir(out);
  const files = { json: join(out, 'summary.json'), markdown: join(out, 'summary.md'), html: join(out, 'index.html') };
  writeFileSync(files.json, JSON.stringify(s, null, 2) + '\n');
  writeFileSync(files.markdown, summaryMarkdown(s));
  writeFileSync(files.html, summaryHtml(s));
  return files;
}

/** The summary.json of a summary directory; anything else is a UserError naming the directory. */
export function readSummary(dir: string): RunsSummary {
  const file = join(dir, 'summary.json');
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`${dir} is not a directory`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${dir} is not a summary directory of replcheck run --runs (no summary.json)`);
  }
  let s: unknown;
  try {
    s = JSON.parse(text);
  } catch (e) {
    throw new UserError(`not valid JSON: ${(e as Error).message}`, { file });
  }
  const o = s as Partial<RunsSummary> | null;
  if (o === null || typeof o !== 'object' || o.format !== SUMMARY_FORMAT || !Array.isArray(o.runs) || typeof o.baseSeed !== 'number') {
    throw new UserError(`not the summary of replcheck run --runs (expected "format": "${SUMMARY_FORMAT}")`, { file });
  }
  return o as RunsSummary;
}

const slash = (p: string): string => p.split('\\').join('/');

/** Shards that fit together: each a shard, all of the same plan, no K twice; `partial` allows missing shards. */
function checkShards(dirs: string[], shards: RunsSummary[], partial: boolean): void {
  const first = shards[0];
  const seen = new Map<number, string>();
  shards.forEach((s, i) => {
    const dir = dirs[i];
    if (!s.shard) throw new UserError(`${dir} is not a shard (it was run without --shard K/N)`);
    for (const k of ['baseSeed', 'planned', 'configHash'] as const) {
      if (s[k] !== first[k]) throw new UserError(`${dir} is not a shard of the same plan as ${dirs[0]}: ${k} ${s[k]} vs ${first[k]}`);
    }
    if (s.shard.count !== first.shard!.count) throw new UserError(`${dir} is shard ${s.shard.index}/${s.shard.count}, ${dirs[0]} is of ${first.shard!.count} shards`);
    const twice = seen.get(s.shard.index);
    if (twice !== undefined) throw new UserError(`${dir} and ${twice} are both shard ${s.shard.index}/${s.shard.count}`);
    seen.set(s.shard.index, dir);
  });
  const count = first.shard!.count;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length > 0 && !partial) {
    throw new UserError(`shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} missing (given: ${[...seen.keys()].sort((a, b) => a - b).join(', ')}); --partial merges them anyway`);
  }
}

/** The merged summary of the shard directories `dirs`, its run links relative to `out`. */
export function mergeSummaries(dirs: string[], out: string, partial = false): RunsSummary {
  if (dirs.length === 0) throw new UserError('expected the summary directories of the shards to merge');
  const shards = dirs.map(readSummary);
  checkShards(dirs, shards, partial);
  const runs = shards.flatMap((s, i) => s.runs.map((r) => ({ ...r, dir: slash(relative(out, join(dirs[i], r.dir))) })));
  const order = shards.map((s, i) => ({ s, dir: dirs[i] })).sort((a, b) => a.s.shard!.index - b.s.shard!.index);
  const info: ShardInfo[] = order.map(({ s, dir }) => ({ index: s.shard!.index, count: s.shard!.count, dir: slash(relative(out, dir)) || '.', done: s.done, stopped: s.stopped }));
  const f = shards[0];
  const facts = { baseSeed: f.baseSeed, planned: f.planned, configHash: f.configHash, target: f.target, workload: f.workload, nemesis: f.nemesis };
  return buildSummary(facts, runs, { shards: info });
}
