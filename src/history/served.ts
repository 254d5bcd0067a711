// The `served` field of a completion (docs/history.md): its shape, checked where histories are
// read (a problem names the sub-field) and where client modules hand one over.

import type { Served } from './types.js';

const FIELDS = new Set(['role', 'term', 'pos']);
const MAX_ROLE_CHARS = 64;

/** What is wrong with a `served` value, as [sub-field, message], or undefined when it is well formed. */
export function servedProblem(v: unknown): [field: string, message: string] | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return ['served', `expected an object like {"role":"leader","term":3,"pos":812}, got ${JSON.stringify(v)?.slice(0, 60)}`];
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!FIELDS.has(k)) return [`served.${k}`, 'unknown field; served has role, term and pos'];
  }
  if (typeof o.role !== 'string' || o.role === '' || o.role.length > MAX_ROLE_CHARS) {
    return ['served.role', `expected a non-empty string (leader, follower, ...), got ${JSON.stringify(o.role) ?? 'nothing'}`];
  }
  for (const k of ['term', 'pos'] as const) {
    const n = o[k];
    if (n !== undefined && (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)) {
      return [`served.${k}`, `expected a non-negative integer, got ${JSON.stringify(n)?.slice(0, 40)}`];
    }
  }
  return undefined;
}

/**
 * The value as a Served when well formed (a copy with only its known fields), else undefined. A
 * client that hands the same frozen object over again (one per node while its role and term stay)
 * gets the same frozen copy back, checked once: no check and no object per op.
 */
export function asServed(v: unknown): Served | undefined {
  const known = v !== null && typeof v === 'object' ? checked.get(v) : undefined;
  if (known !== undefined) return known === false ? undefined : known;
  if (servedProblem(v) !== undefined) {
    if (v !== null && typeof v === 'object' && Object.isFrozen(v)) checked.set(v, false);
    return undefined;
  }
  const o = v as Served;
  const s: Served = { role: o.role };
  if (o.term !== undefined) s.term = o.term;
  if (o.pos !== undefined) s.pos = o.pos;
  // The copy of a frozen value is shared by every op that hands it over, so it is frozen too: the
  // history encoder then writes its text once (encode.ts keeps the text of frozen served objects).
  if (Object.isFrozen(o)) checked.set(o, Object.freeze(s));
  return s;
}

/** Frozen served objects already checked: their copy, or false when malformed. */
const checked = new WeakMap<object, Served | false>();

/** "leader of term 3 (position 812)", "coordinator": how explanations and the report name it. */
export function describeServed(s: Served): string {
  const term = s.term !== undefined && s.term > 0 ? ` of term ${s.term}` : '';
  const pos = s.pos !== undefined ? ` (position ${s.pos})` : '';
  return `${s.role}${term}${pos}`;
}
