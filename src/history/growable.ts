// Two small stores the event columns of a run (recorder.ts) and of a scanned stretch
// (scan-batch.ts) are made of: a typed column that grows by doubling, and names as small ints.

/** A growable column of one typed-array kind. */
export class Column<T extends Int32Array | Float64Array | Uint8Array> {
  constructor(
    public a: T,
    private readonly make: (n: number) => T,
  ) {}

  set(i: number, v: number): void {
    this.room(i + 1)[i] = v;
  }

  /** The array, grown (by doubling, at least to n) to hold n slots. */
  room(n: number): T {
    if (n > this.a.length) {
      const grown = this.make(Math.max(n, this.a.length * 2));
      grown.set(this.a);
      this.a = grown;
    }
    return this.a;
  }
}

export const intColumn = (n: number): Column<Int32Array> => new Column(new Int32Array(n), (m) => new Int32Array(m));
export const floatColumn = (n: number): Column<Float64Array> => new Column(new Float64Array(n), (m) => new Float64Array(m));
export const byteColumn = (n: number): Column<Uint8Array> => new Column(new Uint8Array(n), (m) => new Uint8Array(m));

/** Strings as small ints (-1: undefined), both ways, in order of first use. */
export class NameTable {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  id(s: string | undefined): number {
    if (s === undefined) return -1;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(s, id);
      this.names.push(s);
    }
    return id;
  }

  name(id: number): string | undefined {
    return id < 0 ? undefined : this.names[id];
  }
}
