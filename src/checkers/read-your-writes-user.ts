// read-your-writes-user (SPEC 5): read-your-writes across all sessions of one user (cross-device
// read-after-write). An op without a user counts its session as its own user, so for such ops
// this is exactly read-your-writes.

import { appendIndex } from './append/index.js';
import { checkReadYourWrites } from './append/ryw.js';
import { Budget } from './budget.js';
import type { Checker } from './types.js';

export const readYourWritesUser: Checker = {
  name: 'read-your-writes-user',
  description: "a read by any of a user's sessions lacks an element that user appended before it (list-append)",
  appliesTo: (w) => w === 'append',
  check(h, opts = {}) {
    const budget = new Budget(opts);
    const ix = appendIndex(h);
    const { list, readsChecked, stoppedAt, groups } = checkReadYourWrites(ix, ix.byUser, { type: 'read-your-writes-user', elemOwner: ix.elemUser, byUser: true }, opts, budget);
    const opsWithoutUser = ix.opsWithoutUser;
    if (stoppedAt !== undefined) return budget.stopped(list, stoppedAt, groups, 'user-key groups', { readsChecked, users: ix.namedUsers, opsWithoutUser });
    return list.result({
      readsChecked,
      users: ix.namedUsers,
      opsWithoutUser,
      ...(opsWithoutUser > 0 ? { note: 'ops without a user count their session as their own user' } : {}),
    });
  },
};
