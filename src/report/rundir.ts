// Writes the run directory of SPEC section 3 (results.json, junit.xml, index.html; history.jsonl by the caller).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
}

export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create the run directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: dir });
  }
}

export function writeRunOutputs(o: RunOutputs): void {
  ensureDir(o.dir);
  writeFileSync(join(o.dir, 'results.json'), JSON.stringify(o.results, null, 2) + '\n');
  const xml = junitXml(o.results);
  writeFileSync(join(o.dir, 'junit.xml'), xml);
  if (o.junitFile) {
    try {
      mkdirSync(dirname(o.junitFile), { recursive: true });
      writeFileSync(o.junitFile, xml);
    } catch (e) {
      throw new UserError(`cannot write JUnit XML: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: o.junitFile });
    }
  }
  if (o.html !== false) writeHtmlReport(o.dir, o.results, o.history);
  // The one place the GitHub Actions variable is read; the summary module gets it as an argument.
  appendGithubSummary(o.results, o.dir, process.env.GITHUB_STEP_SUMMARY);
}

/** `reports/<UTC timestamp>-<short name>` */
export function defaultRunDir(shortName: string, now: Date = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safe = shortName.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 40) || 'run';
  return join('reports', `${ts}-${safe}`);
}
