// The evidence that a node still held a write after a read that lacked what it needs: per stretch of
// one node's reads, for each session group and key, the element of the group that needs the most
// among those the key's reads showed, and the read. A read's list holds a group's elements of that
// key in their append order, so the last of them is the one of that read that needs the most.

/** Per session group and key: the element needing the most that a read of the key on the node showed so far, and the read. */
export class NewestShown {
  private byGroup = new Map<number, Map<number, [x: number, read: number]>>();
  /** Per group: the read (+1) that last noted one, so a read notes each group once. */
  private readonly stamp: Int32Array;

  constructor(groups: number) {
    this.stamp = new Int32Array(groups);
  }

  /** A new stretch: nothing is known. */
  reset(): void {
    this.byGroup = new Map();
  }

  /** Read `read` of `key` showed `elems` (in list order); `groupOf` and `needOf` give an element's group (-1: none) and need. */
  note(read: number, key: number, elems: Int32Array, from: number, end: number, groupOf: Int32Array, needOf: Int32Array): void {
    for (let j = end - 1; j >= from; j--) {
      const x = elems[j];
      const g = groupOf[x];
      if (g < 0 || this.stamp[g] === read + 1) continue;
      this.stamp[g] = read + 1;
      let keys = this.byGroup.get(g);
      if (keys === undefined) this.byGroup.set(g, (keys = new Map()));
      const had = keys.get(key);
      // (a read that overlapped an earlier one may show less: keep the element that needs the most)
      if (had === undefined || needOf[x] >= needOf[had[0]]) keys.set(key, [x, read]);
    }
  }

  /** The newest (element, read) pairs of group g so far, one per key, flat: [x, read, x, read, ...]. */
  snapshot(g: number): number[] {
    const out: number[] = [];
    for (const [x, read] of this.byGroup.get(g)?.values() ?? []) out.push(x, read);
    return out;
  }
}
