// Builds the effective RunConfig from --config, presets, --set overrides and flags (flags win),
// validates it once, and maps every problem to a one-line UserError naming file, line and field.
// No path or key reaches a prototype: reserved names are rejected, lookups are own-property only.

import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import { CHECKERS, findChecker } from '../checkers/registry.js';
import { UserError } from '../errors.js';
import type { WorkloadKind } from '../history/types.js';
import { LIMITS } from './limits.js';
import { randomSeed } from '../rng.js';
import { defaultTarget, defaultWorkload, noNemesis } from './defaults.js';
import { isPathLike, presetFile, stemOf, unknownPreset, type PresetKind } from './presets.js';
import { kindOf, TARGET_TYPES } from '../targets/kinds.js';
import { runSchema, toRunConfig } from './schema.js';
import type { RunConfig } from './types.js';
import { formatPath, isReservedKey, lineOf, parseYamlValue, readYamlFile, reservedKeyMessage, type Path, type YamlFile } from './yamlfile.js';

/** The options of `replcheck run` that shape the test (output options are separate). */
export interface ConfigFlags {
  config?: string;
  target?: string;
  workload?: string;
  nemesis?: string;
  checkers?: string;
  set?: string[];
  seed?: string | number;
  ops?: string | number;
  timeLimit?: string | number;
  concurrency?: string | number;
}

type Section = 'seed' | 'target' | 'workload' | 'nemesis' | 'checkers';
const SECTIONS: Section[] = ['seed', 'target', 'workload', 'nemesis', 'checkers'];

/** Where a section's raw value came from: a YAML file (with the path of the section in it) or nowhere. */
interface Origin {
  yaml?: YamlFile;
  prefix: Path;
}

/** A value set from the command line (a --set or a flag), named in errors. */
interface Override {
  path: Path;
  label: string;
}

type Raw = Record<string, unknown>;

