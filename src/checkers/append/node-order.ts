// The cross-key half of monotonic-writes: what the reads of one node reveal. Once a read served
// by node N (R1, of key K2) showed an element x, N holds every write x needs (deps.ts, per session
// across keys); a later read of another key K1 on N (R2, invoked after R1 completed) must show
// those of K1. A node may also go back (a Redis primary demoted and resynced, a rolled-back
// standby): that is lost writes, not writes out of order, so a finding counts only when a read on
// N invoked after R2 completed still shows x (N held x after R2, so it held x without a at R2).
// Pairs with a nemesis event between them that may concern N (it names N, or no node) are not
// compared, and an element N already showed is not required again. Linear in the reads' elements
// per node and stretch between such events, plus each session's writes once per stretch.
// The nodes' stretches and their learn order are shared by both checkers (node-reads.ts). On a key
// whose reads are prefixes of its longest (keyOrders), a read costs only what it shows past the
// longest read of the key the stretch already learnt, and checking R2 is one comparison; the
// evidence for a finding (node-evidence.ts) is gathered only from a stretch's first finding on.
// First a summary with no per-element state (node-summary.ts) walks each stretch; only a stretch
// with a check it cannot decide is walked again here, in full.

import type { Budget } from '../budget.js';
import { keyOrders } from './deps-check.js';
import type { Deps } from './deps.js';
import type { OrderIndex } from './index.js';
import { NewestShown } from './node-evidence.js';
import { nodeReads, type Stretch } from './node-reads.js';
import { NodeSummary } from './node-summary.js';

/** R2 lacks `elem` (a list entry `entry` of deps), which x shown by R1 on the same node needs; R3, a read on the node after R2, still shows x. */
export type OnNodeBroken = (r1: number, x: number, r2: number, entry: number, r3: number) => void;

/**
 * Checks every node; returns how many nodes were done when the budget ran out, else undefined.
 * (`summarise: false` walks every stretch in full, as the tests compare.)
 */
