// Strings of a history (keys, sessions, users, nodes, fs) made once each from their ASCII bytes:
// a line's string fields are looked up by a hash of their bytes, so the common case creates no
// string at all, and equal names are one string (compared by reference afterwards).

/** FNV-1a's start and step; a scanner hashes a string's bytes as it reads them. */
export const HASH_START = 0x811c9dc5 | 0;
export const hashStep = (h: number, byte: number): number => Math.imul(h ^ byte, 16777619);

/** Beyond this many distinct strings, new ones are made but no longer kept. */
const MAX_ENTRIES = 1 << 20;

export class Interner {
  private mask = 1023;
  private strs: (string | undefined)[] = new Array<string | undefined>(1024).fill(undefined);
  private hashes = new Int32Array(1024);
  private size = 0;

  /** The string of the ASCII bytes `b[start, end)` whose hash (hashStep over them from HASH_START) is `h`. */
  get(b: Buffer, start: number, end: number, h: number): string {
    const len = end - start;
    const strs = this.strs;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const s = strs[i];
      if (s === undefined) break;
      if (this.hashes[i] === h && s.length === len && sameBytes(s, b, start)) return s;
    }
    const s = b.toString('latin1', start, end);
    if (this.size < MAX_ENTRIES) this.insert(s, h);
    return s;
  }

  /** The interned string equal to `s` (ASCII, as get() makes them): for strings made elsewhere (another thread's scanner). */
  getString(s: string): string {
    let h = HASH_START;
    for (let i = 0; i < s.length; i++) h = hashStep(h, s.charCodeAt(i));
    const strs = this.strs;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const t = strs[i];
      if (t === undefined) break;
      if (this.hashes[i] === h && t === s) return t;
    }
    if (this.size < MAX_ENTRIES) this.insert(s, h);
    return s;
  }

  private insert(s: string, h: number): void {
    if ((this.size + 1) * 2 > this.strs.length) this.grow();
    let i = h & this.mask;
    while (this.strs[i] !== undefined) i = (i + 1) & this.mask;
    this.strs[i] = s;
    this.hashes[i] = h;
    this.size++;
  }

  private grow(): void {
    const old = this.strs;
    const oldHashes = this.hashes;
    this.strs = new Array<string | undefined>(old.length * 2).fill(undefined);
    this.hashes = new Int32Array(old.length * 2);
    this.mask = old.length * 2 - 1;
    this.size = 0;
    for (let i = 0; i < old.length; i++) {
      const s = old[i];
      if (s !== undefined) this.insert(s, oldHashes[i]);
    }
  }
}

function sameBytes(s: string, b: Uint8Array, start: number): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== b[start + i]) return false;
  return true;
}