function isPlainObject(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const hasOwn = (o: object, k: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** b over a: objects merge recursively, anything else replaces. */
export function deepMerge(a: unknown, b: unknown): unknown {
  if (!isPlainObject(a) || !isPlainObject(b)) return structuredClone(b);
  const out: Raw = structuredClone(a);
  for (const [k, v] of Object.entries(b)) {
    // YAML and --set values are scanned for these already; this keeps the merge safe on its own.
    if (isReservedKey(k)) throw new UserError(reservedKeyMessage(k));
    out[k] = hasOwn(out, k) ? deepMerge(out[k], v) : structuredClone(v);
  }
  return out;
}

/** The built-in values a section's mapping is merged over (without a description of its own). */
function baseFor(kind: PresetKind, v: Raw): Raw {
  let base: Raw;
  if (kind === 'target') return kindOf(v.type).defaults();
  else if (kind === 'workload') base = defaultWorkload(v.kind === 'register' ? 'register' : 'append') as unknown as Raw;
  else return { ...noNemesis(), description: '' } as unknown as Raw;
  delete base.description;
  return base;
}

/** A preset or file reference for one section: its raw value over the built-in base, and its origin. */
function loadSection(kind: PresetKind, ref: string, field: string): { raw: Raw; origin: Origin } {
  const file = presetFile(kind, ref, field);
  if (file === undefined) {
    if (kind === 'target' && ref === 'memory') return { raw: defaultTarget('memory') as unknown as Raw, origin: { prefix: [] } };
    if (kind === 'target' && ref === 'http') return { raw: defaultTarget(ref) as unknown as Raw, origin: { prefix: [] } };
    if (kind === 'nemesis' && ref === 'none') return { raw: noNemesis() as unknown as Raw, origin: { prefix: [] } };
    throw unknownPreset(kind, ref, field, kind === 'target' ? ['memory', 'http'] : kind === 'nemesis' ? ['none'] : []);
  }
  const yaml = readYamlFile(file);
  if (!isPlainObject(yaml.value)) throw new UserError(`expected a mapping of ${kind} settings`, { file, line: 1 });
  const value = { ...yaml.value };
  if (value.name === undefined) value.name = stemOf(file);
  if (kind === 'target') anchorTarget(value, file);
  return { raw: deepMerge(baseFor(kind, value), value) as Raw, origin: { yaml, prefix: [] } };
}

/**
 * An external target remembers the file it came from (its commands run in that directory) and its
 * `client.module` path is relative to the file (a bare name is a built-in client).
 */
function anchorTarget(value: Raw, file: string): void {
  if (value.type !== 'external') return;
  if (value.file === undefined) value.file = resolve(file);
  const client = value.client;
  if (!isPlainObject(client) || typeof client.module !== 'string') return;
  if (isPathLike(client.module) && !isAbsolute(client.module)) value.client = { ...client, module: resolve(dirname(file), client.module) };
}

/** `a.b[0].c` or `a.b.0.c` -> ['a','b',0,'c'] */
export function parseSetPath(s: string): Path {
  const out: Path = [];
  for (const part of s.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m || (m[1] === '' && m[2] === '')) throw new UserError(`bad path ${JSON.stringify(s)}`, { field: '--set' });
    if (isReservedKey(m[1])) throw new UserError(reservedKeyMessage(m[1]), { field: `--set ${s}` });
    if (m[1] !== '') out.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** The own property `step` of a container (never an inherited one), or undefined. */
function ownChild(c: unknown, step: string | number): unknown {
  return c !== null && typeof c === 'object' && hasOwn(c, step) ? (c as Record<string | number, unknown>)[step] : undefined;
}

/** Checks that `step` may be used on `cur` (an index into a list, a name into a mapping). */
function checkStep(cur: unknown, step: string | number, path: Path, i: number, label: string): void {
  if (isReservedKey(step)) throw new UserError(reservedKeyMessage(step as string), { field: label });
  if (!Array.isArray(cur)) return;
  const at = formatPath(path.slice(0, i));
  if (typeof step !== 'number') throw new UserError(`${at} is a list: expected an index like ${at}[0], got ${JSON.stringify(step)}`, { field: label });
  if (step > cur.length) throw new UserError(`index ${step} is past the end of ${at} (length ${cur.length})`, { field: label });
}

function setIn(root: Raw, path: Path, value: unknown, label: string): void {
  let cur: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    const step = path[i];
    checkStep(cur, step, path, i, label);
    const child = ownChild(cur, step);
    if (child === null || typeof child !== 'object') {
      (cur as Record<string | number, unknown>)[step] = typeof path[i + 1] === 'number' ? [] : {};
    }
    cur = (cur as Record<string | number, unknown>)[step];
  }
  const last = path[path.length - 1];
  checkStep(cur, last, path, path.length - 1, label);
  (cur as Record<string | number, unknown>)[last] = value;
}

function getIn(root: unknown, path: Path): unknown {
  let cur = root;
  for (const step of path) cur = ownChild(cur, step);
  return cur;
}

function intFlag(v: string | number, field: string, bounds: { min: number; max: number }): number {
  const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < bounds.min || n > bounds.max) {
    throw new UserError(`expected an integer from ${bounds.min} to ${bounds.max}, got ${JSON.stringify(v)}`, { field });
  }
  return n;
}

export interface LoadedConfig {
  config: RunConfig;
  /** `<target>-<workload>-<nemesis>`, for the default run directory name. */
  shortName: string;
}

/** The effective configuration of a run. `seedSource` supplies the seed when none is given. */
export function loadRunConfig(flags: ConfigFlags, seedSource: () => number = randomSeed): LoadedConfig {
  const raw: Raw = {};
  const origins = new Map<Section, Origin>();
  const overrides: Override[] = [];

  if (flags.config !== undefined) {
    const yaml = readYamlFile(flags.config);
    const top = yaml.value ?? {};
    if (!isPlainObject(top)) throw new UserError('expected a mapping with target:, workload:, nemesis:, checkers:, seed:', { file: flags.config, line: 1 });
    for (const [k, v] of Object.entries(top)) {
      if (!SECTIONS.includes(k as Section)) {
        throw new UserError(`unknown section ${JSON.stringify(k)}; expected ${SECTIONS.join(', ')}`, { file: flags.config, line: lineOf(yaml, [k]), field: k });
      }
      const s = k as Section;
      if ((s === 'target' || s === 'workload' || s === 'nemesis') && typeof v === 'string') {
        // A path in a config file is relative to that file.
        const ref = isPathLike(v) && !isAbsolute(v) ? join(dirname(flags.config), v) : v;
        const r = loadSection(s, ref, s);
        raw[s] = r.raw;
        origins.set(s, r.origin);
      } else if ((s === 'target' || s === 'workload' || s === 'nemesis') && isPlainObject(v)) {
        raw[s] = deepMerge(baseFor(s, v), v);
        if (s === 'target') anchorTarget(raw[s] as Raw, flags.config);
        origins.set(s, { yaml, prefix: [s] });
      } else {
        raw[s] = v;
        origins.set(s, { yaml, prefix: [s] });
      }
    }
  }
  for (const [s, ref, def] of [
    ['target', flags.target, 'memory'],
    ['workload', flags.workload, 'append'],
    ['nemesis', flags.nemesis, 'none'],
  ] as const) {
    if (ref !== undefined || raw[s] === undefined) {
      const r = loadSection(s, ref ?? def, `--${s}`);
      raw[s] = r.raw;
      origins.set(s, r.origin);
    }
  }
  if (flags.checkers !== undefined) {
    raw.checkers = flags.checkers;
    overrides.push({ path: ['checkers'], label: '--checkers' });
  }
  if (raw.checkers === undefined) raw.checkers = [];

  for (const item of flags.set ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UserError(`expected PATH=VALUE, got ${JSON.stringify(item)}`, { field: '--set' });
    const pathText = item.slice(0, eq).trim();
    const path = parseSetPath(pathText);
    const label = `--set ${pathText}`;
    if (!SECTIONS.includes(path[0] as Section)) {
      throw new UserError(`unknown section ${JSON.stringify(path[0])}; expected ${SECTIONS.join(', ')}`, { field: label });
    }
    const value = parseYamlValue(item.slice(eq + 1), label);
    const section = path[0] as Section;
    if (path.length === 1 && typeof value === 'string' && (section === 'target' || section === 'workload' || section === 'nemesis')) {
      // `--set nemesis=kill-leader`: a preset name or file, like the flag.
      const r = loadSection(section, value, label);
      raw[section] = r.raw;
      origins.set(section, r.origin);
      continue;
    }
    if (path.length === 1) raw[path[0]] = value;
    else setIn(raw, path, value, label);
    overrides.push({ path, label });
  }

  // A workload section that is not a mapping is the schema's to report; the flags then set nothing.
  const hasWorkload = isPlainObject(raw.workload);
  const workload: Raw = hasWorkload ? (raw.workload as Raw) : {};
  const flagSets = (path: Path, label: string): void => {
    if (hasWorkload) overrides.push({ path, label });
  };
  if (flags.ops !== undefined) {
    workload.ops = intFlag(flags.ops, '--ops', LIMITS.workload.ops);
    flagSets(['workload', 'ops'], '--ops');
  }
  if (flags.timeLimit !== undefined) {
    const { min, max } = LIMITS.timeLimitSeconds;
    const s = typeof flags.timeLimit === 'number' ? flags.timeLimit : Number(flags.timeLimit);
    if (!Number.isFinite(s) || s < min || s > max || String(flags.timeLimit).trim() === '') {
      throw new UserError(`expected a number of seconds from ${min} to ${max}, got ${JSON.stringify(flags.timeLimit)}`, { field: '--time-limit' });
    }
    workload.timeLimitMs = Math.max(1, Math.round(s * 1000));
    // A time limit alone means "run for this long": the op limit is lifted (and --time-limit is
    // what any complaint about the op limit is about).
    if (flags.ops === undefined) {
      workload.ops = 0;
      flagSets(['workload', 'ops'], '--time-limit');
    }
    flagSets(['workload', 'timeLimitMs'], '--time-limit');
  }
  if (flags.concurrency !== undefined) {
    workload.concurrency = intFlag(flags.concurrency, '--concurrency', LIMITS.workload.concurrency);
    flagSets(['workload', 'concurrency'], '--concurrency');
  }
  if (flags.seed !== undefined) {
    raw.seed = intFlag(flags.seed, '--seed', LIMITS.seed);
    overrides.push({ path: ['seed'], label: '--seed' });
  }
  if (raw.seed === undefined) raw.seed = seedSource();
  // A preset's description no longer describes a section the command line changed.
  for (const section of ['target', 'workload', 'nemesis'] as const) {
    const changed = overrides.some((o) => o.path[0] === section && o.path.length > 1 && o.path[1] !== 'description' && o.path[1] !== 'name');
    const sec = raw[section];
    if (!changed || !isPlainObject(sec) || typeof sec.description !== 'string') continue;
    if (section === 'nemesis') sec.description = sec.description.endsWith(' (modified)') ? sec.description : `${sec.description} (modified)`;
    else delete sec.description;
  }

  const targetType = isPlainObject(raw.target) ? raw.target.type : undefined;
  if (targetType !== undefined && !(TARGET_TYPES as unknown[]).includes(targetType)) {
    const issue = { code: 'invalid_value', values: [...TARGET_TYPES], path: ['target', 'type'], message: '' } as unknown as z.core.$ZodIssue;
    throw issueToError(issue, raw, origins, overrides);
  }
  const parsed = runSchema(kindOf(targetType).schema).safeParse(raw);
  if (!parsed.success) throw issueToError(parsed.error.issues[0], raw, origins, overrides);
  const config = toRunConfig(parsed.data);
  const bad = checkerIssue(config.checkers, config.workload.kind, Array.isArray(raw.checkers));
  if (bad) throw issueToError(bad, raw, origins, overrides);
  return { config, shortName: `${config.target.name}-${config.workload.name}-${config.nemesis.name}` };
}

/**
 * A checker named in the configuration that is unknown, or that does not apply to the workload
 * (a run would check nothing with it): bad input before the run starts.
 */
function checkerIssue(names: string[], workload: WorkloadKind, isList: boolean): z.core.$ZodIssue | undefined {
  const fits = CHECKERS.filter((c) => c.appliesTo(workload)).map((c) => c.name);
  for (const [i, name] of names.entries()) {
    const path = isList ? ['checkers', i] : ['checkers'];
    const c = findChecker(name); // a spec may carry options: bounded-staleness:maxStalenessMs=500
    let message: string | undefined;
    if (!c) {
      const hint = didYouMean(name, CHECKERS.map((x) => x.name));
      message = `unknown checker ${JSON.stringify(name)}${hint ? ` (did you mean ${hint}?)` : ''}; known: ${CHECKERS.map((x) => x.name).join(', ')}`;
    } else if (!c.appliesTo(workload)) {
      const kinds = (['append', 'register'] as WorkloadKind[]).filter((k) => c.appliesTo(k));
      message = `checker ${JSON.stringify(name)} does not apply to the ${workload} workload (only to ${kinds.join(', ') || 'none'}); for ${workload}: ${fits.join(', ')}`;
    }
    if (message) return { code: 'custom', path, message, input: name } as z.core.$ZodIssue;
  }
  return undefined;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined; // circular or a BigInt: not from a validated file, but never a crash
  }
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function issueMessage(issue: z.core.$ZodIssue, actual: unknown, known: string[] = []): string {
  switch (issue.code) {
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? show(issue.values[0]) : `one of ${issue.values.map((v) => String(v)).join(', ')}`}, got ${show(actual)}`;
    case 'invalid_type':
      return actual === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${show(actual)}`;
    case 'unrecognized_keys': {
      const hint = didYouMean(String(issue.keys[0]), known);
      return `unknown knob ${show(issue.keys[0])}${hint ? ` (did you mean ${hint}?)` : ''}`;
    }
    case 'too_small':
      if (Array.isArray(actual)) return `expected at least ${String(issue.minimum)} entries, got ${actual.length}`;
      return `expected ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}, got ${show(actual)}`;
    case 'too_big':
      if (Array.isArray(actual)) return `expected at most ${String(issue.maximum)} entries, got ${actual.length}`;
      return `expected ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}, got ${show(actual)}`;
    case 'invalid_union': {
      for (const branch of issue.errors) {
        const custom = branch.find((i) => i.code === 'custom');
        if (custom) return custom.message;
      }
      return `not a valid value: ${show(actual)}`;
    }
    default:
      return issue.code === 'custom' ? issue.message : `${issue.message}, got ${show(actual)}`;
  }
}

