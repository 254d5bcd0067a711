// The cross-key half of monotonic-writes: what the reads of one node reveal. Once a read served
// by node N (R1, of key K2) showed an element x, N holds every write x needs (deps.ts, per session
// across keys); a later read of another key K1 on N (R2, invoked after R1 completed) must show
// those of K1. A node may also go back (a Redis primary demoted and resynced, a rolled-back
// standby): that is lost writes, not writes out of order, so a finding counts only when a read on
// N invoked after R2 completed still shows x (N held x after R2, so it held x without a at R2).
// Pairs with a nemesis event between them that may concern N (it names N, or no node) are not
// compared, and an element N already showed is not required again. Linear in the reads' elements
// per node and stretch between such events, plus each session's writes once per stretch.

import type { History } from '../../history/types.js';
import type { Budget } from '../budget.js';
import { takeCompleted, type Deps } from './deps.js';
import { F_READ, T_OK, type AppendIndex } from './index.js';
import { NewestShown } from './node-evidence.js';

/** R2 lacks `elem` (a list entry `entry` of deps), which x shown by R1 on the same node needs; R3, a read on the node after R2, still shows x. */
export type OnNodeBroken = (r1: number, x: number, r2: number, entry: number, r3: number) => void;

/** Times of the nemesis events that may concern `node` (they name it, or name no node). */
function barriers(h: History, node: string): number[] {
  const out: number[] = [];
  for (const e of h.nemesis) {
    const v = e.value as { node?: unknown } | null;
    const named = v !== null && typeof v === 'object' && typeof v.node === 'string' ? v.node : undefined;
    if (named === undefined || named === node) out.push(e.time);
  }
  return out;
}

/** Ok reads that name a node, by node, each list in invoke order. */
function readsByNode(ix: AppendIndex): Map<string, number[]> {
  const by = new Map<string, number[]>();
  for (let i = 0; i < ix.ops.length; i++) {
    if (ix.opF[i] !== F_READ || ix.opType[i] !== T_OK) continue;
    const n = ix.ops[i].node;
    if (n === undefined) continue;
    let l = by.get(n);
    if (l === undefined) by.set(n, (l = []));
    l.push(i);
  }
  return by;
}

/** Checks every node; returns how many nodes were done when the budget ran out, else undefined. */
export function checkNodeOrder(ix: AppendIndex, deps: Deps, budget: Budget, onBroken: OnNodeBroken): number | undefined {
  const byNode = [...readsByNode(ix)];
  const state = new NodeState(ix, deps);
  for (let n = 0; n < byNode.length; n++) {
    const [node, reads] = byNode[n];
    const walls = barriers(ix.history, node);
    let b = 0;
    let from = 0;
    while (from < reads.length) {
      // One stretch: reads wholly between two barriers (a read spanning one is left out).
      while (b < walls.length && walls[b] <= ix.invokeTimeNs[reads[from]]) b++;
      const wall = b < walls.length ? walls[b] : Infinity;
      let to = from;
      while (to < reads.length && ix.invokeTimeNs[reads[to]] < wall) to++;
      const inside = reads.slice(from, to).filter((r) => ix.completeTimeNs[r] < wall);
      if (state.stretch(inside, budget, onBroken)) return n;
      from = to;
    }
  }
  return undefined;
}

/** What a node is known to hold in one stretch, reset between stretches. */
class NodeState {
  private serial = 0;
  private readonly required: Int32Array; // === serial: element required on the node
  private readonly reqFrom: Int32Array; // the read R1 that made it required
  private readonly reqVia: Int32Array; // the element x that R1 showed
  private readonly reqEntry: Int32Array; // its deps list entry
  private readonly frontier: Int32Array;
  private readonly frontierSerial: Int32Array;
  private readonly inRead: Int32Array;
  private readonly shown: Int32Array; // === serial: an activated read on the node showed it
  /** Per key (valid when keySerial === serial): its required elements as a list through `next`, and how many are not shown yet. */
  private readonly keySerial: Int32Array;
  private readonly head: Int32Array;
  private readonly unshown: Int32Array;
  private readonly next: Int32Array;
  /** Per element (valid when reqHeadSerial === serial): every deps entry of it a completed read required, chained through entryNext. */
  private readonly reqHeadSerial: Int32Array;
  private readonly reqHead: Int32Array;
  private readonly entryNext: Int32Array;
  /** Per deps entry: its group. */
  private readonly entryGroup: Int32Array;
  /** Per element (valid when lastSerial === serial): the read of the stretch with the latest invoke time that shows it. */
  private readonly lastSerial: Int32Array;
  private readonly lastShown: Int32Array;
  /** Per group and key, the newest element the stretch's completed reads showed (the candidates for R1 and x). */
  private readonly newest: NewestShown;

