// Wing & Gong / Lowe's linearizability search (WGL) over one key, resumable in step slices: a
// dancing-links list of call/return entries, a stack of linearized calls, and a memo of states.

import { MemoSet } from './memo.js';
import { K_CAS, K_READ, type KeyProblem } from './model.js';

export type SearchStatus = 'running' | 'linearizable' | 'violation' | 'memo-limit';

/** Where the search got furthest: the op whose return it could not pass, and what came before. */
export interface Frontier {
  /** Slot of the op whose return was reached before it could be linearized. */
  blockedSlot: number;
  /** Slots linearized before it, in linearization order. */
  prefixSlots: number[];
  /** Register state (value code) after the prefix. */
  state: number;
}

/** 32-bit words from a small seeded xorshift, one random word per op for the incremental hash. */
function randomWords(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let x = seed | 0 || 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x >>> 0;
  }
  return out;
}

/** One key's search. Call `run(steps)` until the status is no longer "running". */
export class KeySearch {
  status: SearchStatus = 'running';
  steps = 0;
  readonly memo: MemoSet;
  private readonly p: KeyProblem;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly stackEntry: Int32Array;
  private readonly stackState: Int32Array;
  private sp = 0;
  private readonly words: Uint32Array;
  private readonly okWords: number;
  private readonly lastOkMask: number;
  private readonly opHash: Uint32Array;
  private hash = 0;
  private state = 0;
  private okLeft: number;
  private cur: number;
  /** Canonical trimming of the ok part of the bitset: first non-full word, last non-zero word + 1. */
  private loA = 0;
  private hiA = 0;
  // The frontier: the furthest return entry reached, with the stack then (maintained lazily).
  private bestEntry = 0;
  private bestState = 0;
  private readonly bestStack: Int32Array;
  private bestLen = 0;
  private lowWater = 0;

  constructor(problem: KeyProblem, private readonly memoLimit: number) {
    this.p = problem;
    const n = problem.ops.length;
    const e = problem.entryCount;
    this.next = new Int32Array(e + 1);
    this.prev = new Int32Array(e + 1);
    for (let i = 0; i <= e; i++) {
      this.next[i] = i < e ? i + 1 : -1;
      this.prev[i] = i - 1;
    }
    this.stackEntry = new Int32Array(n);
    this.stackState = new Int32Array(n);
    this.bestStack = new Int32Array(n);
    this.okWords = (problem.okCount + 31) >>> 5;
    const infoWords = (n - problem.okCount + 31) >>> 5;
    this.words = new Uint32Array(this.okWords + infoWords);
    const rem = problem.okCount & 31;
    this.lastOkMask = rem === 0 ? 0xffffffff : ((1 << rem) - 1) >>> 0;
    this.opHash = randomWords(n, 0x9e3779b9 ^ n);
    this.okLeft = problem.okCount;
    this.cur = this.next[0];
    this.memo = new MemoSet(Math.min(1 << 16, Math.max(64, n * 4)));
    if (this.okLeft === 0) this.status = 'linearizable';
  }

  /** Bit position of a slot: ok ops from bit 0, indeterminate ones from word okWords. */
  private bit(slot: number): number {
    const ok = this.p.okCount;
    return slot < ok ? slot : (this.okWords << 5) + (slot - ok);
  }

  private setBit(slot: number): void {
    const b = this.bit(slot);
    const w = b >>> 5;
    const words = this.words;
    words[w] = (words[w] | (1 << (b & 31))) >>> 0;
    if (w < this.okWords) {
      if (w >= this.hiA) this.hiA = w + 1;
      if (w === this.loA) {
        const last = this.okWords - 1;
        while (this.loA < this.okWords && words[this.loA] === (this.loA === last ? this.lastOkMask : 0xffffffff)) this.loA++;
        if (this.hiA < this.loA) this.hiA = this.loA;
      }
    }
  }

  private clearBit(slot: number): void {
    const b = this.bit(slot);
    const w = b >>> 5;
    const words = this.words;
    words[w] = (words[w] & ~(1 << (b & 31))) >>> 0;
    if (w < this.okWords) {
      if (w < this.loA) this.loA = w;
      if (w === this.hiA - 1 && words[w] === 0) {
        while (this.hiA > this.loA && words[this.hiA - 1] === 0) this.hiA--;
      }
    }
  }

