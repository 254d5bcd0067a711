// The list of checkers: adding one is one new file and one line here.

import { UserError } from '../errors.js';
import type { WorkloadKind } from '../history/types.js';
import { consistentPrefix } from './consistent-prefix.js';
import { convergence } from './convergence.js';
import { linearizable } from './linearizable.js';
import { lostWrites } from './lost-writes.js';
import { monotonicReads } from './monotonic-reads.js';
import { readYourWritesUser } from './read-your-writes-user.js';
import { readYourWrites } from './read-your-writes.js';
import type { Checker } from './types.js';

/** Every built-in checker, in the order results list them. */
export const CHECKERS: Checker[] = [
  readYourWrites,
  readYourWritesUser,
  monotonicReads,
  lostWrites,
  consistentPrefix,
  convergence,
  linearizable,
];

export function checkerNames(): string[] {
  return CHECKERS.map((c) => c.name);
}

/** The checkers named in a comma list, or all that fit the workload when the list is empty. */
export function selectCheckers(list: string | string[] | undefined, workload: WorkloadKind, field = '--checkers'): Checker[] {
  const names = Array.isArray(list) ? list : list ? list.split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (names.length === 0) return CHECKERS.filter((c) => c.appliesTo(workload));
  return names.map((n) => {
    const c = CHECKERS.find((x) => x.name === n);
    if (!c) throw new UserError(`unknown checker ${JSON.stringify(n)}; known: ${checkerNames().join(', ')}`, { field });
    return c;
  });
}
