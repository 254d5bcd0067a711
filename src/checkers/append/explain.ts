// Wording shared by the append checkers' explanations: times in seconds, values, lists, nodes.

import type { Op } from '../../history/types.js';

const MAX_LIST_SHOWN = 12;

/** Nanoseconds as seconds with 3 decimals: "1.204 s". */
export function secs(timeNs: number): string {
  return Number.isFinite(timeNs) ? `${(timeNs / 1e9).toFixed(3)} s` : 'never';
}

/** One element as a person reads it: numbers bare, strings and objects as JSON. */
export function showValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** A list "[3, 5]"; a long one is shortened around the middle and says its length. */
export function showList(list: readonly unknown[]): string {
  if (list.length <= MAX_LIST_SHOWN) return `[${list.map(showValue).join(', ')}]`;
  const head = list.slice(0, 5).map(showValue);
  const tail = list.slice(-5).map(showValue);
  return `[${head.join(', ')}, ..., ${tail.join(', ')}] (${list.length} elements)`;
}

/** "17", "17 and 19", "17, 19 and 23", "17, 19, 23 and 4 more". */
export function showValues(values: readonly unknown[], max = 3): string {
  const shown = values.slice(0, max).map(showValue);
  if (values.length > max) return `${shown.join(', ')} and ${values.length - max} more`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** " from n2", or nothing when the node is unknown. */
export function fromNode(op: Op): string {
  return op.node !== undefined ? ` from ${op.node}` : '';
}

/** " on n2", or nothing when the node is unknown. */
export function onNode(op: Op): string {
  return op.node !== undefined ? ` on ${op.node}` : '';
}

/** The list an ok read returned. */
export function readList(op: Op): unknown[] {
  return Array.isArray(op.value) ? op.value : [];
}