  constructor(
    private readonly ix: AppendIndex,
    private readonly deps: Deps,
  ) {
    this.required = new Int32Array(ix.elemCount);
    this.reqFrom = new Int32Array(ix.elemCount);
    this.reqVia = new Int32Array(ix.elemCount);
    this.reqEntry = new Int32Array(ix.elemCount);
    this.frontier = new Int32Array(deps.groups);
    this.frontierSerial = new Int32Array(deps.groups);
    this.inRead = new Int32Array(ix.elemCount);
    this.shown = new Int32Array(ix.elemCount);
    this.keySerial = new Int32Array(ix.keys.length);
    this.head = new Int32Array(ix.keys.length);
    this.unshown = new Int32Array(ix.keys.length);
    this.next = new Int32Array(ix.elemCount);
    this.reqHeadSerial = new Int32Array(ix.elemCount);
    this.reqHead = new Int32Array(ix.elemCount);
    this.entryNext = new Int32Array(deps.elems.length);
    this.entryGroup = new Int32Array(deps.elems.length);
    for (let g = 0; g < deps.groups; g++) this.entryGroup.fill(g, deps.start[g], deps.start[g + 1]);
    this.lastSerial = new Int32Array(ix.elemCount);
    this.lastShown = new Int32Array(ix.elemCount);
    this.newest = new NewestShown(deps.groups);
  }

  /** The key's list and count, emptied when first used in this stretch. */
  private key(k: number): number {
    if (this.keySerial[k] !== this.serial) {
      this.keySerial[k] = this.serial;
      this.head[k] = -1;
      this.unshown[k] = 0;
    }
    return k;
  }

  /** Walks one stretch's reads in invoke order; true when the budget ran out. */
  stretch(reads: number[], budget: Budget, onBroken: OnNodeBroken): boolean {
    const ix = this.ix;
    this.serial++;
    this.newest.reset();
    this.noteLastShown(reads);
    const pending: number[] = [];
    const ready: number[] = [];
    const found: number[][] = [];
    for (const r2 of reads) {
      if (budget.spend(ix.readLen[r2] + pending.length + 1)) return true;
      takeCompleted(pending, ready, ix.invokeTimeNs[r2], ix.completeTimeNs);
      for (let i = 0; i < ready.length; i++) this.learn(ready[i], budget);
      pending.push(r2);
      this.check(r2, budget, (_r1, _x, r, q) => found.push([r, ...this.evidence(this.deps.elems[q])]));
    }
    for (const [r2, ...triples] of found) {
      budget.spend(triples.length);
      this.confirm(r2, triples, onBroken);
    }
    return false;
  }

  /** As of now, for every entry requiring element a: [entry, x, R1] for the newest element of its group a read of each key showed. */
  private evidence(a: number): number[] {
    const out: number[] = [];
    if (this.reqHeadSerial[a] !== this.serial) return out;
    for (let q = this.reqHead[a]; q >= 0; q = this.entryNext[q]) {
      const pairs = this.newest.snapshot(this.entryGroup[q]);
      for (let i = 0; i + 1 < pairs.length; i += 2) out.push(q, pairs[i], pairs[i + 1]);
    }
    return out;
  }

  /**
   * Reports R2's lack of an element only where the node still held, after R2, an element x that
   * needs it and that a read R1 completed before R2 had shown (R3, invoked after R2 completed,
   * shows x): a node that went back (lost writes) does not count. `triples` are [entry, x, R1, ...]
   * as of R2, for every session whose entry required the element.
   */
  private confirm(r2: number, triples: number[], onBroken: OnNodeBroken): void {
    const { ix, deps } = this;
    for (let i = 0; i + 2 < triples.length; i += 3) {
      const [q, x, r1] = [triples[i], triples[i + 1], triples[i + 2]];
      if (deps.elemGroup[x] !== this.entryGroup[q] || deps.elemNeed[x] <= q - deps.start[this.entryGroup[q]]) continue;
      const r3 = this.lastSerial[x] === this.serial ? this.lastShown[x] : -1;
      if (r3 >= 0 && ix.invokeTimeNs[r3] > ix.completeTimeNs[r2]) return onBroken(r1, x, r2, q, r3);
    }
  }

