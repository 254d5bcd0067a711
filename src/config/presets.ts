// Preset lookup: `--workload append` -> workloads/append.yaml, `--nemesis x` -> nemesis/x.yaml,
// `--target memory` -> targets/memory.yaml (or the built-in defaults); anything path-like is a file.

import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { readYamlFile, type YamlFile } from './yamlfile.js';

export type PresetKind = 'workload' | 'nemesis' | 'target';

const DIRS: Record<PresetKind, string> = { workload: 'workloads', nemesis: 'nemesis', target: 'targets' };

/** The repository root (from src/config or dist/config). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function presetDir(kind: PresetKind): string {
  return join(PACKAGE_ROOT, DIRS[kind]);
}

export function isPathLike(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || /\.ya?ml$/i.test(ref);
}

export function stemOf(file: string): string {
  return basename(file, extname(file));
}

/** Names of the presets of a kind (file stems), sorted. */
export function presetNames(kind: PresetKind): string[] {
  const dir = presetDir(kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f))
    .map(stemOf)
    .sort();
}

/**
 * The file a preset reference names, or undefined for a built-in name without a file
 * (`--target memory` before targets/memory.yaml exists, `--nemesis none`).
 */
export function presetFile(kind: PresetKind, ref: string, field: string): string | undefined {
  if (isPathLike(ref)) {
    if (!existsSync(ref)) throw new UserError(`no such file ${JSON.stringify(ref)}`, { field, file: ref });
    return ref;
  }
  for (const ext of ['.yaml', '.yml']) {
    const f = join(presetDir(kind), ref + ext);
    if (existsSync(f)) return f;
  }
  return undefined;
}

export function unknownPreset(kind: PresetKind, ref: string, field: string, builtins: string[] = []): UserError {
  const known = [...new Set([...presetNames(kind), ...builtins])].sort();
  return new UserError(`unknown ${kind} ${JSON.stringify(ref)}; expected a file or one of ${known.join(', ')}`, { field });
}

export interface PresetInfo {
  name: string;
  description: string;
}

/** Name and description of every preset of a kind, for `replcheck list`. */
export function listPresets(kind: PresetKind): PresetInfo[] {
  const out: PresetInfo[] = [];
  for (const name of presetNames(kind)) {
    let y: YamlFile | undefined;
    try {
      y = readYamlFile(presetFile(kind, name, kind)!);
    } catch {
      y = undefined;
    }
    const v = (y?.value ?? {}) as Record<string, unknown>;
    out.push({ name, description: typeof v.description === 'string' ? v.description : '(no description)' });
  }
  return out;
}
