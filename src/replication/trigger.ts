// Trigger-based replication (`log: trigger`, Oracle GoldenGate / Bucardo style): triggers copy the
// changes of a configured subset of keys into a changes table on the leader, and a capture process
// reads that table every `batchMs` and ships at most `batchSize` changes per read. Changes of other
// keys never reach the followers: their log positions travel as no-op placeholders.

import type { TriggerConfig } from '../config/types.js';
import type { Entry } from './types.js';
import { F_NOOP, ND_NONE } from './types.js';

/** Defaults of `target.trigger` (docs/knobs.md): every key, a read every 200 ms, 100 changes per read. */
export const TRIGGER_DEFAULTS: TriggerConfig = { keys: ['*'], batchMs: 200, batchSize: 100 };

/** Limits of the trigger knobs (the schema's ranges). */
export const TRIGGER_LIMITS = { patterns: 100, patternLength: 100, batchSize: { min: 1, max: 512 } } as const;

/** Whether a glob (`*` any run of characters, `?` one character, everything else literal) matches s. */
export function globMatch(pattern: string, s: string): boolean {
  // Iterative matching with one backtrack point: linear in practice, no regular expression.
  let p = 0;
  let i = 0;
  let star = -1;
  let mark = 0;
  while (i < s.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === s[i])) {
      p++;
      i++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = i;
    } else if (star >= 0) {
      p = star + 1;
      i = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** A predicate telling whether the triggers capture a key (results cached: keys repeat). */
export function triggerMatcher(patterns: readonly string[]): (key: string) => boolean {
  const cache = new Map<string, boolean>();
  return (key) => {
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = patterns.some((p) => globMatch(p, key));
      if (cache.size < 100_000) cache.set(key, hit);
    }
    return hit;
  };
}

/** What the capture process ships for a log entry: the entry itself, or a no-op holding its place. */
export function shippedEntry(e: Entry, captured: (key: string) => boolean): Entry {
  if (e.f === F_NOOP || captured(e.key)) return e;
  return { term: e.term, index: e.index, f: F_NOOP, key: '', value: null, nd: ND_NONE, atNs: e.atNs };
}
