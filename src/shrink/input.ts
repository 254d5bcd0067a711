// What `replcheck shrink` starts from: a run directory (SPEC section 3) read back — its results,
// whether it is a `run` (config.yaml beside results.json) or a `check` of a stored history, and
// the checker to shrink for (named, or the first that failed).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findChecker, selectCheckers } from '../checkers/registry.js';
import type { Checker } from '../checkers/types.js';
import { loadRunConfig } from '../config/load.js';
import type { RunConfig } from '../config/types.js';
import { isUserError, UserError } from '../errors.js';
import { historyEvents } from '../history/events.js';
import { forEachLine } from '../history/jsonl.js';
import { loadHistory } from '../history/load.js';
import type { History, HistoryEvent, WorkloadKind } from '../history/types.js';
import type { Results } from '../report/results.js';

export interface ShrinkInput {
  dir: string;
  results: Results;
  /** The run's configuration (config.yaml); absent for a `check` run directory. */
  config?: RunConfig;
}

export function readShrinkInput(dir: string): ShrinkInput {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`not a run directory: ${dir} is not a directory`);
  const resultsFile = join(dir, 'results.json');
  if (!existsSync(resultsFile)) throw new UserError(`not a run directory: ${dir} has no results.json`);
  let results: Results;
  try {
    results = JSON.parse(readFileSync(resultsFile, 'utf8')) as Results;
  } catch (e) {
    throw new UserError(`cannot read results.json: ${(e as Error).message}`, { file: resultsFile });
  }
  if (results === null || typeof results !== 'object' || typeof results.checkers !== 'object' || results.checkers === null) {
    throw new UserError('not a results file: expected an object with "checkers"', { file: resultsFile });
  }
  const configFile = join(dir, 'config.yaml');
  const config = existsSync(configFile) ? loadRunConfig({ config: configFile }).config : undefined;
  return { dir, results, config };
}

/** The workload the checkers were run for: the config's, else results.json's, else append. */
function workloadOf(input: ShrinkInput): WorkloadKind {
  if (input.config) return input.config.workload.kind;
  const w = input.results.workload;
  return w === 'register' || w === 'kv' ? w : 'append';
}

/**
 * The checker to shrink for: `name`, or the first in results.json that failed; it must have failed
 * in this run. A run's own spec (with options) is used when config.yaml lists one of that name.
 */
export function pickChecker(input: ShrinkInput, name?: string): Checker {
  const verdicts = Object.entries(input.results.checkers);
  if (name === undefined) {
    const failed = verdicts.find(([, v]) => v.valid === false);
    if (!failed) {
      const unknown = verdicts.filter(([, v]) => v.valid !== true).map(([k]) => k);
      throw new UserError(unknown.length ? `nothing to shrink: no checker failed (unknown: ${unknown.join(', ')})` : 'nothing to shrink: every checker held');
    }
    name = failed[0];
  }
  const known = findChecker(name);
  const base = known?.name ?? name;
  const spec = input.config?.checkers.find((s) => findChecker(s)?.name === base) ?? name;
  const checker = selectCheckers([spec], workloadOf(input), '--checker')[0];
  const verdict = input.results.checkers[checker.name];
  if (!verdict) throw new UserError(`nothing to shrink: ${checker.name} was not run in ${input.dir} (run: ${verdicts.map(([k]) => k).join(', ')})`, { field: '--checker' });
  if (verdict.valid !== false) throw new UserError(`nothing to shrink: ${checker.name} ${verdict.valid === true ? 'held' : 'was unknown'} in ${input.dir}`, { field: '--checker' });
  return checker;
}

/** A history with its events exactly as stored (a JSONL file's lines; else rebuilt from the History). */
export interface StoredHistory {
  history: History;
  events: HistoryEvent[];
}

/** The events of a JSONL file that loaded as `h`, line by line (blank lines skipped). */
function jsonlEvents(file: string, h: History): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  forEachLine(file, (text, line) => {
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() !== '') events.push(JSON.parse(text) as HistoryEvent);
  });
  return events.length === h.eventCount ? events : historyEvents(h);
}

/**
 * The history of a run directory: its history.jsonl, or, when that does not load (a kv history
 * imported from another format), the file results.json names as the source.
 */
export function loadRunHistory(input: ShrinkInput): StoredHistory {
  const file = join(input.dir, 'history.jsonl');
  const source = input.results.history;
  const fromSource = (): StoredHistory => {
    const history = loadHistory(source!);
    return { history, events: historyEvents(history) };
  };
  if (!existsSync(file)) {
    if (typeof source === 'string' && existsSync(source)) return fromSource();
    throw new UserError(`no history to shrink: ${input.dir} has no history.jsonl`);
  }
  try {
    const history = loadHistory(file, 'jsonl');
    return { history, events: jsonlEvents(file, history) };
  } catch (e) {
    if (!isUserError(e) || typeof source !== 'string' || resolve(source) === resolve(file) || !existsSync(source)) throw e;
    return fromSource();
  }
}
