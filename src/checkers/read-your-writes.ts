// read-your-writes (SPEC 5): a session's ok read lacks an element that session appended to the
// key with an ok append that completed before the read began.

import { appendIndex } from './append/index.js';
import { checkReadYourWrites } from './append/ryw.js';
import { Budget } from './budget.js';
import type { Checker } from './types.js';

export const readYourWrites: Checker = {
  name: 'read-your-writes',
  description: "a session's read lacks an element the same session appended before it (list-append)",
  appliesTo: (w) => w === 'append',
  check(h, opts = {}) {
    const budget = new Budget(opts);
    const ix = appendIndex(h);
    const { list, readsChecked, stoppedAt, groups } = checkReadYourWrites(ix, ix.bySession, { type: 'read-your-writes', elemOwner: ix.elemSession, byUser: false }, opts, budget);
    const extra = { readsChecked, sessions: ix.sessions.length };
    if (stoppedAt !== undefined) return budget.stopped(list, stoppedAt, groups, 'session-key groups', extra);
    return list.result(extra);
  },
};
