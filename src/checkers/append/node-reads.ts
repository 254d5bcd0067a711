// What the cross-key rules of monotonic-writes and writes-follow-reads share, computed once per
// history (WeakMap on the index, as the index is shared): the ok reads of each node cut into
// stretches between the nemesis events that may concern the node, and per stretch the order in
// which its reads become known (completion order) and how many are known when each read begins.

import type { History } from '../../history/types.js';
import { F_READ, T_OK, type AppendIndex } from './index.js';

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

const cache = new WeakMap<AppendIndex, NodeReads>();

export function nodeReads(ix: AppendIndex): NodeReads {
  let r = cache.get(ix);
  if (r === undefined) cache.set(ix, (r = buildNodeReads(ix)));
  return r;
}

function buildNodeReads(ix: AppendIndex): NodeReads {
  const { nodes, lists } = readsByNode(ix);
  const stretches = nodes.map((node, n) => cutStretches(ix, lists[n], barriers(ix.history, node)));
  const elemKey = new Int32Array(ix.elemCount).fill(-1);
  for (let e = 0; e < ix.elemCount; e++) if (ix.elemAppend[e] >= 0) elemKey[e] = ix.opKey[ix.elemAppend[e]];
  return { nodes, stretches, elemKey };
}

/** Times of the nemesis events that may concern `node` (they name it, or name no node). */
function barriers(h: History, node: string): number[] {
  const out: number[] = [];
  for (const e of h.nemesis) {
    const v = e.value as { node?: unknown } | null;
    const named = v !== null && typeof v === 'object' && typeof v.node === 'string' ? v.node : undefined;
    if (named === undefined || named === node) out.push(e.time);
  }
  return out;
}

/** Ok reads that name a node, by node (in order of first appearance), each list in invoke order. */
function readsByNode(ix: AppendIndex): { nodes: string[]; lists: Int32Array[] } {
  const index = new Map<string, number>();
  const nodes: string[] = [];
  const opNode = new Int32Array(ix.ops.length).fill(-1);
  const counts: number[] = [];
  for (let i = 0; i < ix.ops.length; i++) {
    if (ix.opF[i] !== F_READ || ix.opType[i] !== T_OK) continue;
    const name = ix.ops[i].node;
    if (name === undefined) continue;
    let n = index.get(name);
    if (n === undefined) {
      index.set(name, (n = nodes.length));
      nodes.push(name);
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
function cutStretches(ix: AppendIndex, reads: Int32Array, walls: number[]): Stretch[] {
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
function schedule(ix: AppendIndex, reads: Int32Array): Stretch {
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
