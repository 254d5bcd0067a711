// An integer flag (`--jobs 4`, `--threads 2`): its value in [min, max], or one clear message naming it.

import { UserError } from '../errors.js';

export function intOption(v: string | undefined, field: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UserError(`expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`, { field });
  return n;
}
