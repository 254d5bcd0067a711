// What the cross-key rules of monotonic-writes and writes-follow-reads share, computed once per
// history (WeakMap on the index, as the index is shared): the ok reads of each node cut into
// stretches between the nemesis events that may concern the node, and per stretch the order in
// which its reads become known (completion order) and how many are known when each read begins.

import { F_READ, T_OK, type FaultMark, type OrderIndex } from './index.js';

/** One node's reads wholly between two nemesis events that may concern it. */
export interface Stretch {
  /** The reads, in invoke order. */
  reads: Int32Array;
  /** The reads that complete before the last one begins, by completion time (ties: invoke order). */
  learnOrder: Int32Array;
  /** Per read (same positions as `reads`): how many of learnOrder completed before it began. */
  learnBefore: Int32Array;
}

export interface NodeReads {
  /** Nodes in the order of their first ok read. */
  nodes: string[];
  /** Per node, its stretches in time order. */
  stretches: Stretch[][];
  /** Per element: the key of its append (-1: no append wrote it). */
  elemKey: Int32Array;
}

const cache = new WeakMap<OrderIndex, NodeReads>();

export function nodeReads(ix: OrderIndex): NodeReads {
  let r = cache.get(ix);
  if (r === undefined) cache.set(ix, (r = buildNodeReads(ix)));
  return r;
}

function buildNodeReads(ix: OrderIndex): NodeReads {
  const { nodes, lists } = readsByNode(ix);
  const stretches = nodes.map((node, n) => cutStretches(ix, lists[n], barriers(ix.faults, node)));
  const elemKey = new Int32Array(ix.elemCount).fill(-1);
  for (let e = 0; e < ix.elemCount; e++) if (ix.elemAppend[e] >= 0) elemKey[e] = ix.opKey[ix.elemAppend[e]];
  return { nodes, stretches, elemKey };
}

/** Times of the nemesis events that may concern `node` (they name it, or name no node). */
function barriers(faults: FaultMark[], node: string): number[] {
  const out: number[] = [];
  for (const f of faults) if (f.node === undefined || f.node === node) out.push(f.time);
  return out;
}

/** Ok reads that name a node, by node (in order of their first ok read), each list in invoke order. */
function readsByNode(ix: OrderIndex): { nodes: string[]; lists: Int32Array[] } {
  // (the index's node ids are in order of first sight among all ops: here, of the first ok read)
  const local = new Int32Array(ix.nodes.length).fill(-1);
  const nodes: string[] = [];
  const opNode = new Int32Array(ix.opF.length).fill(-1);
  const counts: number[] = [];
  for (let i = 0; i < opNode.length; i++) {
    if (ix.opF[i] !== F_READ || ix.opType[i] !== T_OK) continue;
    const g = ix.opNode[i];
    if (g < 0) continue;
    let n = local[g];
    if (n < 0) {
      local[g] = n = nodes.length;
      nodes.push(ix.nodes[g]);
      counts.push(0);
    }
    opNode[i] = n;
    counts[n]++;
  }
  const lists = counts.map((c) => new Int32Array(c));
  const fill = new Int32Array(nodes.length);
  for (let i = 0; i < opNode.length; i++) if (opNode[i] >= 0) lists[opNode[i]][fill[opNode[i]]++] = i;
  return { nodes, lists };
}

/** One node's reads cut at its barriers: a stretch holds the reads wholly between two (a read spanning one is left out). */
function cutStretches(ix: OrderIndex, reads: Int32Array, walls: number[]): Stretch[] {
  const out: Stretch[] = [];
  let b = 0;
  let from = 0;
  while (from < reads.length) {
    while (b < walls.length && walls[b] <= ix.invokeTimeNs[reads[from]]) b++;
    const wall = b < walls.length ? walls[b] : Infinity;
    let to = from;
    while (to < reads.length && ix.invokeTimeNs[reads[to]] < wall) to++;
    const inside = reads.subarray(from, to).filter((r) => ix.completeTimeNs[r] < wall);
    out.push(schedule(ix, inside));
    from = to;
  }
  return out;
}

/** The stretch's learn order (by completion, ties in invoke order) and, per read, how much of it precedes the read. */
function schedule(ix: OrderIndex, reads: Int32Array): Stretch {
  const { invokeTimeNs, completeTimeNs } = ix;
  const byDone = sortByCompletion(reads, completeTimeNs);
  const learnBefore = new Int32Array(reads.length);
  let known = 0;
  for (let i = 0; i < reads.length; i++) {
    const t = invokeTimeNs[reads[i]];
    while (known < byDone.length && completeTimeNs[byDone[known]] < t) known++;
    learnBefore[i] = known;
  }
  return { reads, learnOrder: byDone.slice(0, reads.length > 0 ? learnBefore[reads.length - 1] : 0), learnBefore };
}

/**
 * The reads stably sorted by completion time. They come in invoke order, so nearly sorted: an
 * insertion sort costs the overlaps; past a bound, a comparison sort of the positions.
 */
function sortByCompletion(reads: Int32Array, done: Float64Array): Int32Array {
  const out = reads.slice();
  let moves = 0;
  const bound = 16 * out.length + 1024;
  for (let i = 1; i < out.length && moves <= bound; i++) {
    const r = out[i];
    const t = done[r];
    let j = i - 1;
    while (j >= 0 && done[out[j]] > t) {
      out[j + 1] = out[j];
      j--;
    }
    moves += i - 1 - j;
    out[j + 1] = r;
  }
  if (moves <= bound) return out;
  const pos = Array.from(reads.keys()).sort((p, q) => done[reads[p]] - done[reads[q]] || p - q);
  return Int32Array.from(pos, (p) => reads[p]);
}
