// The flat read-list store (history/flat-reads.ts): GrowingInts keeps what was written when it grows,
// in place on a resizable buffer once large, by copying while small or when the reservation is
// refused; FlatLists over it gives each op its list back, trimmed or not.

import { describe, expect, it } from 'vitest';
import { FlatLists, GrowingInts } from '../../src/history/flat-reads.js';

/** Whether a view lies on a resizable ArrayBuffer (ES2024; the project's lib is ES2023). */
const resizable = (view: Int32Array): boolean => (view.buffer as { resizable?: boolean }).resizable === true;
/** Whether a view lies on a growable SharedArrayBuffer. */
const growable = (view: Int32Array): boolean => view.buffer instanceof SharedArrayBuffer && (view.buffer as { growable?: boolean }).growable === true;

/** Writes 0, 1, 2, ... into the store, growing it by doubling as FlatLists does; returns the view. */
function fill(store: GrowingInts, n: number): Int32Array {
  let view = store.view;
  for (let i = 0; i < n; i++) {
    if (i >= view.length) view = store.grow(view.length * 2, i);
    view[i] = i * 7 - 3;
  }
  return view;
}

function expectFilled(view: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) if (view[i] !== i * 7 - 3) throw new Error(`slot ${i}: ${view[i]}, expected ${i * 7 - 3}`);
}

describe('GrowingInts', () => {
  it('grows in place once large, keeping every slot, and trims to size', () => {
    const store = new GrowingInts(4, 16);
    const view = fill(store, 1000);
    expect(view.length).toBe(1024);
    expect(resizable(view)).toBe(true);
    expect(store.refused).toBe(false);
    expectFilled(view, 1000);
    const trimmed = store.trim(1000, 8);
    expect(trimmed.length).toBe(1000);
    expect(trimmed.buffer.byteLength).toBe(4000);
    expectFilled(trimmed, 1000);
  });

  it('stays a plain buffer while small, and keeps the slack when it is small', () => {
    const store = new GrowingInts(4);
    const view = fill(store, 100);
    expect(resizable(view)).toBe(false);
    expectFilled(view, 100);
    expect(store.trim(100, 64).length).toBe(128);
    expect(store.trim(100, 16).length).toBe(100);
  });

  it('copies when the reservation is refused (an address space too small for it)', () => {
    const store = new GrowingInts(4, 16, 2 ** 60);
    const view = fill(store, 1000);
    expect(store.refused).toBe(true);
    expect(resizable(view)).toBe(false);
    expectFilled(view, 1000);
    expectFilled(store.trim(1000, 8), 1000);
  });

  it('shared: grows in place on a growable SharedArrayBuffer once large, keeping every slot; trims the view, not the buffer', () => {
    const store = new GrowingInts(4, 16, 2 ** 32, true);
    expect(growable(fill(store, 8))).toBe(false);
    const view = fill(store, 1000);
    expect(growable(view)).toBe(true);
    expectFilled(view, 1000);
    const trimmed = store.trim(1000, 8);
    expect(trimmed.length).toBe(1000);
    expect(trimmed.buffer).toBe(view.buffer);
    expectFilled(trimmed, 1000);
    // (a refused reservation copies, as the unshared store does)
    const refused = new GrowingInts(4, 16, 2 ** 60, true);
    expectFilled(fill(refused, 1000), 1000);
    expect(refused.refused).toBe(true);
  });

  it('copies once the reservation is full', () => {
    const store = new GrowingInts(4, 16, 256 * 4);
    const view = fill(store, 1000);
    expect(store.refused).toBe(true);
    expect(resizable(view)).toBe(false);
    expectFilled(view, 1000);
  });
});

describe('FlatLists', () => {
  it('gives every op its list back across growth past the in-place size, and turns down non-int32 lists', () => {
    const lists = new FlatLists();
    const want: number[][] = [];
    for (let id = 0; id < 12_000; id++) {
      const list = Array.from({ length: id % 300 }, (_, j) => id + j);
      want.push(list);
      expect(lists.copy(id, list)).toBe(true);
    }
    expect(lists.copy(12_000, [1, 2.5])).toBe(false);
    const flat = lists.finish(12_001);
    expect(flat.start[12_000]).toBe(-1);
    // (in place, on shared memory: a checker's thread reads the index's elements there)
    expect(growable(flat.elems)).toBe(true);
    for (let id = 0; id < 12_000; id++) {
      expect(flat.len[id]).toBe(want[id].length);
      if (id % 997 === 0) expect(lists.list(id)).toEqual(want[id]);
    }
    expect(Array.from(flat.elems.subarray(flat.start[11_999], flat.start[11_999] + flat.len[11_999]))).toEqual(want[11_999]);
  });
});