function isPrefix(a: Path, b: Path): boolean {
  return a.length <= b.length && a.every((p, i) => p === b[i]);
}

function issueToError(issue: z.core.$ZodIssue, raw: Raw, origins: Map<Section, Origin>, overrides: Override[]): UserError {
  const path: Path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]);
  const parent = getIn(raw, path.slice(0, -1));
  const known = path[0] === 'nemesis' && path[1] === 'schedule' ? FAULT_KEYS : isPlainObject(parent) ? Object.keys(parent) : [];
  const message = issueMessage(issue, getIn(raw, path), known);
  for (let i = overrides.length - 1; i >= 0; i--) {
    const o = overrides[i];
    if (isPrefix(o.path, path) || isPrefix(path, o.path)) {
      const field = o.label.startsWith('--set') && path.length > o.path.length ? `${o.label} (${formatPath(path)})` : o.label;
      return new UserError(message, { field });
    }
  }
  const origin = origins.get(path[0] as Section);
  if (origin?.yaml) {
    const filePath = [...origin.prefix, ...path.slice(1)];
    return new UserError(message, { file: origin.yaml.file, line: lineOf(origin.yaml, filePath), field: formatPath(filePath) });
  }
  return new UserError(message, { field: formatPath(path) });
}

const FAULT_KEYS = ['fault', 'every', 'at', 'duration', 'restartAfter', 'node', 'shape', 'offsetMs', 'strobe'];

/** The closest known name within two edits, for "did you mean" hints. */
export function didYouMean(word: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    if (k === word) continue;
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
