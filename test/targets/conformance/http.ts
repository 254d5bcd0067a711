// The http target's conformance adapter: the `http` profile on a private copy of dist, observed
// over real sockets: client requests and /admin/status straight to a node's port, node-to-node
// links through the very proxy ports written into each node's config file, /proc for the PIDs.

import fs from 'node:fs';
import path from 'node:path';
import { loadRunConfig } from '../../../src/config/load.js';
import type { DesignConfig } from '../../../src/config/types.js';
import { C_OK, F_READ, R_LOCAL } from '../../../src/replication/index.js';
import { Rng } from '../../../src/rng.js';
import { createHttpTarget, type HttpTarget } from '../../../src/targets/http/index.js';
import type { NodeServerConfig, NodeStatus } from '../../../src/targets/http/wire.js';
import { LOOPBACK } from '../../../src/targets/real/http-client.js';
import { CAPABILITIES, type NodeId } from '../../../src/targets/types.js';
import { nodeServerSnapshot, removeNodeServerSnapshot } from '../http/driver.js';
import type { Built, ConformanceAdapter, NodeView, Observer, WorkloadKind } from './adapter.js';
import { jsonOnce, processLeftovers, procState, tcpConnect } from './os.js';

const STATUS_TIMEOUT_MS = 500;
const LINK_TIMEOUT_MS = 1000;
const PROBE_KEY = 'conformance-probe';

function httpConfig(): DesignConfig {
  const t = loadRunConfig({ target: 'http' }, () => 1).config.target;
  if (t.type !== 'http') throw new Error(`the http profile has type ${t.type}`);
  return { ...t, name: 'conformance-http' };
}

async function status(port: number | undefined, timeoutMs = STATUS_TIMEOUT_MS): Promise<NodeStatus | undefined> {
  if (port === undefined) return undefined;
  const a = await jsonOnce(LOOPBACK, port, 'GET', '/admin/status', undefined, timeoutMs);
  return a?.status === 200 ? (a.body as NodeStatus) : undefined;
}

function observer(t: HttpTarget): Observer {
  const names = t.nodes();
  const index = (id: NodeId): number => names.indexOf(id);
  /** Per node: the PID that last answered on its port. */
  const lastPid = new Map<number, number>();
  const pids = new Set<number>();
  let dir: string | undefined;
  /** Per node i: the proxy port node i dials to reach node j (from its config file). */
  let peerPorts: number[][] | undefined;
  const proxyPorts = new Set<number>();

  const learn = async (): Promise<void> => {
    for (const pid of t.allPids()) pids.add(pid);
    dir ??= t.tempDir();
    const ports = t.ports();
    await Promise.all(
      names.map(async (_, i) => {
        const s = await status(ports[i]);
        if (s !== undefined) {
          lastPid.set(i, s.pid);
          pids.add(s.pid);
        }
      }),
    );
    if (peerPorts === undefined && dir !== undefined) {
      peerPorts = names.map((_, i) => (JSON.parse(fs.readFileSync(path.join(dir!, `n${i + 1}.config.json`), 'utf8')) as NodeServerConfig).peerPorts);
      for (const row of peerPorts) for (const p of row) if (p > 0) proxyPorts.add(p);
    }
  };

  return {
    record: learn,
    async view(_h, node, answerWithinMs): Promise<NodeView> {
      const i = index(node);
      const port = t.ports()[i];
      let answers = false;
      if (port !== undefined) {
        const req = { id: 1, f: F_READ, key: PROBE_KEY, value: null, nd: 0, route: R_LOCAL, minIndex: 0, maxLagMs: 0 };
        const a = await jsonOnce(LOOPBACK, port, 'POST', '/client', req, answerWithinMs);
        answers = a?.status === 200 && (a.body as { c?: number }).c === C_OK;
      }
      if (answers) {
        const s = await status(port);
        if (s !== undefined) {
          lastPid.set(i, s.pid);
          pids.add(s.pid);
        }
      }
      const pid = lastPid.get(i);
      const refused = port === undefined ? true : (await tcpConnect(LOOPBACK, port, 500)) === 'refused';
      return { answers, pid, process: pid === undefined ? undefined : procState(pid), portRefused: refused };
    },
    async flows(_h, a, b) {
      if (peerPorts === undefined) await learn();
      const via = peerPorts![index(a)][index(b)];
      const s = await status(via, LINK_TIMEOUT_MS);
      return s !== undefined && s.id === index(b);
    },
    async leader() {
      const ports = t.ports();
      const all = await Promise.all(names.map((_, i) => status(ports[i])));
      let best: number | undefined;
      all.forEach((s, i) => {
        if (s === undefined || !s.isLeader) return;
        if (best === undefined || s.term > all[best]!.term) best = i;
      });
      return best === undefined ? undefined : names[best];
    },
    async clockOffsetMs(_h, node) {
      const s = await status(t.ports()[index(node)]);
      if (s === undefined) throw new Error(`${node} did not answer /admin/status`);
      return s.offsetMs;
    },
    async leftovers() {
      for (const pid of t.allPids()) pids.add(pid);
      const out = await processLeftovers(pids, names.length, dir, t.tempDir());
      const open = (await Promise.all([...proxyPorts].map(async (p) => ((await tcpConnect(LOOPBACK, p, 500)) === 'connected' ? p : undefined)))).filter(
        (p) => p !== undefined,
      );
      if (open.length) out.push(`fault proxies still listening on ${open.join(', ')}`);
      if (proxyPorts.size === 0) out.push('no proxy port was recorded');
      return out;
    },
  };
}

export function httpAdapter(): ConformanceAdapter {
  let seed = 1;
  return {
    name: 'http',
    virtualTime: false,
    processes: true,
    capabilities: CAPABILITIES.slice(),
    settleMs: 15_000,
    restartWithinMs: 10_000,
    faultWithinMs: 3000,
    build(workload: WorkloadKind): Built {
      const t = createHttpTarget(httpConfig(), new Rng(seed++), { workload, nodeScript: nodeServerSnapshot() });
      return { target: t, observer: observer(t) };
    },
    dispose: removeNodeServerSnapshot,
  };
}
