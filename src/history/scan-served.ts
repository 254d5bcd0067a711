// The `served` object of a completion (docs/history.md) scanned from bytes: `{"role":"leader",
// "term":3,"pos":812}` with its fields in any order, each once. Anything servedProblem would
// reject, or that is not of this plain shape, is undefined: the line then takes JSON.parse.

import type { Served } from './types.js';

/** What scan-served needs of the line scanner (scan.ts). */
export interface ServedSource {
  b: Buffer;
  p: number;
  end: number;
  uint(): number;
  str(): string | undefined;
}

const MAX_ROLE_CHARS = 64;
const ROLE = 1;
const TERM = 2;
const POS = 4;

/** The served field's name at p (`"role":` and so on) as its bit, or 0. */
function name(src: ServedSource): number {
  const b = src.b;
  const p = src.p;
  if (p + 6 >= src.end || b[p] !== 34) return 0;
  if (b[p + 1] === 112 && b[p + 2] === 111 && b[p + 3] === 115 && b[p + 4] === 34 && b[p + 5] === 58) {
    src.p = p + 6;
    return POS;
  }
  if (p + 7 >= src.end || b[p + 5] !== 34 || b[p + 6] !== 58) return 0;
  const bit = b[p + 1] === 114 && b[p + 2] === 111 && b[p + 3] === 108 && b[p + 4] === 101 ? ROLE : b[p + 1] === 116 && b[p + 2] === 101 && b[p + 3] === 114 && b[p + 4] === 109 ? TERM : 0;
  if (bit !== 0) src.p = p + 7;
  return bit;
}

/** Scans a served object at p; undefined unless it is well formed and of the plain shape. */
export function scanServed(src: ServedSource): Served | undefined {
  if (src.p >= src.end || src.b[src.p] !== 123) return undefined;
  src.p++;
  const o: Record<string, unknown> = {};
  let seen = 0;
  for (;;) {
    const bit = name(src);
    if (bit === 0 || (seen & bit) !== 0) return undefined;
    seen |= bit;
    if (bit === ROLE) {
      const role = src.str();
      if (role === undefined || role === '' || role.length > MAX_ROLE_CHARS) return undefined;
      o.role = role;
    } else {
      const n = src.uint();
      if (n < 0) return undefined;
      o[bit === TERM ? 'term' : 'pos'] = n;
    }
    if (src.p >= src.end) return undefined;
    const c = src.b[src.p++];
    if (c === 125) return (seen & ROLE) !== 0 ? (o as unknown as Served) : undefined;
    if (c !== 44) return undefined;
  }
}
