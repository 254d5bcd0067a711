// The search's memo: a set of (set of linearized ops, state) pairs, grouped by the part of the set
// that must take effect (range A of the bitset) and the state: an open-addressing hash table of
// groups, each with a list of its variants (range B, the optional ops placed). A lookup may ask
// for a variant that is a subset of the one given (dominance, see KeySearch) or an equal one; with
// dominance, a new variant unlinks those that hold it, so each list stays an antichain. Sets
// are stored trimmed in one growing Int32Array arena; sets are pooled and cleared in O(1) by a
// generation stamp, so many small searches allocate nothing.

/** Murmur3's 32-bit finaliser: spreads the bits of an incrementally xor-ed hash. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** A group: [loA, hiA, first variant, ok words...]; a variant: [next variant, loB, hiB, optional words...]. */
const GROUP_WORDS = 3;
const VARIANT_WORDS = 3;
/** Released sets kept for reuse (their arrays stay allocated). */
const POOL_SIZE = 4;
/** Larger sets are left to the garbage collector rather than kept (about 4 MB of slots, 16 MB of arena). */
const MAX_POOLED_SLOTS = 1 << 18;
const MAX_POOLED_ARENA_WORDS = 1 << 22;
const pool: MemoSet[] = [];

/** A cleared set from the pool, or a new one. */
export function takeMemo(initialCapacity: number): MemoSet {
  const m = pool.pop();
  if (m) {
    m.clear();
    return m;
  }
  return new MemoSet(initialCapacity);
}

/** Gives a set back to the pool; a huge one is dropped so its memory can be freed. */
export function releaseMemo(m: MemoSet): void {
  if (pool.length < POOL_SIZE && m.capacity <= MAX_POOLED_SLOTS && m.arenaLength <= MAX_POOLED_ARENA_WORDS && !pool.includes(m)) pool.push(m);
}

/** A set's whole state, to carry it to another thread (its arrays' buffers can be transferred). */
export interface MemoState {
  size: number;
  gen: number;
  groups: number;
  arenaUsed: number;
  hashes: Int32Array;
  states: Int32Array;
  offsets: Int32Array;
  gens: Int32Array;
  arena: Int32Array;
}

/** The buffers of a set's state, for postMessage's transfer list (they move, not copied). */
export function memoBuffers(m: MemoState): ArrayBuffer[] {
  return [m.hashes, m.states, m.offsets, m.gens, m.arena].map((a) => a.buffer as ArrayBuffer);
}

/**
 * The set. The caller guarantees equal sets give equal ranges (a canonical trimming) and that the
 * hash covers range A only; `size` counts variants (the entries).
 */
export class MemoSet {
  size = 0;
  capacity: number;
  private mask: number;
  private hashes: Int32Array;
  private states: Int32Array;
  /** arena offset of the group in each slot */
  private offsets: Int32Array;
  /** a slot is full when its generation is the set's current one */
  private gens: Int32Array;
  private gen = 1;
  private groups = 0;
  private arena: Int32Array;
  private arenaUsed = 0;

  constructor(initialCapacity = 1024) {
    let c = 16;
    while (c < initialCapacity * 2) c *= 2;
    this.capacity = c;
    this.mask = c - 1;
    this.hashes = new Int32Array(c);
    this.states = new Int32Array(c);
    this.offsets = new Int32Array(c);
    this.gens = new Int32Array(c);
    this.arena = new Int32Array(Math.max(1024, initialCapacity * 8));
  }

  /** A set holding what `state` holds (its arrays, not copies). */
  static fromState(state: MemoState): MemoSet {
    const m = new MemoSet(0);
    m.size = state.size;
    m.gen = state.gen;
    m.groups = state.groups;
    m.arenaUsed = state.arenaUsed;
    m.hashes = state.hashes;
    m.states = state.states;
    m.offsets = state.offsets;
    m.gens = state.gens;
    m.arena = state.arena;
    m.capacity = state.hashes.length;
    m.mask = m.capacity - 1;
    return m;
  }

  /**
   * The set's state, its arrays themselves: once they are transferred this set is unusable, so it
   * must not go back to the pool (KeySearch.suspend).
   */
  toState(): MemoState {
    const { size, gen, groups, arenaUsed, hashes, states, offsets, gens, arena } = this;
    return { size, gen, groups, arenaUsed, hashes, states, offsets, gens, arena };
  }

  /** Empties the set in O(1). */
  clear(): void {
    this.size = 0;
    this.groups = 0;
    this.arenaUsed = 0;
    this.gen++;
    if (this.gen === 0x7fffffff) {
      this.gens.fill(0);
      this.gen = 1;
    }
  }

  /** Allocated arena words. */
  get arenaLength(): number {
    return this.arena.length;
  }

  /** Words held by the arena (a memory measure). */
  get arenaWords(): number {
    return this.arenaUsed;
  }

