// `{placeholder}` substitution in the argv arrays and probes of a target file: per-node values
// (name, host, dataDir, ports, node vars), cluster values (joined vars, knobs, runId). Each argv
// element is substituted on its own and stays one argument: no shell ever sees it.

import type { ExternalTargetConfig } from '../../config/types.js';

/** What every node's commands may name, besides its ports, its vars, the file's vars and knobs. */
export const NODE_BUILTINS = ['name', 'index', 'host', 'dataDir', 'logFile', 'dir', 'runId', 'gateway', 'targetDir'];
/** Placeholders only some commands have. */
export const COMMAND_EXTRAS: Record<string, string[]> = { partition: ['groups'], skewClock: ['offsetMs'] };

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_.-]*)\}/g;

export type Values = Record<string, string>;

/** Substitutes `{name}` by values[name]; `{{` and `}}` stand for literal braces. Unknown names throw. */
export function substitute(text: string, values: Values): string {
  const parts = text.split(/(\{\{|\}\})/);
  return parts
    .map((p) => {
      if (p === '{{') return '{';
      if (p === '}}') return '}';
      return p.replace(PLACEHOLDER, (_m, key: string) => {
        const v = values[key];
        if (v === undefined) throw new Error(`unknown placeholder {${key}}`);
        return v;
      });
    })
    .join('');
}

export function substituteArgv(argv: string[], values: Values): string[] {
  return argv.map((a) => substitute(a, values));
}

/** The placeholder names a text uses. */
export function placeholdersIn(text: string): string[] {
  const out: string[] = [];
  for (const p of text.split(/\{\{|\}\}/)) for (const m of p.matchAll(PLACEHOLDER)) out.push(m[1]);
  return out;
}

/** Every name a node's commands may use in this target file (for validation before the run). */
export function knownNames(t: Pick<ExternalTargetConfig, 'ports' | 'vars' | 'settings' | 'nodes'>): string[] {
  const nodeVars = new Set(t.nodes.flatMap((n) => Object.keys(n.vars)));
  return [...NODE_BUILTINS, ...t.ports, ...nodeVars, ...Object.keys(t.vars), ...Object.keys(t.settings)];
}

/** Per-node values without the joined vars (which are built from these). */
export function nodeValues(base: Values, node: { name: string; vars: Record<string, string> }, extra: Values): Values {
  return { ...base, ...node.vars, ...extra, name: node.name };
}

/** The cluster-wide vars: plain strings substituted once, joined vars over every node's values. */
export function clusterVars(t: Pick<ExternalTargetConfig, 'vars'>, perNode: Values[], base: Values): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(t.vars)) {
    out[k] = typeof v === 'string' ? substitute(v, base) : perNode.map((nv) => substitute(v.each, nv)).join(v.join);
  }
  return out;
}
