// The matrix's plan: which designs (the memory-target presets targets/memory*.yaml, found at run
// time) and fault schedules (nemesis/*.yaml plus none) to cross, the seeds, and every run's
// configuration, all validated before the first run starts (bad input is exit 2, nothing run).

import { selectCheckers } from '../checkers/registry.js';
import { didYouMean, loadRunConfig } from '../config/load.js';
import { presetNames } from '../config/presets.js';
import type { RunConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { neededCapabilities } from '../nemesis/capabilities.js';
import { kindOf } from '../targets/kinds.js';

/** Virtual seconds each run lasts when neither a time limit nor an op count is given. */
export const DEFAULT_TIME_LIMIT_SECONDS = 10;
export const DEFAULT_SEEDS = 3;
/** The default base seed: fixed, so the default matrix is the same table every time it runs. */
export const DEFAULT_BASE_SEED = 1;
export const MAX_SEEDS = 1000;

export interface MatrixOptions {
  /** Design (target preset) names; default: every memory-target preset. */
  designs?: string[];
  /** Fault schedule (nemesis preset) names; default: none plus every preset. */
  nemeses?: string[];
  seeds: number;
  baseSeed: number;
  workload?: string;
  /** Seconds of virtual time per run, or client operations per run (validated as `run` does). */
  timeLimit?: string | number;
  ops?: string | number;
}

export interface Named {
  name: string;
  description: string;
}

export interface PlannedRun {
  design: string;
  nemesis: string;
  seed: number;
  /** `<design>--<nemesis>--<seed>`: the run directory's name under runs/. */
  name: string;
  config: RunConfig;
}

export interface PlannedCell {
  design: string;
  nemesis: string;
  /** Why the cell is not run (a fault the design cannot take), if so. */
  skipped?: string;
  runs: PlannedRun[];
}

export interface MatrixPlan {
  designs: Named[];
  nemeses: Named[];
  seeds: number[];
  baseSeed: number;
  workload: string;
  /** The run length actually used: virtual ms (0: none) and op count (0: none). */
  timeLimitMs: number;
  ops: number;
  cells: PlannedCell[];
}

/** The memory-target design presets, by name: `memory` (built in, or targets/memory.yaml) and targets/memory-*.yaml. */
export function knownDesigns(): string[] {
  const found = presetNames('target').filter((n) => n === 'memory' || n.startsWith('memory-'));
  return ['memory', ...found.filter((n) => n !== 'memory')];
}

/**
 * Designs whose point shows only with a workload of their own, run a second time with it as the
 * row `design@workload`: a statement log diverges (and a mixed log does not) only when statements
 * are nondeterministic; owner-on-leader keeps read-your-writes only when users write their own keys.
 */
const PAIRED_ROWS: [design: string, workload: string][] = [
  ['memory-statement-log', 'append-nondeterministic'],
  ['memory-mixed-log', 'append-nondeterministic'],
  ['memory-owner-on-leader', 'append-owned'],
];

/** The default rows: every design with the matrix's workload, then the paired rows whose design and workload exist. */
export function defaultDesignRows(): string[] {
  const designs = knownDesigns();
  const workloads = presetNames('workload');
  const paired = PAIRED_ROWS.filter(([d, w]) => designs.includes(d) && workloads.includes(w)).map(([d, w]) => `${d}@${w}`);
  return [...designs, ...paired];
}

/** A row `design` or `design@workload` as its two parts. */
export function splitRow(row: string): { design: string; workload?: string } {
  const at = row.indexOf('@');
  return at < 0 ? { design: row } : { design: row.slice(0, at), workload: row.slice(at + 1) };
}

/** `--designs`: names, each a design or `design@workload` (both parts known). */
export function parseDesignList(text: string, field = '--designs'): string[] {
  const rows = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  if (rows.length === 0) parseNameList(text, field, 'design', knownDesigns());
  for (const row of rows) {
    const { design, workload } = splitRow(row);
    parseNameList(design, field, 'design', knownDesigns());
    if (workload !== undefined) parseNameList(workload, field, 'workload', presetNames('workload'));
  }
  return rows;
}

/** The fault schedules: none first, then every nemesis/ preset. */
export function knownNemeses(): string[] {
  return ['none', ...presetNames('nemesis').filter((n) => n !== 'none')];
}

/** `a, b,,c` -> [a, b, c] (each once, in the order given); every name must be known. */
export function parseNameList(text: string, field: string, what: string, known: string[]): string[] {
  const names = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw new UserError(`expected a comma-separated list of ${what}s; known: ${known.join(', ')}`, { field });
  for (const n of names) {
    if (known.includes(n)) continue;
    const hint = didYouMean(n, known);
    throw new UserError(`unknown ${what} ${JSON.stringify(n)}${hint ? ` (did you mean ${hint}?)` : ''}; known: ${known.join(', ')}`, { field });
  }
  return names;
}

/** Seed i of the matrix (0-based): base + i, wrapping at 2^32. The same seeds in every cell. */
export function matrixSeeds(baseSeed: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => (baseSeed + i) % 2 ** 32);
}