  /** Adds the current (bitset, state') to the memo; false when already seen. */
  private remember(hash: number, state: number): boolean {
    const words = this.words;
    let loB = this.okWords;
    let hiB = words.length;
    while (loB < hiB && words[loB] === 0) loB++;
    while (hiB > loB && words[hiB - 1] === 0) hiB--;
    if (loB === hiB) loB = hiB = 0;
    return this.memo.addIfAbsent(hash, state, words, this.loA, this.hiA, loB, hiB);
  }

  /** Runs up to `budget` steps; returns the status. */
  run(budget: number): SearchStatus {
    if (this.status !== 'running') return this.status;
    const p = this.p;
    const { kind, arg1, arg2, entrySlot, entryIsCall, entryReturn } = p;
    const next = this.next;
    const prev = this.prev;
    const opHash = this.opHash;
    const stackEntry = this.stackEntry;
    const stackState = this.stackState;
    const okCount = p.okCount;
    let cur = this.cur;
    let state = this.state;
    let steps = 0;
    while (steps < budget) {
      steps++;
      if (cur === -1) {
        // Unreachable while an ok op is left (its return is in the list), kept as a guard.
        this.status = this.okLeft === 0 ? 'linearizable' : 'violation';
        break;
      }
      const s = entrySlot[cur];
      if (entryIsCall[cur] === 1) {
        const k = kind[s];
        let legal: boolean;
        let ns: number;
        if (k === K_READ) {
          legal = state === arg1[s];
          ns = state;
        } else if (k === K_CAS) {
          legal = state === arg1[s];
          ns = arg2[s];
        } else {
          legal = true;
          ns = arg1[s];
        }
        if (legal) {
          const h = (this.hash ^ opHash[s]) >>> 0;
          this.setBit(s);
          if (this.remember(h, ns)) {
            const sp = this.sp;
            stackEntry[sp] = cur;
            stackState[sp] = state;
            this.sp = sp + 1;
            this.hash = h;
            state = ns;
            // Lift the call and its return out of the list.
            const r = entryReturn[cur];
            const pc = prev[cur];
            const nc = next[cur];
            next[pc] = nc;
            if (nc !== -1) prev[nc] = pc;
            if (r !== 0) {
              const pr = prev[r];
              const nr = next[r];
              next[pr] = nr;
              if (nr !== -1) prev[nr] = pr;
            }
            if (s < okCount && --this.okLeft === 0) {
              this.status = 'linearizable';
              break;
            }
            if (this.memo.size > this.memoLimit) {
              this.status = 'memo-limit';
              break;
            }
            cur = next[0];
            continue;
          }
          this.clearBit(s);
        }
        cur = next[cur];
        continue;
      }
      // A return entry of an op not linearized yet: this branch is dead, backtrack.
      if (cur > this.bestEntry) this.snapshot(cur, state);
      if (this.sp === 0) {
        this.status = 'violation';
        break;
      }
      const sp = --this.sp;
      if (sp < this.lowWater) this.lowWater = sp;
      const c = stackEntry[sp];
      state = stackState[sp];
      const cs = entrySlot[c];
      this.clearBit(cs);
      this.hash = (this.hash ^ opHash[cs]) >>> 0;
      if (cs < okCount) this.okLeft++;
      // Put the call and its return back (reverse order of lifting).
      const r = entryReturn[c];
      if (r !== 0) {
        next[prev[r]] = r;
        if (next[r] !== -1) prev[next[r]] = r;
      }
      next[prev[c]] = c;
      if (next[c] !== -1) prev[next[c]] = c;
      cur = next[c];
    }
    this.cur = cur;
    this.state = state;
    this.steps += steps;
    return this.status;
  }

  private snapshot(entry: number, state: number): void {
    this.bestEntry = entry;
    this.bestState = state;
    for (let i = this.lowWater; i < this.sp; i++) this.bestStack[i] = this.stackEntry[i];
    this.bestLen = this.sp;
    this.lowWater = this.sp;
  }

  /** The furthest point reached (meaningful once the status is "violation"). */
  frontier(): Frontier {
    const slots: number[] = [];
    for (let i = 0; i < this.bestLen; i++) slots.push(this.p.entrySlot[this.bestStack[i]]);
    return { blockedSlot: this.p.entrySlot[this.bestEntry], prefixSlots: slots, state: this.bestState };
  }
}
