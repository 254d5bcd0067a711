// The memory target's conformance adapter: the `memory` profile with sticky reads (so a probe read
// of a session goes to one chosen node), observed through the simulator's replicas, its link matrix
// and each node's own wall clock; teardown must leave the event queue empty.

import { loadRunConfig } from '../../../src/config/load.js';
import type { DesignConfig } from '../../../src/config/types.js';
import { hashString } from '../../../src/replication/index.js';
import { Rng } from '../../../src/rng.js';
import { createMemoryTarget, type MemoryTarget } from '../../../src/targets/memory/index.js';
import { CAPABILITIES, type NodeId } from '../../../src/targets/types.js';
import type { Built, ConformanceAdapter, NodeView, Observer, WorkloadKind } from './adapter.js';
import type { Harness } from './harness.js';

/** Virtual time after teardown in which every event still queued must have run out. */
const QUIESCE_MS = 10 * 60_000;
const PROBE_KEY = 'conformance-probe';

function memoryConfig(): DesignConfig {
  const t = loadRunConfig({ target: 'memory' }, () => 1).config.target;
  if (t.type !== 'memory') throw new Error(`the memory profile has type ${t.type}`);
  // Sticky reads: a session's reads go to its home node, so a probe can address one node.
  return { ...t, name: 'conformance-memory', readFrom: 'sticky' };
}

/** A session name whose home node (sticky reads) is node i of n. */
function sessionHomedAt(i: number, n: number): string {
  for (let k = 0; ; k++) {
    const s = `probe-${i}-${k}`;
    if (hashString(s) % n === i) return s;
  }
}

function observer(t: MemoryTarget): Observer {
  const names = t.nodes();
  const index = (id: NodeId): number => names.indexOf(id);
  const homes = names.map((_, i) => sessionHomedAt(i, names.length));
  let probes = 0;
  return {
    async record() {},
    async view(h: Harness, node: NodeId, answerWithinMs: number): Promise<NodeView> {
      const i = index(node);
      const replica = t.replica(i) !== undefined;
      const client = t.client({ process: 1_000_000 + probes++, session: homes[i] });
      const answers = await h.race<boolean>(
        (res) => client.invoke({ f: 'read', key: PROBE_KEY, value: null }, (c) => res(c.type === 'ok' && c.node === node)),
        answerWithinMs,
        false,
      );
      return { answers, replica };
    },
    async flows(_h, a, b) {
      return t.reachable(a, b);
    },
    async leader() {
      let best: number | undefined;
      for (let i = 0; i < names.length; i++) {
        const r = t.replica(i);
        if (r === undefined || !r.isLeader()) continue;
        if (best === undefined || r.term() > t.replica(best)!.term()) best = i;
      }
      return best === undefined ? undefined : names[best];
    },
    async clockOffsetMs(_h, node) {
      return (t.wallClockNs(index(node)) - t.scheduler.nowNs()) / 1e6;
    },
    async leftovers(h: Harness) {
      // Nothing may go on after teardown: no node timer, lag sample or probe re-arms itself.
      await h.sleep(QUIESCE_MS);
      const left = t.scheduler.size();
      return left === 0 ? [] : [`${left} events still scheduled ${QUIESCE_MS} ms (virtual) after teardown`];
    },
  };
}

export function memoryAdapter(): ConformanceAdapter {
  let seed = 1;
  return {
    name: 'memory',
    virtualTime: true,
    processes: false,
    capabilities: CAPABILITIES.slice(),
    settleMs: 4000,
    restartWithinMs: 5000,
    faultWithinMs: 1000,
    build(workload: WorkloadKind): Built {
      const t = createMemoryTarget(memoryConfig(), new Rng(seed++), { workload });
      return { target: t, observer: observer(t) };
    },
  };
}
