// The geometry of an anomaly's focused timeline, as plain functions: the text on each op box
// ("read 3", "cas 2→5", "read [1 … 9 10]"), an estimate of its width in pixels, and the event-order
// x scale that makes every box at least as wide as its text.

import type { Op } from '../../history/types.js';
import type { FocusOp } from './data.js';

/** Font size of the op boxes' text (px); the stylesheet's `.op-text` must match. */
export const OP_FONT_PX = 11.5;
/** Radius of a numbered prefix circle, drawn inside its box at the left end. */
export const RANK_R = 8;
/** Text padding inside a box, and the extra left room of a box carrying a prefix circle. */
export const BOX_PAD = 5;
export const RANK_ROOM = 2 * RANK_R + 5;

function clip(s: string, maxChars: number): string {
  return s.length > maxChars ? `${s.slice(0, Math.max(1, maxChars - 1))}…` : s;
}

/** A list as Jepsen prints it (`[1 2 3]`); when long, its first item, `…`, and as much of its tail as fits. */
function compactList(items: string[], maxChars: number): string {
  const full = `[${items.join(' ')}]`;
  if (full.length <= maxChars || items.length < 2) return items.length < 2 ? `[${clip(items.join(''), maxChars - 2)}]` : full;
  const head = clip(items[0], Math.max(4, Math.floor(maxChars / 3)));
  const tail: string[] = [];
  for (let i = items.length - 1; i > 0; i--) {
    const next = `[${head} … ${[items[i], ...tail].join(' ')}]`;
    if (next.length > maxChars && tail.length > 0) break;
    tail.unshift(items[i]);
  }
  return `[${head} … ${tail.join(' ')}]`;
}

/** A value in a few characters: `nil` for none, lists space-separated and shortened with `…`. */
export function compactValue(v: unknown, maxChars = 24): string {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return compactList(v.map((x) => compactValue(x, maxChars)), maxChars);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return clip(String(v), maxChars);
  if (typeof v === 'string') return clip(JSON.stringify(v), maxChars);
  return clip(JSON.stringify(v) ?? String(v), maxChars);
}

/**
 * The text on an op's box: `f value`, with the value a read returned ("read 3", "read nil"; "read ?"
 * when it did not complete ok), the value written or appended, and cas as `from→to`.
 */
export function opBoxLabel(op: Op): string {
  const f = `${op.final ? 'final ' : ''}${op.f}`;
  if (op.f === 'read' || op.f === 'get') return `${f} ${op.type === 'ok' ? compactValue(op.value) : '?'}`;
  if (op.f === 'cas' && Array.isArray(op.invokeValue) && op.invokeValue.length === 2) {
    return `${f} ${compactValue(op.invokeValue[0], 12)}→${compactValue(op.invokeValue[1], 12)}`;
  }
  return op.invokeValue === undefined ? f : `${f} ${compactValue(op.invokeValue)}`;
}

/** Approximate advance width of a character in em, on the wide side (DejaVu Sans, the usual fallback). */
function charEm(c: string): number {
  if (c >= '0' && c <= '9') return 0.64;
  if ('fijlrt'.includes(c)) return 0.4;
  if ('mw'.includes(c)) return 0.98;
  if (c >= 'a' && c <= 'z') return 0.64;
  if (c >= 'A' && c <= 'Z') return 0.78;
  if (' ·.,:;\'|!'.includes(c)) return 0.34;
  if ('[](){}"'.includes(c)) return 0.46;
  if (c === '→') return 0.86;
  if (c === '…') return 1.02;
  return 0.84;
}

/** Estimated rendered width of `s` in pixels (bold text is about 10% wider). */
export function textWidthPx(s: string, fontPx = OP_FONT_PX, bold = false): number {
  let em = 0;
  for (const c of s) em += charEm(c);
  return Math.ceil(em * fontPx * (bold ? 1.1 : 1));
}

/** The width a box needs so its whole label (and its prefix circle, if any) shows. */
export function boxMinWidth(label: string, bold: boolean, ranked: boolean): number {
  return textWidthPx(label, OP_FONT_PX, bold) + 2 * BOX_PAD + (ranked ? RANK_ROOM : 0);
}

export interface FocusLayout {
  /** x of a point in time (interpolated between event slots; Infinity is the open ops' end). */
  xOf(t: number): number;
  /** Left edge and width of each op's box, in the order of the ops given. */
  boxes: { x: number; w: number }[];
  /** Right end of the drawing (the widest box included). */
  right: number;
}

/**
 * Event-order x scale: each distinct time gets a slot at least `slotPx` after the previous one,
 * pushed further right where a box ending there needs room for its label. Slots are placed left to
 * right, each at the furthest position any constraint on it demands, so boxes never squeeze.
 */
export function focusLayout(ops: FocusOp[], minWidths: number[], slotPx: number, x0: number): FocusLayout {
  const ts = [...new Set(ops.flatMap((f) => [f.op.invokeTime, f.op.completeTime]).filter(Number.isFinite))].sort((a, b) => a - b);
  const open = ops.some((f) => !Number.isFinite(f.op.completeTime));
  const slotOf = new Map(ts.map((t, i) => [t, i]));
  const n = ts.length + (open ? 1 : 0);
  const end = (f: FocusOp) => (Number.isFinite(f.op.completeTime) ? slotOf.get(f.op.completeTime)! : ts.length);
  // need[j]: boxes that end at slot j (or, for an op invoked and completed at one time, the next slot).
  const need: { from: number; w: number }[][] = Array.from({ length: n + 1 }, () => []);
  ops.forEach((f, i) => {
    const a = slotOf.get(f.op.invokeTime) ?? 0;
    const b = Math.max(end(f), a + 1);
    need[Math.min(b, n)].push({ from: a, w: minWidths[i] + (b > end(f) ? 6 : 0) });
  });
  const X: number[] = [];
  for (let j = 0; j <= n; j++) {
    let x = j === 0 ? x0 + slotPx / 2 : X[j - 1] + slotPx;
    for (const c of need[j]) x = Math.max(x, X[c.from] + c.w);
    X.push(x);
  }
  const boxes = ops.map((f, i) => {
    const a = slotOf.get(f.op.invokeTime) ?? 0;
    const x = X[a];
    const xb = end(f) > a ? X[end(f)] : x + minWidths[i];
    return { x, w: Math.max(6, xb - x, minWidths[i]) };
  });
  const xOf = (t: number): number => {
    if (ts.length === 0) return x0;
    if (t === Infinity) return X[ts.length];
    if (t <= ts[0]) return t < ts[0] ? X[0] - slotPx / 2 : X[0];
    const last = ts.length - 1;
    if (t >= ts[last]) return t > ts[last] ? X[last] + slotPx / 2 : X[last];
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ts[mid] <= t) lo = mid;
      else hi = mid;
    }
    return X[lo] + ((t - ts[lo]) / (ts[hi] - ts[lo])) * (X[hi] - X[lo]);
  };
  const right = Math.max(X[n - 1] ?? x0, ...boxes.map((b) => b.x + b.w));
  return { xOf, boxes, right };
}
