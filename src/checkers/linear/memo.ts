// The search's memo: an open-addressing hash set of (set of linearized ops, register state) pairs.
// Sets are stored trimmed (two word ranges of the bitset) in one growing Int32Array arena; sets are
// pooled and cleared in O(1) by a generation stamp, so many small searches allocate nothing.

/** Murmur3's 32-bit finaliser: spreads the bits of an incrementally xor-ed hash. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const HEADER_WORDS = 4;
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

/**
 * The set. An entry is `[loA, hiA, loB, hiB, words[loA..hiA), words[loB..hiB)]` in the arena; the
 * caller guarantees equal sets give equal ranges (a canonical trimming).
 */
export class MemoSet {
  size = 0;
  capacity: number;
  private mask: number;
  private hashes: Int32Array;
  private states: Int32Array;
  /** arena offset of the entry in each slot */
  private offsets: Int32Array;
  /** a slot is full when its generation is the set's current one */
  private gens: Int32Array;
  private gen = 1;
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

  /** Empties the set in O(1). */
  clear(): void {
    this.size = 0;
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
   * Adds the pair unless present; returns true when it was added. `hash` covers the bitset only;
   * the state is mixed in here.
   */
  addIfAbsent(hash: number, state: number, words: Int32Array, loA: number, hiA: number, loB: number, hiB: number): boolean {
    const h = mix32(hash ^ Math.imul(state + 0x3c6ef372, 0x9e3779b1));
    const mask = this.mask;
    let i = h & mask;
    const hashes = this.hashes;
    const gens = this.gens;
    const gen = this.gen;
    for (;;) {
      if (gens[i] !== gen) break;
      if (hashes[i] === h && this.states[i] === state && this.same(this.offsets[i], words, loA, hiA, loB, hiB)) return false;
      i = (i + 1) & mask;
    }
    // Insert.
    const need = HEADER_WORDS + (hiA - loA) + (hiB - loB);
    if (this.arenaUsed + need > this.arena.length) this.growArena(need);
    const at = this.arenaUsed;
    const a = this.arena;
    a[at] = loA;
    a[at + 1] = hiA;
    a[at + 2] = loB;
    a[at + 3] = hiB;
    let p = at + HEADER_WORDS;
    for (let w = loA; w < hiA; w++) a[p++] = words[w];
    for (let w = loB; w < hiB; w++) a[p++] = words[w];
    this.arenaUsed = p;
    hashes[i] = h;
    this.states[i] = state;
    this.offsets[i] = at;
    gens[i] = gen;
    this.size++;
    if (this.size * 2 > this.capacity) this.grow();
    return true;
  }

  private same(at: number, words: Int32Array, loA: number, hiA: number, loB: number, hiB: number): boolean {
    const a = this.arena;
    if (a[at] !== loA || a[at + 1] !== hiA || a[at + 2] !== loB || a[at + 3] !== hiB) return false;
    let p = at + HEADER_WORDS;
    for (let w = loA; w < hiA; w++) if (a[p++] !== words[w]) return false;
    for (let w = loB; w < hiB; w++) if (a[p++] !== words[w]) return false;
    return true;
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
