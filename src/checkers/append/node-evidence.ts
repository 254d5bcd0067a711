// The evidence that a node still held a write after a read that lacked what it needs: per stretch of
// one node's reads, for each session group and key, the element of the group that needs the most
// among those the key's reads showed, and the read. A read's list holds a group's elements of that
// key in their append order, so the last of them is the one of that read that needs the most.
// Typed arrays only: each (group, key) pair that has elements gets a slot, once per deps.

/** Per session group and key: the element needing the most that a read of the key on the node showed so far, and the read. */
export class NewestShown {
  private serial = 0;
  /** Per element: the slot of its (group, key) pair (-1: no group). */
  private readonly slotOf: Int32Array;
  /** Per slot (valid when slotSerial === serial): the element, the read, the group's next slot (in order of first note). */
  private readonly slotSerial: Int32Array;
  private readonly slotX: Int32Array;
  private readonly slotRead: Int32Array;
  private readonly slotNext: Int32Array;
  /** Per group (valid when groupSerial === serial): its first and last slot noted in this stretch. */
  private readonly groupSerial: Int32Array;
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  /** Per group: the read (+1) that last noted one, so a read notes each group once. */
  private readonly stamp: Int32Array;

  /** `groupOf`: each element's group (-1: none); `elemKey`: its key. */
  constructor(groupOf: Int32Array, elemKey: Int32Array, groups: number, keys: number) {
    this.slotOf = pairSlots(groupOf, elemKey, groups, keys);
    let slots = 0;
    for (let x = 0; x < this.slotOf.length; x++) if (this.slotOf[x] >= slots) slots = this.slotOf[x] + 1;
    this.slotSerial = new Int32Array(slots);
    this.slotX = new Int32Array(slots);
    this.slotRead = new Int32Array(slots);
    this.slotNext = new Int32Array(slots);
    this.groupSerial = new Int32Array(groups);
    this.head = new Int32Array(groups);
    this.tail = new Int32Array(groups);
    this.stamp = new Int32Array(groups);
  }

  /** A new stretch: nothing is known. */
  reset(): void {
    this.serial++;
  }

  /** Read `read` showed `elems` (in list order); `groupOf` and `needOf` give an element's group (-1: none) and need. */
  note(read: number, elems: Int32Array, from: number, end: number, groupOf: Int32Array, needOf: Int32Array): void {
    const serial = this.serial;
    const mark = read + 1;
    for (let j = end - 1; j >= from; j--) {
      const x = elems[j];
      const g = groupOf[x];
      if (g < 0 || this.stamp[g] === mark) continue;
      this.stamp[g] = mark;
      const s = this.slotOf[x];
      if (this.slotSerial[s] !== serial) {
        this.slotSerial[s] = serial;
        this.slotNext[s] = -1;
        if (this.groupSerial[g] !== serial) {
          this.groupSerial[g] = serial;
          this.head[g] = s;
        } else this.slotNext[this.tail[g]] = s;
        this.tail[g] = s;
      } else if (needOf[x] < needOf[this.slotX[s]]) continue;
      // (a read that overlapped an earlier one may show less: keep the element that needs the most)
      this.slotX[s] = x;
      this.slotRead[s] = read;
    }
  }

  /** The newest (element, read) pairs of group g so far, one per key, flat: [x, read, x, read, ...]. */
  snapshot(g: number): number[] {
    const out: number[] = [];
    if (this.groupSerial[g] !== this.serial) return out;
    for (let s = this.head[g]; s >= 0; s = this.slotNext[s]) out.push(this.slotX[s], this.slotRead[s]);
    return out;
  }
}

/** Per element: a dense id of its (group, key) pair, -1 when it has no group. Linear: a counting sort by group. */
function pairSlots(groupOf: Int32Array, elemKey: Int32Array, groups: number, keys: number): Int32Array {
  const n = groupOf.length;
  const start = new Int32Array(groups + 1);
  for (let x = 0; x < n; x++) if (groupOf[x] >= 0) start[groupOf[x] + 1]++;
  for (let g = 0; g < groups; g++) start[g + 1] += start[g];
  const fill = start.slice(0, groups);
  const byGroup = new Int32Array(start[groups]);
  for (let x = 0; x < n; x++) if (groupOf[x] >= 0) byGroup[fill[groupOf[x]]++] = x;
  const slotOf = new Int32Array(n).fill(-1);
  const keyStamp = new Int32Array(keys);
  const keySlot = new Int32Array(keys);
  let slots = 0;
  for (let g = 0; g < groups; g++) {
    for (let p = start[g]; p < start[g + 1]; p++) {
      const x = byGroup[p];
      const k = elemKey[x];
      if (keyStamp[k] !== g + 1) {
        keyStamp[k] = g + 1;
        keySlot[k] = slots++;
      }
      slotOf[x] = keySlot[k];
    }
  }
  return slotOf;
}