export function checkNodeOrder(ix: OrderIndex, deps: Deps, budget: Budget, onBroken: OnNodeBroken, summarise = true): number | undefined {
  const { stretches, elemKey } = nodeReads(ix);
  const entryKey = new Int32Array(deps.elems.length);
  for (let q = 0; q < deps.elems.length; q++) entryKey[q] = elemKey[deps.elems[q]];
  const summary = new NodeSummary(ix, deps, entryKey, keyOrders(ix));
  let state: NodeState | undefined;
  for (let n = 0; n < stretches.length; n++) {
    for (const st of stretches[n]) {
      // (the summary decides most stretches; where it cannot, the full state walks the stretch again)
      const seen = summarise ? summary.stretch(st, budget) : 'undecided';
      if (seen === 'stopped') return n;
      if (seen === 'passed') continue;
      state ??= new NodeState(ix, deps, elemKey, entryKey);
      if (state.stretch(st, budget, onBroken)) return n;
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
  /**
   * Per key whose reads are all prefixes of its longest (valid when learntSerial === serial): the
   * longest list a completed read of the stretch showed; what lies before it is shown and learnt.
   */
  private readonly learntSerial: Int32Array;
  private readonly learntLen: Int32Array;
  /** On such keys (valid when keySerial === serial): the latest position in the longest read of an element required (ABSENT: one not in it). */
  private readonly reqMaxPos: Int32Array;
  private readonly ordered: Uint8Array;
  private readonly pos: Int32Array;
  /** Per element (valid when reqHeadSerial === serial): every deps entry of it a completed read required, chained through entryNext. */
  private readonly reqHeadSerial: Int32Array;
  private readonly reqHead: Int32Array;
  private readonly entryNext: Int32Array;
  /** Per deps entry: its group, and the key of its element. */
  private readonly entryGroup: Int32Array;
  private readonly entryKey: Int32Array;
  /** Per element (valid when lastSerial === serial): the read of the stretch with the latest invoke time that shows it. */
  private readonly lastSerial: Int32Array;
  private readonly lastShown: Int32Array;
  /**
   * Per group and key, the newest element the stretch's completed reads showed (the candidates for
   * R1 and x). Only a finding reads it, so it is kept only from the stretch's first finding on
   * (`eager`), after replaying the reads learnt until then.
   */
  private readonly newest: NewestShown;
  private eager = false;

  constructor(
    private readonly ix: OrderIndex,
    private readonly deps: Deps,
    private readonly elemKey: Int32Array,
    entryKey: Int32Array,
  ) {
    const elems = ix.elemCount;
    const keys = ix.keys.length;
    [this.required, this.reqFrom, this.reqVia, this.reqEntry, this.inRead, this.shown] = ints(6, elems);
    [this.next, this.reqHeadSerial, this.reqHead, this.lastSerial, this.lastShown] = ints(5, elems);
    [this.frontier, this.frontierSerial] = ints(2, deps.groups);
    [this.keySerial, this.head, this.unshown, this.learntSerial, this.learntLen, this.reqMaxPos] = ints(6, keys);
    [this.entryNext, this.entryGroup] = ints(2, deps.elems.length);
    this.entryKey = entryKey;
    for (let g = 0; g < deps.groups; g++) this.entryGroup.fill(g, deps.start[g], deps.start[g + 1]);
    ({ ordered: this.ordered, pos: this.pos } = keyOrders(ix));
    this.newest = new NewestShown(deps.elemGroup, elemKey, deps.groups, keys);
  }

  /** The key's list and count, emptied when first used in this stretch. */
  private key(k: number): number {
    if (this.keySerial[k] !== this.serial) {
      this.keySerial[k] = this.serial;
      this.head[k] = -1;
      this.unshown[k] = 0;
      this.reqMaxPos[k] = -1;
    }
    return k;
  }

  /** Walks one stretch's reads in invoke order; true when the budget ran out. */
  stretch(st: Stretch, budget: Budget, onBroken: OnNodeBroken): boolean {
    const { reads, learnOrder, learnBefore } = st;
    const readLen = this.ix.readLen;
    this.serial++;
    this.newest.reset();
    this.eager = false;
    let found: number[][] | undefined;
    let learnt = 0;
    const onFound = (_r1: number, _x: number, r: number, q: number) => {
      if (!this.eager) this.replay(learnOrder, learnt);
      (found ??= []).push([r, ...this.evidence(this.deps.elems[q])]);
    };
    for (let i = 0; i < reads.length; i++) {
      const r2 = reads[i];
      if (budget.spend(readLen[r2] + 1)) return true;
      for (; learnt < learnBefore[i]; learnt++) this.learn(learnOrder[learnt], budget);
      this.check(r2, budget, onFound);
    }
    if (found === undefined) return false;
    this.noteLastShown(reads);
    for (const [r2, ...triples] of found) {
      budget.spend(triples.length);
      this.confirm(r2, triples, onBroken);
    }
    return false;
  }

  /** The stretch's first finding: note the reads learnt so far, as learn would have, and note from now on. */
  private replay(learnOrder: Int32Array, learnt: number): void {
    const ix = this.ix;
    for (let i = 0; i < learnt; i++) {
      const r = learnOrder[i];
      this.newest.note(r, ix.readElems, ix.readStart[r], ix.readStart[r] + ix.readLen[r], this.deps.elemGroup, this.deps.elemNeed);
    }
    this.eager = true;
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
   * as of R2, for every session whose entry required the element; only an x of another key than
   * R2's is evidence here.
   */
  private confirm(r2: number, triples: number[], onBroken: OnNodeBroken): void {
    const { ix, deps } = this;
    for (let i = 0; i + 2 < triples.length; i += 3) {
      const [q, x, r1] = [triples[i], triples[i + 1], triples[i + 2]];
      if (deps.elemGroup[x] !== this.entryGroup[q] || deps.elemNeed[x] <= q - deps.start[this.entryGroup[q]]) continue;
      // (an x of R2's own key is the same-key rule's evidence, not this one's)
      if (this.elemKey[x] === ix.opKey[r2]) continue;
      const r3 = this.lastSerial[x] === this.serial ? this.lastShown[x] : -1;
      if (r3 >= 0 && ix.invokeTimeNs[r3] > ix.completeTimeNs[r2]) return onBroken(r1, x, r2, q, r3);
    }
  }

  /** For every element the stretch's reads show, the one invoked last that shows it (only needed when a finding is confirmed). */
  private noteLastShown(reads: Int32Array): void {
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

  /**
   * R1 completed: what it shows is shown, and every write an element it shows needs, on other
   * keys, is now required. On a key whose reads are prefixes of one another, only the part of R1
   * past the longest list already learnt is new (what lies before was shown and its needs met).
   */
  private learn(r1: number, budget: Budget): void {
    const ix = this.ix;
    const k2 = ix.opKey[r1];
    const from = ix.readStart[r1];
    const end = from + ix.readLen[r1];
    if (this.eager) this.newest.note(r1, ix.readElems, from, end, this.deps.elemGroup, this.deps.elemNeed);
    let fresh = from;
    if (this.ordered[k2] === 1) {
      if (this.learntSerial[k2] !== this.serial) {
        this.learntSerial[k2] = this.serial;
        this.learntLen[k2] = 0;
      }
      fresh = from + Math.min(this.learntLen[k2], end - from);
      if (end - from > this.learntLen[k2]) this.learntLen[k2] = end - from;
    }
    for (let j = fresh; j < end; j++) {
      const e = ix.readElems[j];
      if (this.shown[e] === this.serial) continue;
      this.shown[e] = this.serial;
      if (this.required[e] === this.serial) this.unshown[this.key(k2)]--;
    }
    for (let j = fresh; j < end; j++) this.require(r1, k2, ix.readElems[j], budget);
  }

  /** x (shown by R1, of key k2) needs a prefix of its group's list: require what is past the group's frontier. */
  private require(r1: number, k2: number, x: number, budget: Budget): void {
    const deps = this.deps;
    const g = deps.elemGroup[x];
    if (g < 0) return;
    if (this.frontierSerial[g] !== this.serial) {
      this.frontierSerial[g] = this.serial;
      this.frontier[g] = 0;
    }
    const need = deps.elemNeed[x];
    if (need <= this.frontier[g]) return;
    budget.spend(need - this.frontier[g]);
    for (let q = deps.start[g] + this.frontier[g]; q < deps.start[g] + need; q++) {
      const k1 = this.entryKey[q];
      if (k1 === k2) continue;
      const a = deps.elems[q];
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
      if (this.pos[a] > this.reqMaxPos[k1]) this.reqMaxPos[k1] = this.pos[a];
      this.next[a] = this.head[k1];
      this.head[k1] = a;
    }
    this.frontier[g] = need;
  }

  /** R2 must show every element required on its key that the node has not shown yet. */
  private check(r2: number, budget: Budget, onBroken: (r1: number, x: number, r2: number, entry: number) => void): void {
    const { ix, serial } = this;
    const k1 = ix.opKey[r2];
    const owed = this.keySerial[k1] === serial ? this.unshown[k1] : 0;
    if (owed === 0) return;
    // A key whose reads are prefixes of its longest: the node showed a prefix of it, and what is
    // required and not shown lies past that prefix, so R2 shows it all when it reaches the latest.
    if (this.ordered[k1] === 1 && this.reqMaxPos[k1] < ix.readLen[r2]) return;
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

/** `count` zeroed Int32Arrays of `size`. */
function ints(count: number, size: number): Int32Array[] {
  return Array.from({ length: count }, () => new Int32Array(size));
}