  /**
   * Adds the pair unless present; returns true when it was added. With `dominance`, a variant of
   * the group whose range B is a subset of the given one counts as present. `hash` covers range A
   * only; the state is mixed in here, and without dominance range B too: an equal variant is then
   * in a group of its own hash, not one of many a lookup would walk.
   */
  addIfAbsent(hash: number, state: number, words: Int32Array, loA: number, hiA: number, loB: number, hiB: number, dominance = false): boolean {
    let hb = hash;
    if (!dominance) for (let w = loB; w < hiB; w++) hb = Math.imul(hb ^ words[w], 0x01000193) ^ w;
    const h = mix32(hb ^ Math.imul(state + 0x3c6ef372, 0x9e3779b1));
    const mask = this.mask;
    let i = h & mask;
    const hashes = this.hashes;
    const gens = this.gens;
    const gen = this.gen;
    for (;;) {
      if (gens[i] !== gen) break;
      if (hashes[i] === h && this.states[i] === state && this.sameA(this.offsets[i], words, loA, hiA)) {
        const g = this.offsets[i];
        if (dominance ? this.dominated(g, words, loB, hiB) : this.hasVariant(g, words, loB, hiB)) return false;
        this.addVariant(g, words, loB, hiB);
        return true;
      }
      i = (i + 1) & mask;
    }
    this.reserve(GROUP_WORDS + (hiA - loA) + VARIANT_WORDS + (hiB - loB));
    const g = this.arenaUsed;
    const a = this.arena;
    a[g] = loA;
    a[g + 1] = hiA;
    a[g + 2] = -1;
    let p = g + GROUP_WORDS;
    for (let w = loA; w < hiA; w++) a[p++] = words[w];
    this.arenaUsed = p;
    this.addVariant(g, words, loB, hiB);
    hashes[i] = h;
    this.states[i] = state;
    this.offsets[i] = g;
    gens[i] = gen;
    if (++this.groups * 2 > this.capacity) this.grow();
    return true;
  }

  private sameA(g: number, words: Int32Array, loA: number, hiA: number): boolean {
    const a = this.arena;
    if (a[g] !== loA || a[g + 1] !== hiA) return false;
    let p = g + GROUP_WORDS;
    for (let w = loA; w < hiA; w++) if (a[p++] !== words[w]) return false;
    return true;
  }

  /** Whether group `g` has a variant equal to range B of `words`. */
  private hasVariant(g: number, words: Int32Array, loB: number, hiB: number): boolean {
    const a = this.arena;
    next: for (let v = a[g + 2]; v !== -1; v = a[v]) {
      const lo = a[v + 1];
      const hi = a[v + 2];
      if (lo !== loB || hi !== hiB) continue;
      let p = v + VARIANT_WORDS;
      for (let w = lo; w < hi; w++) if (a[p++] !== words[w]) continue next;
      return true;
    }
    return false;
  }

  /**
   * Whether group `g` has a variant that is a subset of range B of `words`; if not, the variants
   * that hold range B are unlinked on the way, since the new one (added next) stands for them: a
   * set that holds one of them holds it. So a group looked up with dominance keeps an antichain,
   * and no variant is unlinked before a subset is found (it would be a subset of that one too).
   * Unlinked variants' words stay in the arena.
   */
  private dominated(g: number, words: Int32Array, loB: number, hiB: number): boolean {
    const a = this.arena;
    let link = g + 2;
    for (let v = a[link]; v !== -1; v = a[v]) {
      const lo = a[v + 1];
      const hi = a[v + 2];
      // variant within B (an empty one is), and B within the variant (an empty B is)
      let sub = hi === lo || (lo >= loB && hi <= hiB);
      let sup = hiB === loB || (loB >= lo && hiB <= hi);
      for (let w = Math.max(lo, loB), end = Math.min(hi, hiB); (sub || sup) && w < end; w++) {
        const x = a[v + VARIANT_WORDS + (w - lo)];
        const y = words[w];
        if ((x & ~y) !== 0) sub = false;
        if ((y & ~x) !== 0) sup = false;
      }
      if (sub) return true;
      if (sup) {
        a[link] = a[v];
        this.size--;
      } else link = v;
    }
    return false;
  }

  private addVariant(g: number, words: Int32Array, loB: number, hiB: number): void {
    this.reserve(VARIANT_WORDS + (hiB - loB));
    const a = this.arena;
    const v = this.arenaUsed;
    a[v] = a[g + 2];
    a[v + 1] = loB;
    a[v + 2] = hiB;
    let p = v + VARIANT_WORDS;
    for (let w = loB; w < hiB; w++) a[p++] = words[w];
    this.arenaUsed = p;
    a[g + 2] = v;
    this.size++;
  }

  private reserve(need: number): void {
    if (this.arenaUsed + need > this.arena.length) this.growArena(need);
  }

  private growArena(need: number): void {
    let len = this.arena.length * 2;
    while (len < this.arenaUsed + need) len *= 2;
    const next = new Int32Array(len);
    next.set(this.arena.subarray(0, this.arenaUsed));
    this.arena = next;
  }

  private grow(): void {
    const oldH = this.hashes;
    const oldS = this.states;
    const oldO = this.offsets;
    const oldG = this.gens;
    const gen = this.gen;
    const cap = this.capacity * 2;
    const mask = cap - 1;
    const hashes = new Int32Array(cap);
    const states = new Int32Array(cap);
    const offsets = new Int32Array(cap);
    const gens = new Int32Array(cap);
    for (let j = 0; j < oldO.length; j++) {
      if (oldG[j] !== gen) continue;
      let i = oldH[j] & mask;
      while (gens[i] === gen) i = (i + 1) & mask;
      hashes[i] = oldH[j];
      states[i] = oldS[j];
      offsets[i] = oldO[j];
      gens[i] = gen;
    }
    this.gens = gens;
    this.capacity = cap;
    this.mask = mask;
    this.hashes = hashes;
    this.states = states;
    this.offsets = offsets;
  }
}