  /** For every element the stretch's reads show, the one invoked last that shows it. */
  private noteLastShown(reads: number[]): void {
    const { ix, serial } = this;
    for (const r of reads) {
      const t = ix.invokeTimeNs[r];
      for (let j = ix.readStart[r], end = j + ix.readLen[r]; j < end; j++) {
        const e = ix.readElems[j];
        if (this.lastSerial[e] !== serial) {
          this.lastSerial[e] = serial;
          this.lastShown[e] = r;
        } else if (t > ix.invokeTimeNs[this.lastShown[e]]) this.lastShown[e] = r;
      }
    }
  }

  /** R1 completed: every write an element it shows needs, on other keys, is now required. */
  private learn(r1: number, budget: Budget): void {
    const { ix, deps } = this;
    const k2 = ix.opKey[r1];
    const from = ix.readStart[r1];
    const end = from + ix.readLen[r1];
    this.newest.note(r1, k2, ix.readElems, from, end, deps.elemGroup, deps.elemNeed);
    for (let j = from; j < end; j++) {
      const e = ix.readElems[j];
      if (this.shown[e] === this.serial) continue;
      this.shown[e] = this.serial;
      if (this.required[e] === this.serial) this.unshown[this.key(k2)]--;
    }
    for (let j = from; j < end; j++) {
      const x = ix.readElems[j];
      const g = deps.elemGroup[x];
      if (g < 0) continue;
      if (this.frontierSerial[g] !== this.serial) {
        this.frontierSerial[g] = this.serial;
        this.frontier[g] = 0;
      }
      const need = deps.elemNeed[x];
      if (need <= this.frontier[g]) continue;
      budget.spend(need - this.frontier[g]);
      for (let q = deps.start[g] + this.frontier[g]; q < deps.start[g] + need; q++) {
        const a = deps.elems[q];
        const k1 = ix.opKey[ix.elemAppend[a]];
        if (k1 === k2) continue;
        if (this.reqHeadSerial[a] !== this.serial) {
          this.reqHeadSerial[a] = this.serial;
          this.reqHead[a] = -1;
        }
        this.entryNext[q] = this.reqHead[a];
        this.reqHead[a] = q;
        if (this.required[a] === this.serial) continue;
        this.required[a] = this.serial;
        this.reqFrom[a] = r1;
        this.reqVia[a] = x;
        this.reqEntry[a] = q;
        if (this.shown[a] === this.serial) continue;
        this.unshown[this.key(k1)]++;
        this.next[a] = this.head[k1];
        this.head[k1] = a;
      }
      this.frontier[g] = need;
    }
  }

  /** R2 must show every element required on its key that the node has not shown yet. */
  private check(r2: number, budget: Budget, onBroken: (r1: number, x: number, r2: number, entry: number) => void): void {
    const { ix, serial } = this;
    const k1 = ix.opKey[r2];
    const owed = this.keySerial[k1] === serial ? this.unshown[k1] : 0;
    if (owed === 0) return;
    const mark = r2 + 1;
    let present = 0;
    for (let j = ix.readStart[r2], end = j + ix.readLen[r2]; j < end; j++) {
      const e = ix.readElems[j];
      if (this.required[e] === serial && this.shown[e] !== serial && this.inRead[e] !== mark) {
        this.inRead[e] = mark;
        present++;
      }
    }
    if (present === owed) return;
    // The earliest required it lacks (the list runs newest first).
    let a = -1;
    for (let e = this.head[k1]; e >= 0; e = this.next[e]) {
      budget.spend();
      if (this.shown[e] !== serial && this.inRead[e] !== mark) a = e;
    }
    onBroken(this.reqFrom[a], this.reqVia[a], r2, this.reqEntry[a]);
  }
}
