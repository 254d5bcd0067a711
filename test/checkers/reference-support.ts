// What the checkers' reference tests share: elements as Map keys, and per key the append that
// first wrote each element (later appends of it are repeats).

import { appendElement } from '../../src/checkers/append/index.js';
import type { History, Op } from '../../src/history/types.js';

/** An element as a Map key: objects as JSON, anything else as itself. */
export const elementKey = (v: unknown): unknown => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v);

/** Per key: element -> the append that first wrote it. */
export function firstAppends(h: History): Map<string, Map<unknown, Op>> {
  const by = new Map<string, Map<unknown, Op>>();
  for (const o of h.ops) {
    if (o.f !== 'append') continue;
    if (!by.has(o.key)) by.set(o.key, new Map());
    const m = by.get(o.key)!;
    if (!m.has(elementKey(appendElement(o)))) m.set(elementKey(appendElement(o)), o);
  }
  return by;
}
