// The list of checkers: adding one is one new file and one line here. A checker is named by its
// spec: its name, then any options as `:option=value` (`bounded-staleness:maxStalenessMs=500`).

import { UserError } from '../errors.js';
import type { WorkloadKind } from '../history/types.js';
import { boundedStaleness } from './bounded-staleness.js';
import { consistentPrefix } from './consistent-prefix.js';
import { convergence } from './convergence.js';
import { linearizable } from './linearizable.js';
import { lostWrites } from './lost-writes.js';
import { monotonicReads } from './monotonic-reads.js';
import { monotonicWrites } from './monotonic-writes.js';
import { readYourWritesUser } from './read-your-writes-user.js';
import { readYourWrites } from './read-your-writes.js';
import type { Checker } from './types.js';
import { writesFollowReads } from './writes-follow-reads.js';

/** Every built-in checker, in the order results list them. */
export const CHECKERS: Checker[] = [
  readYourWrites,
  readYourWritesUser,
  monotonicReads,
  monotonicWrites,
  writesFollowReads,
  lostWrites,
  consistentPrefix,
  convergence,
  boundedStaleness,
  linearizable,
];

export function checkerNames(): string[] {
  return CHECKERS.map((c) => c.name);
}

/** The checker a spec names (`name` or `name:option=value...`), options not looked at; undefined if none. */
export function findChecker(spec: string): Checker | undefined {
  const name = spec.split(':')[0].trim();
  return CHECKERS.find((c) => c.name === name);
}

/** The options of a spec, checked against what the checker takes (a bad one is a UserError naming `field`). */
function specParams(c: Checker, spec: string, field: string): Record<string, number> | undefined {
  const parts = spec.split(':').slice(1).map((s) => s.trim());
  if (parts.length === 0) return undefined;
  const known = c.options ?? {};
  const names = Object.keys(known);
  const takes = names.length ? `it takes ${names.map((n) => `${n} (${known[n].description}, default ${known[n].default})`).join(', ')}` : 'it takes none';
  const params: Record<string, number> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq).trim();
    const opt = known[key];
    if (eq < 0 || !opt) throw new UserError(`checker ${c.name}: unknown option ${JSON.stringify(part)} (write ${c.name}:option=value); ${takes}`, { field });
    const text = part.slice(eq + 1).trim();
    const v = Number(text);
    if (text === '' || !Number.isFinite(v) || v < opt.min) throw new UserError(`checker ${c.name}: ${key} must be a number >= ${opt.min}, got ${JSON.stringify(text)}`, { field });
    params[key] = v;
  }
  return params;
}

/** A checker with its spec's options bound: it keeps its name, so results list it as usual. */
function configured(c: Checker, params: Record<string, number> | undefined): Checker {
  if (params === undefined) return c;
  return { ...c, check: (h, opts = {}) => c.check(h, { ...opts, params: { ...opts.params, ...params } }) };
}

/**
 * The checkers named in a comma list of specs, or, when the list is empty, all that fit the workload
 * and run by default (bounded-staleness runs only when named).
 */
export function selectCheckers(list: string | string[] | undefined, workload: WorkloadKind, field = '--checkers'): Checker[] {
  const names = Array.isArray(list) ? list : list ? list.split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (names.length === 0) return CHECKERS.filter((c) => c.appliesTo(workload) && c.byDefault !== false);
  return names.map((n) => {
    const c = findChecker(n);
    if (!c) throw new UserError(`unknown checker ${JSON.stringify(n)}; known: ${checkerNames().join(', ')}`, { field });
    return configured(c, specParams(c, n, field));
  });
}
