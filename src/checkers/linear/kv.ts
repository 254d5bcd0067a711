// The key-value model (Porcupine's kv): per key a string, `get` returns it ("" when absent), `put`
// sets it, `append` concatenates to it. Searched through the Model seam (seam.ts) per key.

import { KV_FS, type History, type Op } from '../../history/types.js';
import { modelProblems, type KeyProblem } from './problem.js';
import type { HistoryModel } from './seam.js';

/** A kv op as the model sees it: get, put or append, with the string it writes (none for get). */
export interface KvInput {
  f: 'get' | 'put' | 'append';
  value: string;
}

/** A string as written: absent (nil) reads as "", anything else as its text. */
export function kvString(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const quote = (s: string): string => (s.length > 40 ? `${JSON.stringify(s.slice(0, 37))}...` : JSON.stringify(s));

/**
 * A key's value with a polynomial hash of it, kept up to date as strings are appended (so a step
 * costs the appended string's length, not the value's): states are interned by hash, then text.
 */
export interface KvState {
  value: string;
  hash: number;
  /** A get's output only: the hash of every prefix of the value read (prefix[i]: its first i units). */
  prefix?: Int32Array;
}

function extend(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export const kvModel: HistoryModel<KvState, KvInput, KvState> = {
  name: 'kv',
  init: () => ({ value: '', hash: 0 }),
  step(state, i, out) {
    if (i.f === 'get') return out.hash === state.hash && out.value === state.value ? state : undefined;
    if (i.f === 'put') return { value: i.value, hash: extend(0, i.value) };
    return { value: state.value + i.value, hash: extend(state.hash, i.value) };
  },
  hash: (s) => s.hash,
  equal: (a, b) => a.hash === b.hash && a.value === b.value,
  readOnly: (i) => i.f === 'get',
  describeState: (s) => quote(s.value),
  toJson: (s) => s.value,
  /**
   * Without a put, a value only grows: a get of `out` is reachable only from a prefix of it. The
   * prefix hashes tell (a mismatch proves it is no prefix; a match may prune less, never wrongly).
   */
  reachable: (from, _i, out) => from.value.length <= out.value.length && out.prefix![from.value.length] === from.hash,
  resets: (i) => i.f === 'put',
  describeOp: (i, out) => (i.f === 'get' ? `get returned ${quote(out.value)}` : `${i.f} ${quote(i.value)}`),
  /** Fail ops did nothing and an indeterminate get tells nothing. */
  searched: (op: Op) => op.type !== 'fail' && !(op.type !== 'ok' && op.f === 'get') && KV_FS.has(op.f),
  input: (op: Op): KvInput => ({ f: op.f as KvInput['f'], value: op.f === 'get' ? '' : kvString(op.invokeValue) }),
  /** A get's output is the string read, with its hash (compared first: most gets fail on it). */
  output(op: Op): KvState {
    const value = op.f === 'get' && op.type === 'ok' ? kvString(op.value) : '';
    const prefix = new Int32Array(value.length + 1);
    for (let i = 0; i < value.length; i++) prefix[i + 1] = (Math.imul(prefix[i], 31) + value.charCodeAt(i)) | 0;
    return { value, hash: prefix[value.length], prefix };
  },
};

/** The kv history's problems, one per key, under the kv model. */
export function kvProblems(h: History): { problems: KeyProblem[]; dropped: { fail: number; infoReads: number; unobserved: number } } {
  const { problems, dropped } = modelProblems(h.ops, kvModel);
  return { problems, dropped: { ...dropped, unobserved: 0 } };
}
