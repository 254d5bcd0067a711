// The memory budget of checking (`--max-memory`, SPEC 2: out of it a checker answers unknown): the
// heap a history needs, estimated from its file size before it is loaded, and the default budget.

import { getHeapStatistics } from 'node:v8';

/**
 * Heap bytes a history needs per byte of its file, loaded and checked. Measured on the history of
 * bench/check.bench.js (1M ops, 317 MB) with plain Op objects: 1.07 still held after all checkers,
 * 1.13 at the peak; 1.1 on a history of 500k keys with short reads, 1.9 on one of 100 keys whose
 * reads are long lists. Since the builder keeps times and int32 read lists in columns outside the
 * heap (history/columns.ts), the bench history holds 0.56; the estimate stays 1.5 for histories
 * whose read lists stay JS arrays (elements that are not int32s).
 */
export const HEAP_BYTES_PER_FILE_BYTE = 1.5;
/** The default budget, as a share of V8's heap limit (the rest is headroom for the GC and the report). */
export const DEFAULT_HEAP_SHARE = 0.8;

const MB = 1024 * 1024;

/** The default of `--max-memory`, MB: 80% of V8's heap limit (`heap_size_limit`). */
export function defaultMaxMemoryMb(): number {
  return Math.floor((getHeapStatistics().heap_size_limit * DEFAULT_HEAP_SHARE) / MB);
}

/** The heap, MB, a history file of `fileBytes` needs to be loaded and checked (an estimate). */
export function heapNeededMb(fileBytes: number): number {
  return (fileBytes * HEAP_BYTES_PER_FILE_BYTE) / MB;
}

function showMb(mb: number): string {
  if (mb >= 10) return String(Math.round(mb));
  if (mb >= 0.1) return String(Math.round(mb * 10) / 10);
  return String(Number(mb.toPrecision(2)));
}

/** Why a history file of `fileBytes` is not loaded under a budget of `maxMemoryMb`, or undefined when it fits. */
export function overMemoryBudget(fileBytes: number, maxMemoryMb: number): string | undefined {
  const need = heapNeededMb(fileBytes);
  if (need <= maxMemoryMb) return undefined;
  return `history of ${showMb(fileBytes / MB)} MB needs about ${showMb(need)} MB, over the memory budget of ${showMb(maxMemoryMb)} MB (--max-memory)`;
}
