// A node's local key-value state and the pure operations on it: list append, register
// write/cas, value equality, copies for reads, and nondeterministic element generation.

import type { NodeEnv } from './types.js';
import { F_NOOP, F_APPEND, F_CAS, F_WRITE, ND_CLOCK, ND_NONE, ND_RANDOM } from './types.js';

export type Store = Map<string, unknown>;

/** Structural equality of JSON values (registers hold JSON). */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The current value of key as a client sees it: a list copy, a register value, undefined if absent. */
export function readValue(store: Store, key: string): unknown {
  const v = store.get(key);
  return Array.isArray(v) ? v.slice() : v;
}

/**
 * Applies a write to the store. Returns false only for a cas whose expected value did not match
 * (nothing changed). A register absent reads as null.
 */
export function applyWrite(store: Store, f: number, key: string, value: unknown): boolean {
  if (f === F_NOOP) return true;
  if (f === F_APPEND) {
    const cur = store.get(key);
    if (Array.isArray(cur)) cur.push(value);
    else store.set(key, [value]);
    return true;
  }
  if (f === F_WRITE) {
    store.set(key, value);
    return true;
  }
  if (f === F_CAS) {
    const pair = value as [unknown, unknown];
    const cur = store.has(key) ? store.get(key) : null;
    if (!valueEquals(cur, pair[0])) return false;
    store.set(key, pair[1]);
    return true;
  }
  throw new Error(`applyWrite: not a write: f=${f}`);
}

/** The nondeterministic-statement kind of an append invocation value ({nondeterministic: ...}). */
export function ndKind(value: unknown): number {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return ND_NONE;
  const k = (value as { nondeterministic?: unknown }).nondeterministic;
  if (k === 'random') return ND_RANDOM;
  if (k === 'clock' || k === true) return ND_CLOCK;
  return ND_NONE;
}

/** Per-node state for element generation (keeps clock-derived elements unique per node). */
export interface ElementGen {
  lastNs: number;
}

/**
 * The element a nondeterministic append statement produces on this node: "n2@1234567" from its
 * (skewed) clock, strictly increasing per node, or "n2~k3j9x1" from its random generator.
 */
export function makeElement(nd: number, env: NodeEnv, gen: ElementGen): string {
  const name = `n${env.id + 1}`;
  if (nd === ND_RANDOM) return `${name}~${env.rng.u32().toString(36)}`;
  let ts = Math.floor(env.wallNs());
  if (ts <= gen.lastNs) ts = gen.lastNs + 1;
  gen.lastNs = ts;
  return `${name}@${ts}`;
}
