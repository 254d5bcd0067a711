// Wing & Gong / Lowe's linearizability search (WGL) over one key, resumable in step slices: a
// dancing-links list of call/return entries, a stack of linearized calls, and a memo of states.
// States are integer codes: the register's value codes stepped inline (the fast path), or the codes
// of a CodedModel (seam.ts) for any other model, whose step the search calls instead.

import { NO_CLASS, pureAllowed, returnKeys, twinClasses } from './canon.js';
import { MemoSet, releaseMemo, takeMemo, type MemoState } from './memo.js';
import { K_CAS, K_READ, K_WRITE, type KeyProblem } from './model.js';
import { reachable, type CodedModel } from './seam.js';

/** `stopped`: ended from outside (time budget, another key failed, memory over all keys). */
export type SearchStatus = 'running' | 'linearizable' | 'violation' | 'memo-limit' | 'stopped';

/** Where the search got furthest: the op whose return it could not pass, and what came before. */
export interface Frontier {
  /** Slot of the op whose return was reached before it could be linearized. */
  blockedSlot: number;
  /** Slots linearized before it, in linearization order. */
  prefixSlots: number[];
  /** State code after the prefix: the register's value code, or the CodedModel's state code. */
  state: number;
}

/**
 * A running search's state (KeySearch.suspend), for a worker thread to go on with it
 * (KeySearch.resume) on the same problem: its arrays are copies, the memo's are the memo's own.
 */
export interface SearchSnapshot {
  valuePruning: boolean;
  dominance: boolean;
  /** The scalars, in SCALARS' order. */
  scalars: number[];
  /** The arrays that change as it runs, in ARRAYS' order. */
  arrays: Int32Array[];
  memo: MemoState;
}

