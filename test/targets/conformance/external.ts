// The conformance adapter for external targets (targets/*.yaml with `type: external`): the profile
// loaded as a run would load it, observed from the host: the system's own API per node (etcd: a
// serializable range, /v3/maintenance/status), /proc, TCP connects, and connects between the
// nodes' namespaces; teardown must leave no PID, temp dir, namespace or link.

import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadRunConfig } from '../../../src/config/load.js';
import type { ExternalTargetConfig } from '../../../src/config/types.js';
import type { ClientNode, ExternalClient } from '../../../src/targets/external/client-api.js';
import { openClient } from '../../../src/targets/external/client-module.js';
import { createExternalTarget, type ExternalTarget } from '../../../src/targets/external/index.js';
import { findExecutable } from '../../../src/targets/real/binaries.js';
import { ownedNetworkObjects } from '../../../src/targets/real/netns.js';
import type { Capability, NodeId } from '../../../src/targets/types.js';
import type { Built, ConformanceAdapter, NodeView, Observer, WorkloadKind } from './adapter.js';
import { jsonOnce, networkNames, processLeftovers, procState, tcpConnect } from './os.js';

const TARGETS_DIR = new URL('../../../targets/', import.meta.url);
const PEER_CONNECT_MS = 1000;
const PROBE_KEY = 'conformance-probe';

/** External profiles whose binaries are all installed, by name (a missing one is reported as skipped with the reason). */
export function externalProfiles(): { name: string; missing?: string }[] {
  const dir = TARGETS_DIR.pathname;
  const out: { name: string; missing?: string }[] = [];
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const raw = parseYaml(fs.readFileSync(path.join(dir, f), 'utf8')) as { type?: unknown; binaries?: Record<string, string> } | null;
    if (raw?.type !== 'external') continue;
    const missing = Object.keys(raw.binaries ?? {}).filter((b) => findExecutable(b) === undefined);
    out.push({ name: f.slice(0, -'.yaml'.length), missing: missing.length ? missing.join(', ') : undefined });
  }
  return out;
}

/** What the suite asks a system's own API (independent of the target's client module and its bookkeeping). */
interface SystemProbe {
  /** An application-level request to exactly this node (of all `nodes`), answered ok within ms. */
  answers(nodes: ClientNode[], node: ClientNode, ms: number): Promise<boolean>;
  /** The node that says of itself that it leads (the newest term wins). */
  leader(nodes: ClientNode[]): Promise<NodeId | undefined>;
  /** Releases what the probe opened (after teardown). */
  close?(): Promise<void>;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

const etcdProbe: SystemProbe = {
  async answers(_nodes, node, ms) {
    const a = await jsonOnce(node.host, Number(node.vars.clientPort), 'POST', '/v3/kv/range', { key: b64(PROBE_KEY), serializable: true }, ms);
    return a?.status === 200 && typeof a.body === 'object' && a.body !== null && !('error' in a.body);
  },
  async leader(nodes) {
    const all = await Promise.all(
      nodes.map(async (n) => {
        const a = await jsonOnce(n.host, Number(n.vars.clientPort), 'POST', '/v3/maintenance/status', {}, 500);
        const b = a?.status === 200 ? (a.body as { header?: { member_id?: string }; leader?: string; raftTerm?: string }) : undefined;
        const self = b?.header?.member_id;
        return self !== undefined && b?.leader === self ? { node: n.name, term: BigInt(b.raftTerm ?? '0') } : undefined;
      }),
    );
    let best: { node: string; term: bigint } | undefined;
    for (const s of all) if (s !== undefined && (best === undefined || s.term > best.term)) best = s;
    return best?.node;
  },
};

/**
 * For a profile without a probe of its own: a second, independent instance of the profile's client
 * module (its finalRead reads one node; its leader() asks the system). Weaker than a system probe.
 */
function clientModuleProbe(cfg: ExternalTargetConfig, workload: WorkloadKind): SystemProbe {
  let client: Promise<ExternalClient> | undefined;
  const open = (nodes: ClientNode[]): Promise<ExternalClient> =>
    (client ??= openClient(cfg.client.module, { nodes, workload, options: { ...cfg.client.options, ...cfg.settings }, timeoutMs: cfg.clientTimeoutMs, shared: {} }, 'client'));
  return {
    async answers(nodes, node, ms) {
      try {
        const c = await open(nodes);
        await c.finalRead(PROBE_KEY, node.name, { signal: AbortSignal.timeout(ms) });
        return true;
      } catch {
        return false;
      }
    },
    async leader(nodes) {
      const c = await open(nodes);
      return c.leader?.({ signal: AbortSignal.timeout(1500) });
    },
    async close() {
      await (await client?.catch(() => undefined))?.close?.();
    },
  };
}

const PROBES: Record<string, SystemProbe> = { etcd: etcdProbe };

/** The inode of a network namespace file (/proc/PID/ns/net or /run/netns/NAME), or undefined. */
function nsInode(file: string): number | undefined {
  try {
    return fs.statSync(file).ino;
  } catch {
    return undefined;
  }
}

function observer(t: ExternalTarget, cfg: ExternalTargetConfig, probe: SystemProbe): Observer {
  const names = t.nodes();
  const index = (id: NodeId): number => names.indexOf(id);
  const pids = new Set<number>();
  /** Per node: its PID as last seen running. */
  const pidOf = new Map<number, number>();
  let dir: string | undefined;
  let namespaces: string[] = [];
  const netObjects = new Set<string>();
  const before = new Set(ownedNetworkObjects());
  const clientPortVar = cfg.ports.includes('clientPort') ? 'clientPort' : cfg.ports[0];
  const peerPortVar = cfg.ports.find((p) => /peer/i.test(p)) ?? cfg.ports[cfg.ports.length - 1];

  /** Which node a running PID belongs to: by its network namespace, else by its data dir on the command line. */
  const nodeOfPid = (pid: number): number | undefined => {
    const net = t.network();
    if (net !== undefined) {
      const ino = nsInode(`/proc/${pid}/ns/net`);
      const i = net.namespaces.findIndex((ns) => nsInode(`/run/netns/${ns}`) === ino);
      return i >= 0 ? i : undefined;
    }
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return undefined;
    }
    const i = t.clientNodes().findIndex((n) => n.vars.dataDir !== undefined && cmd.includes(n.vars.dataDir));
    return i >= 0 ? i : undefined;
  };

