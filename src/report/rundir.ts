// Writes the run directory of SPEC section 3 (results.json, junit.xml, index.html; history.jsonl by the caller).

import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { History } from '../history/types.js';
import { appendGithubSummary } from './github.js';
import { writeHtmlReport } from './html/index.js';
import { junitXml } from './junit.js';
import type { Results } from './results.js';

export interface RunOutputs {
  dir: string;
  results: Results;
  /** The history, for the HTML report. */
  history: History;
  /** Also write JUnit XML here. */
  junitFile?: string;
  html?: boolean;
  /** GitHub Actions' step summary file (the CLI passes GITHUB_STEP_SUMMARY): a summary is appended to it. */
  githubSummary?: string;
}

/**
 * `mkdir -p` one level at a time, so it always ends: Node's recursive mkdir loops forever where
 * mkdir says ENOENT for a parent that exists (procfs, sysfs). Failure is a UserError naming the
 * directory (and `field`, the flag it came from, when given).
 */
export function ensureDir(dir: string, field?: string): void {
  const fail = (why: string): UserError => new UserError(`cannot create directory ${dir}: ${why}`, field !== undefined ? { field } : {});
  const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);
  const missing: string[] = [];
  for (let d = resolve(dir); ; ) {
    try {
      if (!statSync(d).isDirectory()) throw fail(d === resolve(dir) ? 'not a directory' : `${d} is not a directory`);
      break;
    } catch (e) {
      if (e instanceof UserError) throw e;
      if (code(e) !== 'ENOENT') throw fail(code(e));
    }
    missing.unshift(d);
    const parent = dirname(d);
    if (parent === d) throw fail('ENOENT');
    d = parent;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if (code(e) === 'EEXIST' && statSync(d, { throwIfNoEntry: false })?.isDirectory()) continue;
      throw fail(code(e));
    }
  }
}

export function writeRunOutputs(o: RunOutputs): void {
  ensureDir(o.dir);
  writeFileSync(join(o.dir, 'results.json'), JSON.stringify(o.results, null, 2) + '\n');
  const xml = junitXml(o.results);
  writeFileSync(join(o.dir, 'junit.xml'), xml);
  if (o.junitFile) {
    ensureDir(dirname(o.junitFile), '--junit');
    try {
      writeFileSync(o.junitFile, xml);
    } catch (e) {
      throw new UserError(`cannot write JUnit XML: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: o.junitFile });
    }
  }
  if (o.html !== false) writeHtmlReport(o.dir, o.results, o.history);
  appendGithubSummary(o.results, o.dir, o.githubSummary);
}

/** `reports/<UTC timestamp>-<short name>` */
export function defaultRunDir(shortName: string, now: Date = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safe = shortName.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 40) || 'run';
  return join('reports', `${ts}-${safe}`);
}