/** What of a KeySearch changes as it runs, besides its memo (the rest follows from the problem). */
const SCALARS = ['steps', 'sp', 'gen', 'resetsLeft', 'hash', 'state', 'okLeft', 'infoSet', 'cur', 'loA', 'hiA', 'bestEntry', 'bestState', 'bestLen', 'lowWater'] as const;
const ARRAYS = ['next', 'prev', 'stackEntry', 'stackState', 'words', 'obsLeft', 'bestStack', 'classBest', 'classGen'] as const;
/** A search's fields by name, for the snapshot (the names above are its private fields). */
type Fields = Record<(typeof SCALARS)[number], number> & Record<(typeof ARRAYS)[number], Int32Array>;

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
  /** Memo entries when the search ended (the set itself goes back to the pool). */
  memoSize = 0;
  private memo: MemoSet;
  private readonly p: KeyProblem;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly stackEntry: Int32Array;
  private readonly stackState: Int32Array;
  private sp = 0;
  /** The set of linearized ops: ok ops from bit 0, indeterminate ones from word okWords. */
  private readonly words: Int32Array;
  private readonly okWords: number;
  /** The value of the last ok word when all its ops are linearized. */
  private readonly lastOkFull: number;
  /** slot -> bit position */
  private readonly bitOf: Int32Array;
  private readonly opHash: Int32Array;
  /** 1 for ops that never change the state (reads, cas x -> x): see the pruning in run(). */
  private readonly pure: Uint8Array;
  /** value -> ops that must take effect and need it (reads of it, cas from it) not placed yet */
  private readonly obsLeft: Int32Array;
  /** slot -> the value the op needs (for ops that must take effect), else -1 */
  private readonly observes: Int32Array;
  /** Twin classes and their ranking key, the best twin per class at the current node (canon.ts). */
  private twin!: Int32Array;
  private retKey!: Int32Array;
  private classBest!: Int32Array;
  private classGen!: Int32Array;
  private gen = 0;
  /** Unplaced resets of a coded model (see Model.resets); its reachability pruning needs none left. */
  private resetsLeft = 0;
  private hash = 0;
  private state = 0;
  private okLeft: number;
  private infoSet = 0;
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

  /**
   * `valuePruning` (default on) cuts orders that leave a value while an op that needs it is still to
   * come and nothing left can set it again before that op returns (a coded model: its reachability
   * pruning): sound and much faster, but it fails histories at the write that leaves the value
   * rather than at the stale read, so explanations search again without it. `dominance` (default
   * on): after an op that must take effect, a memo entry with the same such ops placed, the same
   * state and a subset of the optional ones placed stands for this one. Sound: the optional ops
   * have no return, so every completion of the larger set is one of the smaller (which may skip
   * them), and that entry has been searched to the end (every node still being searched has fewer
   * ops that must take effect placed); the memo holds one entry where it held one per subset.
   */
  constructor(
    problem: KeyProblem,
    private readonly memoLimit: number,
    private readonly valuePruning = true,
    private readonly dominance = true,
  ) {
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
    const ok = problem.okCount;
    this.okWords = (ok + 31) >>> 5;
    const infoWords = (n - ok + 31) >>> 5;
    this.words = new Int32Array(this.okWords + infoWords);
    const rem = ok & 31;
    this.lastOkFull = rem === 0 ? -1 : (1 << rem) - 1;
    this.bitOf = new Int32Array(n);
    for (let s = 0; s < n; s++) this.bitOf[s] = s < ok ? s : (this.okWords << 5) + (s - ok);
    // The hash covers the ops that must take effect only: the memo groups sets by that part.
    this.opHash = new Int32Array(randomWords(n, 0x9e3779b9 ^ n).buffer);
    this.opHash.fill(0, problem.okCount);
    this.pure = new Uint8Array(n);
    this.okLeft = ok;
    this.cur = this.next[0];
    this.memo = takeMemo(Math.min(1 << 14, 16 * n));
    if (problem.coded) {
      // Another model: only its read-only ops are pure; the value pruning is the register's own.
      for (let i = 0; i < ok; i++) this.pure[i] = problem.coded.readOnly[i];
      for (let i = 0; i < n; i++) this.resetsLeft += problem.coded.resets[i];
      this.observes = new Int32Array(n).fill(-1);
      this.obsLeft = new Int32Array(1);
      this.canon();
      if (this.okLeft === 0) this.end('linearizable');
      return;
    }
    // Only ops that must take effect: an optional one moved first would forbid a write after it.
    for (let i = 0; i < ok; i++) {
      const k = problem.kind[i];
      this.pure[i] = k === K_READ || (k === K_CAS && problem.arg1[i] === problem.arg2[i]) ? 1 : 0;
    }
    const values = problem.values.length;
    this.observes = new Int32Array(n).fill(-1);
    this.obsLeft = new Int32Array(values);
    for (let i = 0; i < n; i++) {
      const k = problem.kind[i];
      if (i < ok && k !== K_WRITE) {
        this.observes[i] = problem.arg1[i];
        this.obsLeft[problem.arg1[i]]++;
      }
    }
    this.canon();
    if (this.okLeft === 0) this.end('linearizable');
  }

  /** The canonical-order rules' tables (canon.ts), and the first node's arrival. */
  private canon(): void {
    this.twin = twinClasses(this.p, this.pure);
    let classes = 0;
    for (let s = 0; s < this.twin.length; s++) if (this.twin[s] >= classes) classes = this.twin[s] + 1;
    this.retKey = returnKeys(this.p);
    this.classBest = new Int32Array(classes);
    this.classGen = new Int32Array(classes);
    const e = this.arrive(0);
    if (e !== 0) this.cur = e;
  }

  /**
   * At a node (a prefix in `state`): the call entry of the op rule (E) places eagerly, or 0; when
   * there is none, stamps the best twin of every class among the enabled calls (rule (T)).
   */
  private arrive(state: number): number {
    const p = this.p;
    const next = this.next;
    const pure = this.pure;
    const twin = this.twin;
    const retKey = this.retKey;
    const best = this.classBest;
    const stamp = this.classGen;
    if (++this.gen === 0x7fffffff) {
      stamp.fill(0);
      this.gen = 1;
    }
    const gen = this.gen;
    for (let e = next[0]; e !== -1 && p.entryIsCall[e] === 1; e = next[e]) {
      const s = p.entrySlot[e];
      if (pure[s] === 1) {
        if (pureAllowed(p, state, s)) return e;
        continue;
      }
      const c = twin[s];
      if (c === NO_CLASS) continue;
      if (stamp[c] !== gen) {
        stamp[c] = gen;
        best[c] = s;
        continue;
      }
      const b = best[c];
      if (retKey[s] < retKey[b] || (retKey[s] === retKey[b] && s < b)) best[c] = s;
    }
    return 0;
  }

  /** Memo entries: live while running, final afterwards. */
  get memoEntries(): number {
    return this.status === 'running' ? this.memo.size : this.memoSize;
  }

  /** Stops the search with a final status and gives its memo back to the pool. */
  end(status: Exclude<SearchStatus, 'running'>): void {
    if (this.status !== 'running') return;
    this.status = status;
    this.memoSize = this.memo.size;
    releaseMemo(this.memo);
  }

  /**
   * Ends the search here ('stopped') and gives where it is, memo included, for a worker thread to
   * go on from there (resume): the steps that follow are the ones it would have taken here. The memo
   * goes with the snapshot, not back to the pool (its arrays may be transferred).
   */
  suspend(): SearchSnapshot {
    if (this.status !== 'running') throw new Error(`a search that is ${this.status} cannot be suspended`);
    const f = this as unknown as Fields;
    const snap: SearchSnapshot = {
      valuePruning: this.valuePruning,
      dominance: this.dominance,
      scalars: SCALARS.map((k) => f[k]),
      arrays: ARRAYS.map((k) => f[k].slice()),
      memo: this.memo.toState(),
    };
    this.status = 'stopped';
    this.memoSize = this.memo.size;
    this.memo = new MemoSet(0);
    return snap;
  }

  /** The search `snap` was taken of (suspend), on the same problem (built the same way), going on. */
  static resume(problem: KeyProblem, memoLimit: number, snap: SearchSnapshot): KeySearch {
    const s = new KeySearch(problem, memoLimit, snap.valuePruning, snap.dominance);
    const f = s as unknown as Fields;
    ARRAYS.forEach((k, i) => {
      if (f[k].length !== snap.arrays[i].length) throw new Error(`the search resumed is not of this problem (${k}: ${snap.arrays[i].length} entries, expected ${f[k].length})`);
      f[k].set(snap.arrays[i]);
    });
    SCALARS.forEach((k, i) => (f[k] = snap.scalars[i]));
    releaseMemo(s.memo);
    s.memo = MemoSet.fromState(snap.memo);
    s.status = 'running';
    return s;
  }

  /** Runs up to `budget` steps; returns the status. */
  run(budget: number): SearchStatus {
    if (this.status !== 'running') return this.status;
    const p = this.p;
    const kind = p.kind;
    const arg1 = p.arg1;
    const arg2 = p.arg2;
    const entrySlot = p.entrySlot;
    const entryIsCall = p.entryIsCall;
    const entryReturn = p.entryReturn;
    const okCount = p.okCount;
    const next = this.next;
    const prev = this.prev;
    const opHash = this.opHash;
    const stackEntry = this.stackEntry;
    const stackState = this.stackState;
    const pure = this.pure;
    const valuePruning = this.valuePruning;
    const dominance = this.dominance;
    const obsLeft = this.obsLeft;
    const observes = this.observes;
    const bitOf = this.bitOf;
    const words = this.words;
    const okWords = this.okWords;
    const allWords = words.length;
    const lastOk = okWords - 1;
    const lastOkFull = this.lastOkFull;
    const memo = this.memo;
    const memoLimit = this.memoLimit;
    const coded = p.coded;
    const prunes = coded !== undefined && coded.prunes && this.valuePruning;
    const resets = coded?.resets;
    const twin = this.twin;
    const classBest = this.classBest;
    const twins = classBest.length > 0;
    let resetsLeft = this.resetsLeft;
    let cur = this.cur;
    let state = this.state;
    let hash = this.hash;
    let sp = this.sp;
    let okLeft = this.okLeft;
    let infoSet = this.infoSet;
    let loA = this.loA;
    let hiA = this.hiA;
    let lowWater = this.lowWater;
    let steps = 0;
    let status: SearchStatus = 'running';
    outer: while (steps < budget) {
      steps++;
      if (cur === -1) {
        // Not reached while an ok op is left (its return is after every call scanned), a guard.
        status = okLeft === 0 ? 'linearizable' : 'violation';
        break;
      }
      const s = entrySlot[cur];
      if (entryIsCall[cur] === 1) {
        // Rule (T) of canon.ts: of enabled twins only the one that returns first is tried.
        if (twin[s] !== NO_CLASS && classBest[twin[s]] !== s) {
          cur = next[cur];
          continue;
        }
        const k = kind[s];
        let ns: number;
        if (coded !== undefined) {
          ns = coded.step(state, s);
          if (ns < 0) {
            cur = next[cur];
            continue;
          }
        } else if (k === K_READ) {
          if (state !== arg1[s]) {
            cur = next[cur];
            continue;
          }
          ns = state;
        } else if (k === K_CAS) {
          if (state !== arg1[s]) {
            cur = next[cur];
            continue;
          }
          ns = arg2[s];
        } else {
          // Right after an optional indeterminate op, a write would make it pointless: the same
          // order without it is as good and is tried on another branch (see the memo key below).
          if (sp > 0 && entrySlot[stackEntry[sp - 1]] >= okCount) {
            cur = next[cur];
            continue;
          }
          ns = arg1[s];
        }
        // An optional op that changes nothing is pointless here: the order without it is as good.
        if (ns === state && s >= okCount) {
          cur = next[cur];
          continue;
        }
        // Leaving a value that an op still to place must see: some op that sets the value again
        // must be left, and called before that op returns (a condition of every valid order).
        if (ns !== state && coded === undefined && valuePruning && obsLeft[state] - (observes[s] === state ? 1 : 0) > 0 && this.stranded(state, s)) {
          cur = next[cur];
          continue;
        }
        // A coded model's pruning: the new state must still allow every read-only op to come that
        // is running now or returns first (see Model.reachable), unless a reset is left.
        if (prunes && ns !== state && resetsLeft - resets![s] === 0 && this.unreachable(ns)) {
          cur = next[cur];
          continue;
        }
        // Add the op to the set, then ask the memo about (set, state').
        const b = bitOf[s];
        const w = b >>> 5;
        const bit = 1 << (b & 31);
        words[w] |= bit;
        let nLoA = loA;
        let nHiA = hiA;
        let loB = 0;
        let hiB = 0;
        if (w < okWords) {
          if (w >= nHiA) nHiA = w + 1;
          if (w === nLoA) while (nLoA < okWords && words[nLoA] === (nLoA === lastOk ? lastOkFull : -1)) nLoA++;
        }
        if (infoSet > 0 || w >= okWords) {
          loB = okWords;
          hiB = allWords;
          while (words[loB] === 0) loB++;
          while (words[hiB - 1] === 0) hiB--;
        }
        const h = hash ^ opHash[s];
        // The memo key is (set, state, whether the last op is an optional one): after one, fewer
        // continuations are allowed, so the two must not stand for each other. After an op that
        // must take effect, a memo entry with the same such ops, the same state and a subset of
        // the optional ones dominates (see the constructor).
        if (memo.addIfAbsent(h, s < okCount ? ns << 1 : (ns << 1) | 1, words, nLoA, nHiA, loB, hiB, dominance && s < okCount)) {
          stackEntry[sp] = cur;
          stackState[sp] = state;
          sp++;
          if (observes[s] >= 0) obsLeft[observes[s]]--;
          if (resets !== undefined) resetsLeft -= resets[s];
          hash = h;
          state = ns;
          loA = nLoA;
          hiA = nHiA;
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
          if (s < okCount) {
            if (--okLeft === 0) {
              status = 'linearizable';
              break;
            }
          } else infoSet++;
          if (memo.size > memoLimit) {
            status = 'memo-limit';
            break;
          }
          cur = next[0];
          // Rule (E) of canon.ts: an enabled pure op allowed here goes first, alone.
          const e = this.arrive(state);
          if (e !== 0) cur = e;
          continue;
        }
        words[w] &= ~bit;
        // A pure op (read, cas x->x) that is legal here could go first in any completion of this
        // prefix, and that was already explored: the whole prefix is dead.
        if (pure[s] === 0) {
          cur = next[cur];
          continue;
        }
      } else if (cur > this.bestEntry) {
        // A return entry of an op not linearized yet: this branch is dead. Remember the furthest.
        this.lowWater = lowWater;
        this.sp = sp;
        this.snapshot(cur, state);
        lowWater = sp;
      }
      // Backtrack; popping a pure op means its whole prefix is dead too (see above), so pop again.
      let c = 0;
      for (;;) {
        if (sp === 0) {
          status = 'violation';
          break outer;
        }
        sp--;
        if (sp < lowWater) lowWater = sp;
        c = stackEntry[sp];
        state = stackState[sp];
        const cs = entrySlot[c];
        if (observes[cs] >= 0) obsLeft[observes[cs]]++;
        if (resets !== undefined) resetsLeft += resets[cs];
        const b = bitOf[cs];
        const w = b >>> 5;
        words[w] &= ~(1 << (b & 31));
        if (w < okWords) {
          if (w < loA) loA = w;
          if (w === hiA - 1 && words[w] === 0) while (hiA > loA && words[hiA - 1] === 0) hiA--;
          okLeft++;
        } else infoSet--;
        hash ^= opHash[cs];
        // Put the call and its return back (reverse order of lifting).
        const r = entryReturn[c];
        if (r !== 0) {
          next[prev[r]] = r;
          if (next[r] !== -1) prev[next[r]] = r;
        }
        next[prev[c]] = c;
        if (next[c] !== -1) prev[next[c]] = c;
        if (pure[cs] === 0) break;
      }
      cur = next[c];
      // Back at a node that had no eager op (else c would be pure): stamp its best twins again.
      if (twins) this.arrive(state);
    }
    this.cur = cur;
    this.state = state;
    this.hash = hash;
    this.sp = sp;
    this.okLeft = okLeft;
    this.infoSet = infoSet;
    this.loA = loA;
    this.hiA = hiA;
    this.lowWater = lowWater;
    this.resetsLeft = resetsLeft;
    this.steps += steps;
    if (status !== 'running') this.end(status);
    return this.status;
  }

  /**
   * Whether leaving value `v` (by placing op `s`) strands an op that must see it: walking the list
   * (the ops not placed, in history order), the return of an op that observes v comes before the
   * call of any op that could set v again.
   */
  private stranded(v: number, s: number): boolean {
    const p = this.p;
    const observes = this.observes;
    for (let e = this.next[0]; e !== -1; e = this.next[e]) {
      const t = p.entrySlot[e];
      if (t === s) continue;
      if (p.entryIsCall[e] === 1) {
        const k = p.kind[t];
        if ((k === K_WRITE && p.arg1[t] === v) || (k === K_CAS && p.arg2[t] === v)) return false;
      } else if (observes[t] === v) return true;
    }
    return false;
  }

  /**
   * Whether, in state `ns`, some read-only op that must take effect and is not placed can no longer
   * be allowed: among the calls before the first return in the list (the ops running now) and the
   * op of that return (the next to end).
   */
  private unreachable(ns: number): boolean {
    const p = this.p;
    const coded = p.coded as CodedModel;
    const readOnly = coded.readOnly;
    for (let e = this.next[0]; e !== -1; e = this.next[e]) {
      const t = p.entrySlot[e];
      if (t < p.okCount && readOnly[t] === 1 && !reachable(coded, ns, t)) return true;
      if (p.entryIsCall[e] === 0) return false;
    }
    return false;
  }

  private snapshot(entry: number, state: number): void {
    this.bestEntry = entry;
    this.bestState = state;
    for (let i = this.lowWater; i < this.sp; i++) this.bestStack[i] = this.stackEntry[i];
    this.bestLen = this.sp;
  }

  /** The furthest return entry reached so far (0: none yet), also while running. */
  get furthestEntry(): number {
    return this.bestEntry;
  }

  /** The furthest point reached (meaningful once the status is "violation"). */
  frontier(): Frontier {
    const slots: number[] = [];
    for (let i = 0; i < this.bestLen; i++) slots.push(this.p.entrySlot[this.bestStack[i]]);
    return { blockedSlot: this.p.entrySlot[this.bestEntry], prefixSlots: slots, state: this.bestState };
  }
}
