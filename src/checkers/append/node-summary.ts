// What decides most checks of the cross-key rule (node-order.ts) without any per-element state: per
// stretch, each session group's frontier, and per key the longest list learnt and the latest
// position (in the key's longest read) of an element required. Only sequential walks: a read of a
// key whose reads are prefixes of its longest goes through that read's positions, a frontier
// through its group's list. A check it cannot decide (a key whose reads fork, or a read that may
// lack a required element) is left to the full state, which then walks the stretch again.

import type { Budget } from '../budget.js';
import type { Deps } from './deps.js';
import type { KeyOrders } from './deps-check.js';
import type { OrderIndex } from './index.js';
import type { Stretch } from './node-reads.js';
import { keyPositions } from './key-positions.js';

const ABSENT = 0x7fffffff;

export class NodeSummary {
  private serial = 0;
  private readonly frontier: Int32Array;
  private readonly frontierSerial: Int32Array;
  /** Per key whose reads are prefixes of its longest (valid when learntSerial === serial): the longest list learnt. */
  private readonly learntLen: Int32Array;
  private readonly learntSerial: Int32Array;
  /** Per key (valid when reqSerial === serial): the latest position of an element required (ABSENT: one not in the longest read, or any of a key whose reads fork). */
  private readonly reqMax: Int32Array;
  private readonly reqSerial: Int32Array;
  /** Per deps entry: its key, and its element's position as reqMax counts it. */
  private readonly entryKey: Int32Array;
  private readonly entryPos: Int32Array;
  /** Per key whose reads are prefixes of its longest: each element's group and need, by position in that read, from keyBase[k] (keyPositions). */
  private readonly keyBase: Int32Array;
  private readonly posGroup: Int32Array;
  private readonly posNeed: Int32Array;
  private readonly ordered: Uint8Array;

  constructor(
    private readonly ix: OrderIndex,
    private readonly deps: Deps,
    entryKey: Int32Array,
    orders: KeyOrders,
  ) {
    const keys = ix.keys.length;
    this.ordered = orders.ordered;
    this.entryKey = entryKey;
    this.frontier = new Int32Array(deps.groups);
    this.frontierSerial = new Int32Array(deps.groups);
    [this.learntLen, this.learntSerial, this.reqMax, this.reqSerial] = Array.from({ length: 4 }, () => new Int32Array(keys));
    this.entryPos = new Int32Array(deps.elems.length);
    for (let q = 0; q < deps.elems.length; q++) this.entryPos[q] = orders.ordered[entryKey[q]] === 1 ? deps.pos[q] : ABSENT;
    this.keyBase = keyPositions(ix).base;
    this.posGroup = new Int32Array(this.keyBase[keys]);
    this.posNeed = new Int32Array(this.keyBase[keys]);
    for (let k = 0; k < keys; k++) {
      const s = orders.longest[k] >= 0 ? ix.readStart[orders.longest[k]] : 0;
      for (let p = this.keyBase[k], j = s; p < this.keyBase[k + 1]; p++, j++) {
        const x = ix.readElems[j];
        this.posGroup[p] = deps.elemGroup[x];
        this.posNeed[p] = deps.elemNeed[x];
      }
    }
  }

  /** Walks one stretch's reads in invoke order: whether every check passed, one was undecided, or the budget ran out. */
  stretch(st: Stretch, budget: Budget): 'passed' | 'undecided' | 'stopped' {
    const { reads, learnOrder, learnBefore } = st;
    this.serial++;
    let learnt = 0;
    for (let i = 0; i < reads.length; i++) {
      const r2 = reads[i];
      if (budget.spend(this.ix.readLen[r2] + 1)) return 'stopped';
      for (; learnt < learnBefore[i]; learnt++) this.learn(learnOrder[learnt], budget);
      if (!this.passes(r2)) return 'undecided';
    }
    return 'passed';
  }

  /** R1 completed: what the elements it shows (past what the stretch learnt of its key) need is required. */
  private learn(r1: number, budget: Budget): void {
    const ix = this.ix;
    const k2 = ix.opKey[r1];
    const len = ix.readLen[r1];
    if (this.ordered[k2] === 1) {
      if (this.learntSerial[k2] !== this.serial) {
        this.learntSerial[k2] = this.serial;
        this.learntLen[k2] = 0;
      }
      const lo = Math.min(this.learntLen[k2], len);
      if (len > this.learntLen[k2]) this.learntLen[k2] = len;
      const base = this.keyBase[k2];
      for (let p = base + lo; p < base + len; p++) this.require(k2, this.posGroup[p], this.posNeed[p], budget);
      return;
    }
    const { elemGroup, elemNeed } = this.deps;
    for (let j = ix.readStart[r1], end = j + len; j < end; j++) {
      const x = ix.readElems[j];
      this.require(k2, elemGroup[x], elemNeed[x], budget);
    }
  }

  /** An element of key k2 needs the first `need` entries of group g's list: require those past the frontier, on other keys. */
  private require(k2: number, g: number, need: number, budget: Budget): void {
    if (g < 0) return;
    if (this.frontierSerial[g] !== this.serial) {
      this.frontierSerial[g] = this.serial;
      this.frontier[g] = 0;
    }
    const f = this.frontier[g];
    if (need <= f) return;
    budget.spend(need - f);
    const { entryKey, entryPos, reqMax, reqSerial, serial } = this;
    for (let q = this.deps.start[g] + f, end = this.deps.start[g] + need; q < end; q++) {
      const k1 = entryKey[q];
      if (k1 === k2) continue;
      const p = entryPos[q];
      if (reqSerial[k1] !== serial) {
        reqSerial[k1] = serial;
        reqMax[k1] = p;
      } else if (p > reqMax[k1]) reqMax[k1] = p;
    }
    this.frontier[g] = need;
  }

  /**
   * True when R2 surely shows every required element of its key the node has not shown: none is
   * required, or (reads all prefixes of the longest) each lies before what the stretch learnt of
   * the key or within R2. False: undecided.
   */
  private passes(r2: number): boolean {
    const k1 = this.ix.opKey[r2];
    if (this.reqSerial[k1] !== this.serial) return true;
    const m = this.reqMax[k1];
    const learnt = this.ordered[k1] === 1 && this.learntSerial[k1] === this.serial ? this.learntLen[k1] : 0;
    return m < learnt || m < this.ix.readLen[r2];
  }
}
