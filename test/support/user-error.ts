// Test helper: the one line the CLI would print for the UserError a function throws.

import { UserError } from '../../src/errors.js';

/** The UserError `f` throws, as the CLI words it; undefined if it throws none (anything else is rethrown). */
export function userErrorOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e.describe();
    throw e;
  }
  return undefined;
}

/** As userErrorOf, for an `f` that must throw one (`what` names it when it does not). */
export function userError(f: () => unknown, what = ''): string {
  const m = userErrorOf(f);
  if (m === undefined) throw new Error(`expected a UserError${what ? ` for ${what}` : ''}`);
  return m;
}
