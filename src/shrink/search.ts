// What both shrinkers share: the budget of a search (tries and wall time), how a search ended, and
// ddmin (Zeller's delta debugging) over a list of units for the history shrinker.

import type { CheckResult, Checker } from '../checkers/types.js';
import type { History } from '../history/types.js';

export const DEFAULT_TRIES = 500;
export const DEFAULT_TIME_LIMIT_MS = 60_000;

/** Why a search stopped: nothing smaller failed (a local minimum), or its budget ran out. */
export type StopReason = 'minimal' | 'tries' | 'time';

export interface ShrinkOptions {
  /** At most this many candidates replayed or checked (the input's own replay included). */
  tries?: number;
  /** Wall time for the search, ms. */
  timeLimitMs?: number;
  /** The clock (ms), for tests. */
  now?: () => number;
}

/** Counts tries against both limits; `spend()` is false once either is used up. */
export class Budget {
  used = 0;
  private readonly deadline: number;
  private readonly maxTries: number;
  private readonly now: () => number;
  private stop: StopReason = 'minimal';

  constructor(opts: ShrinkOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.maxTries = opts.tries ?? DEFAULT_TRIES;
    this.deadline = this.now() + (opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
  }

  /** Takes one try, or says the budget is spent (and remembers which limit ended it). */
  spend(): boolean {
    if (this.used >= this.maxTries) this.stop = 'tries';
    else if (this.now() >= this.deadline) this.stop = 'time';
    else {
      this.used++;
      return true;
    }
    return false;
  }

  get spent(): boolean {
    return this.stop !== 'minimal';
  }

  get reason(): StopReason {
    return this.stop;
  }
}

/** One checker's verdict on a history; a throw counts as "does not fail" (it is not the same failure). */
export async function checkOne(checker: Checker, h: History): Promise<CheckResult | undefined> {
  if (!checker.appliesTo(h.workload)) return undefined;
  try {
    return await checker.check(h, {});
  } catch {
    return undefined;
  }
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < n; i++) {
    const part = xs.slice(Math.floor((i * xs.length) / n), Math.floor(((i + 1) * xs.length) / n));
    if (part.length) out.push(part);
  }
  return out;
}

/**
 * ddmin: a subset of `units` (order kept) for which `fails` still holds, 1-minimal when the budget
 * lasts (no single unit can be dropped). `fails(units)` must hold on entry.
 */
export async function ddmin<T>(units: T[], fails: (xs: T[]) => Promise<boolean>, budget: Budget): Promise<T[]> {
  let cur = units;
  let n = 2;
  while (cur.length >= 2 && !budget.spent) {
    const parts = chunks(cur, Math.min(n, cur.length));
    let next: T[] | undefined;
    for (const part of parts) {
      if (!budget.spend()) return cur;
      if (await fails(part)) {
        next = part;
        n = 2;
        break;
      }
    }
    if (!next && parts.length > 2) {
      for (let i = 0; i < parts.length && !next; i++) {
        if (!budget.spend()) return cur;
        const rest = parts.filter((_, j) => j !== i).flat();
        if (await fails(rest)) {
          next = rest;
          n = Math.max(n - 1, 2);
        }
      }
    }
    if (next) cur = next;
    else if (parts.length >= cur.length) break;
    else n = Math.min(cur.length, n * 2);
  }
  return cur;
}