export function runName(design: string, nemesis: string, seed: number): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '-');
  return `${safe(design)}--${safe(nemesis)}--${seed}`;
}

/**
 * The matrix's checkers: the workload's defaults, and for list-append also bounded-staleness (its
 * default bound), whose p99 staleness the matrix shows beside the verdicts.
 */
function withStaleness(config: RunConfig): RunConfig {
  if (config.workload.kind !== 'append') return config;
  const names = selectCheckers(config.checkers, 'append', 'checkers').map((c) => c.name);
  return names.includes('bounded-staleness') ? config : { ...config, checkers: [...names, 'bounded-staleness'] };
}

/** Why a design cannot take a schedule (a fault needing a capability its target lacks), or undefined. */
function missingFault(config: RunConfig): string | undefined {
  const has = kindOf(config.target.type).capabilities(config.target);
  for (const f of config.nemesis.schedule) {
    const lacks = neededCapabilities(f).filter((c) => !has.includes(c));
    if (lacks.length) return `${f.fault} needs ${lacks.join(', ')}, which ${config.target.name} lacks`;
  }
  return undefined;
}

export function planMatrix(o: MatrixOptions): MatrixPlan {
  const designs = o.designs ?? defaultDesignRows();
  const nemeses = o.nemeses ?? knownNemeses();
  const seeds = matrixSeeds(o.baseSeed, o.seeds);
  const timeLimit = o.timeLimit ?? (o.ops === undefined ? DEFAULT_TIME_LIMIT_SECONDS : undefined);
  const cells: PlannedCell[] = [];
  const designInfo: Named[] = [];
  const nemesisInfo = new Map<string, Named>();
  let workload = '';
  let timeLimitMs = 0;
  let ops = 0;
  for (const design of designs) {
    for (const nemesis of nemeses) {
      const row = splitRow(design);
      const flags = { target: row.design, nemesis, workload: row.workload ?? o.workload, seed: seeds[0], timeLimit, ops: o.ops };
      const config = withStaleness(loadRunConfig(flags).config);
      if (config.target.type !== 'memory') {
        throw new UserError(`design ${JSON.stringify(design)} is a ${config.target.type} target; the matrix runs memory-target designs only`, { field: '--designs' });
      }
      if (!nemesisInfo.has(nemesis)) nemesisInfo.set(nemesis, { name: nemesis, description: config.nemesis.description });
      const description = `${config.target.description ?? ''}${row.workload !== undefined ? ` (workload ${row.workload})` : ''}`;
      if (!designInfo.some((d) => d.name === design)) designInfo.push({ name: design, description });
      if (row.workload === undefined || workload === '') workload = row.workload === undefined ? config.workload.name : workload || `${o.workload ?? 'append'}`;
      ({ timeLimitMs, ops } = config.workload);
      const skipped = missingFault(config);
      const runs = skipped ? [] : seeds.map((seed) => ({ design, nemesis, seed, name: runName(design, nemesis, seed), config: { ...config, seed } }));
      cells.push({ design, nemesis, skipped, runs });
    }
  }
  return { designs: designInfo, nemeses: nemeses.map((n) => nemesisInfo.get(n)!), seeds, baseSeed: o.baseSeed, workload, timeLimitMs, ops, cells };
}
