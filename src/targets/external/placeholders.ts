// `{placeholder}` substitution in the argv arrays and probes of a target file: per-node values
// (name, host, dataDir, ports, node vars), cluster values (joined vars, knobs, runId). Each argv
// element is substituted on its own and stays one argument: no shell ever sees it.

import type { ExternalTargetConfig } from '../../config/types.js';
import { UserError } from '../../errors.js';

/** What every node's commands may name, besides its ports, its vars, the file's vars and knobs. */
export const NODE_BUILTINS = ['name', 'index', 'host', 'dataDir', 'logFile', 'dir', 'runId', 'gateway', 'targetDir'];
/** Placeholders only some commands have. */
export const COMMAND_EXTRAS: Record<string, string[]> = { partition: ['groups'], skewClock: ['offsetMs'] };

/** Left to right: an escaped brace, or a placeholder (so `{port}}` is the port and a brace). */
const TOKEN = /\{\{|\}\}|\{([A-Za-z][A-Za-z0-9_.-]*)\}/g;

export type Values = Record<string, string>;

/** Substitutes `{name}` by values[name]; `{{` and `}}` stand for literal braces. Unknown names throw. */
export function substitute(text: string, values: Values): string {
  return text.replace(TOKEN, (m, key: string | undefined) => {
    if (key === undefined) return m[0];
    const v = values[key];
    if (v === undefined) throw new UserError(`unknown placeholder {${key}} in ${JSON.stringify(text)}`, { field: 'target' });
    return v;
  });
}

export function substituteArgv(argv: string[], values: Values): string[] {
  return argv.map((a) => substitute(a, values));
}

/** The placeholder names a text uses. */
export function placeholdersIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TOKEN)) if (m[1] !== undefined) out.push(m[1]);
  return out;
}

/** Every name a node's commands may use in this target file (for validation before the run). */
export function knownNames(t: Pick<ExternalTargetConfig, 'ports' | 'vars' | 'settings' | 'nodes'>): string[] {
  const nodeVars = new Set(t.nodes.flatMap((n) => Object.keys(n.vars)));
  return [...NODE_BUILTINS, ...t.ports, ...nodeVars, ...Object.keys(t.vars), ...Object.keys(t.settings)];
}

/** Per-node values without the file's vars (which are built from these); names never clash (schema). */
export function nodeValues(base: Values, node: { name: string; vars: Record<string, string> }, extra: Values): Values {
  return { ...base, ...node.vars, ...extra, name: node.name };
}

/**
 * Every node's values with the file's vars: plain vars substituted per node (they may use the
 * node's values), then joined vars over every node's values (they may use plain vars too).
 */
export function withFileVars(t: Pick<ExternalTargetConfig, 'vars'>, perNode: Values[]): Values[] {
  const entries = Object.entries(t.vars);
  const withPlain = perNode.map((nv) => {
    const out = { ...nv };
    for (const [k, v] of entries) if (typeof v === 'string') out[k] = substitute(v, nv);
    return out;
  });
  const joined: Values = {};
  for (const [k, v] of entries) if (typeof v !== 'string') joined[k] = withPlain.map((nv) => substitute(v.each, nv)).join(v.join);
  return withPlain.map((nv) => ({ ...nv, ...joined }));
}
