// Partition shapes (SPEC section 9): which groups of nodes can still talk to each other.

import type { PartitionShape } from '../config/types.js';
import type { Rng } from '../rng.js';
import type { NodeId } from '../targets/types.js';

/** Groups for a shape; `leader` is used by isolate-leader (a random node when there is none). */
export function partitionGroups(shape: PartitionShape, nodes: readonly NodeId[], leader: NodeId | undefined, rng: Rng): NodeId[][] {
  if (nodes.length < 2) return [nodes.slice()];
  switch (shape) {
    case 'isolate-leader': {
      const lone = leader !== undefined && nodes.includes(leader) ? leader : rng.pick(nodes);
      return [[lone], nodes.filter((n) => n !== lone)];
    }
    case 'majority-minority': {
      const s = rng.shuffle(nodes.slice());
      const majority = Math.floor(nodes.length / 2) + 1;
      return [s.slice(0, majority), s.slice(majority)];
    }
    case 'halves': {
      const s = rng.shuffle(nodes.slice());
      const half = Math.ceil(nodes.length / 2);
      return [s.slice(0, half), s.slice(half)];
    }
    case 'bridge': {
      // Two sides that cannot talk, plus one node that talks to both (Jepsen's bridge).
      if (nodes.length < 3) return [[nodes[0]], [nodes[1]]];
      const s = rng.shuffle(nodes.slice());
      const bridge = s[0];
      const rest = s.slice(1);
      const half = Math.ceil(rest.length / 2);
      return [[...rest.slice(0, half), bridge], [bridge, ...rest.slice(half)]];
    }
    case 'random': {
      const s = rng.shuffle(nodes.slice());
      const cut = rng.int(1, nodes.length - 1);
      return [s.slice(0, cut), s.slice(cut)];
    }
  }
}