  const learn = async (): Promise<void> => {
    dir ??= t.tempDir();
    const net = t.network();
    if (net !== undefined && namespaces.length === 0) namespaces = [...net.namespaces];
    for (const o of ownedNetworkObjects()) if (!before.has(o)) netObjects.add(o);
    for (const pid of t.pids()) {
      pids.add(pid);
      const i = nodeOfPid(pid);
      if (i !== undefined) pidOf.set(i, pid);
    }
  };

  return {
    record: learn,
    async view(_h, node, answerWithinMs): Promise<NodeView> {
      await learn();
      const i = index(node);
      const all = t.clientNodes();
      const cn = all[i];
      const answers = await probe.answers(all, cn, answerWithinMs);
      const pid = pidOf.get(i);
      const refused = clientPortVar === undefined ? undefined : (await tcpConnect(cn.host, Number(cn.vars[clientPortVar]), 500)) === 'refused';
      return { answers, pid, process: pid === undefined ? undefined : procState(pid), portRefused: refused };
    },
    async flows(_h, a, b) {
      const net = t.network();
      if (net === undefined) throw new Error(`${t.name}: no network namespaces, so node-to-node traffic cannot be observed`);
      const peer = t.clientNodes()[index(b)];
      return net.canConnect(index(a), peer.host, Number(peer.vars[peerPortVar]), PEER_CONNECT_MS);
    },
    async leader() {
      return probe.leader(t.clientNodes());
    },
    async leftovers() {
      await probe.close?.();
      const out = await processLeftovers(pids, names.length, dir, t.tempDir());
      if (namespaces.length > 0 && netObjects.size === 0) out.push('namespaces were in use but no network object was recorded');
      if (namespaces.length > 0 || netObjects.size > 0) {
        const now = await networkNames();
        const ns = [...new Set([...namespaces, ...netObjects])].filter((n) => now.namespaces.includes(n));
        if (ns.length) out.push(`network namespaces still there: ${ns.join(', ')}`);
        const links = [...netObjects].filter((n) => now.links.includes(n));
        if (links.length) out.push(`links still there: ${links.join(', ')}`);
        const owned = ownedNetworkObjects().filter((o) => netObjects.has(o) || namespaces.includes(o));
        if (owned.length) out.push(`ownedNetworkObjects() still lists ${owned.join(', ')}`);
      }
      return out;
    },
  };
}

/** Capabilities an external profile must declare: what it can do here (namespaces need root on Linux), minus clock unless it has a skewClock command. */
export function externalAdapter(name: string, capabilities: Capability[]): ConformanceAdapter {
  const load = (): ExternalTargetConfig => {
    const t = loadRunConfig({ target: name }, () => 1).config.target;
    if (t.type !== 'external') throw new Error(`targets/${name}.yaml has type ${t.type}`);
    return t;
  };
  const cfg = load();
  return {
    name,
    virtualTime: false,
    processes: true,
    capabilities,
    // A bound on convergence, not a speed claim: after a pause of a majority a real cluster may need
    // an election or two before every member has applied the last write (slower on a loaded machine).
    settleMs: Math.max(cfg.settleMs, 20_000),
    restartWithinMs: 20_000,
    faultWithinMs: 5000,
    build(workload: WorkloadKind): Built {
      const c = load();
      const t = createExternalTarget(c, { workload });
      return { target: t, observer: observer(t, c, PROBES[name] ?? clientModuleProbe(c, workload)) };
    },
  };
}
