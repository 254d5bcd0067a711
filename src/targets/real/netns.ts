// Network namespaces for real database clusters: each node gets a namespace, a veth on a private
// bridge and an IPv4 address; partitions are iptables DROP rules inside the node namespaces (as
// Jepsen does on real hosts), so they cut real node-to-node traffic while the host still reaches all.

import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { UserError } from '../../errors.js';
import { ownCleanup, ownCommands } from './processes.js';

export interface NetnsOptions {
  /** First three octets of the /24 to try first, e.g. '10.213.7'; default: pick one; the bridge name is the lock */
  subnetPrefix?: string;
}

export interface NetnsCluster {
  /** Per node i: the node's address inside its namespace (e.g. 10.213.7.11 + i) */
  readonly hosts: string[];
  /** The host side (bridge) address, e.g. 10.213.7.1 */
  readonly gateway: string;
  /** Per node i: the namespace name */
  readonly namespaces: string[];
  /** argv prefix that runs a command inside node i's namespace: ['ip','netns','exec', ns] */
  execPrefix(i: number): string[];
  /** Cut every link between nodes in different groups (both directions; indices 0..n-1), replacing any previous partition. Nodes in no group are isolated from all. Client traffic from the gateway is never cut. */
  partition(groups: number[][]): Promise<void>;
  /** Remove every cut. */
  heal(): Promise<void>;
  /** Whether node `from` can open a TCP connection to host:port right now (bounded by timeoutMs), run from inside from's namespace. For tests. */
  canConnect(from: number, host: string, port: number, timeoutMs: number): Promise<boolean>;
  /** Remove namespaces, veths, bridge and rules. Idempotent. Processes still inside a namespace must have been stopped by the caller first. */
  destroy(): Promise<void>;
  /** The same, synchronously (for exit hooks). */
  destroySync(): void;
}

/** Default /16 whose third octet is the cluster id (ids ID_MIN..ID_MAX). */
const DEFAULT_FIRST_OCTETS = '10.213';
const ID_MIN = 1;
const ID_MAX = 250;
/** Node i's last octet is HOST_OFFSET + i; the gateway is .1. */
const HOST_OFFSET = 11;
const MAX_NODES = 200;
/** Routes or addresses at least this specific that overlap a candidate /24 make it unusable. */
const MIN_CONFLICT_PREFIX_BITS = 16;
const COMMAND_TIMEOUT_MS = 10_000;
const RULES_TIMEOUT_MS = 5_000;
/** Extra time the connect probe gets to start node inside the namespace. */
const PROBE_STARTUP_MS = 3_000;
/** Exit status of the connect probe when the connection failed (anything else is an error). */
const PROBE_UNREACHABLE = 3;
const FORWARD_COMMENT = 'replcheck-netns';
const BRIDGE_NF_SYSCTL = '/proc/sys/net/bridge/bridge-nf-call-iptables';

/** Runs in the node's namespace: exit 0 if host:port accepts within the timeout, PROBE_UNREACHABLE if not. */
const CONNECT_PROBE = `const [h, p, t] = process.argv.slice(1);
const s = require('net').connect({ host: h, port: Number(p) });
setTimeout(() => process.exit(${PROBE_UNREACHABLE}), Number(t));
s.on('connect', () => process.exit(0));
s.on('error', () => process.exit(${PROBE_UNREACHABLE}));`;

/** Names of namespaces and links this process currently owns. */
const ownedNames = new Set<string>();

/** Names of every namespace/link this module currently owns in this process (tests assert cleanup). */
export function ownedNetworkObjects(): string[] {
  return [...ownedNames];
}

function commandError(argv: string[], e: unknown, stderr: string): Error {
  const detail = stderr.trim() || (e as Error).message;
  return new Error(`\`${argv.join(' ')}\` failed: ${detail}`, { cause: e });
}

/** Runs argv (no shell), resolving with stdout; rejects with an Error naming the command and its stderr. */
function run(argv: string[], input?: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0], argv.slice(1), { timeout: timeoutMs, encoding: 'utf8' }, (e, stdout, stderr) => {
      if (e) reject(commandError(argv, e, stderr));
      else resolve(stdout);
    });
    // A command that does not read its input may exit first: EPIPE on stdin is not its failure.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** The synchronous form of run(). */
function runSync(argv: string[], input?: string, timeoutMs = COMMAND_TIMEOUT_MS): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { timeout: timeoutMs, encoding: 'utf8', input: input ?? '', stdio: 'pipe' });
  } catch (e) {
    throw commandError(argv, e, String((e as { stderr?: unknown }).stderr ?? ''));
  }
}

/** Whether a failed deletion failed only because the object is already gone. */
function alreadyGone(e: unknown): boolean {
  return /Cannot find device|No such file|does not exist|Bad rule|Cannot open network namespace/i.test((e as Error).message);
}

/**
 * An iptables-restore filter table that drops traffic from and to `peers` (an empty list accepts
 * everything). On TCP an OUTPUT drop looks like a lost packet (retries, then ETIMEDOUT), as on a real cut.
 */
function filterTable(peers: string[]): string {
  const drops = peers.map((p) => `-A INPUT -s ${p}/32 -j DROP\n-A OUTPUT -d ${p}/32 -j DROP\n`).join('');
  return `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${drops}COMMIT\n`;
}

let support: { ok: true } | { ok: false; why: string } | undefined;

function probeSupport(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== 'linux') return { ok: false, why: `not Linux (${process.platform})` };
  const uid = process.getuid?.();
  if (uid !== 0) return { ok: false, why: `not root (uid ${uid})` };
  for (const [tool, argv] of [
    ['ip (iproute2)', ['ip', '-V']],
    ['iptables', ['iptables', '-V']],
    ['iptables-restore', ['iptables-restore', '-V']],
  ] as const) {
    try {
      runSync([...argv]);
    } catch (e) {
      return { ok: false, why: `no usable \`${tool}\`: ${(e as Error).message}` };
    }
  }
  const ns = `rcprobe${process.pid}`;
  try {
    runSync(['ip', 'netns', 'add', ns]);
    runSync(['ip', 'netns', 'exec', ns, 'iptables-restore', '-w', '5'], filterTable([]));
    return { ok: true };
  } catch (e) {
    return { ok: false, why: `creating a test namespace failed: ${(e as Error).message}` };
  } finally {
    try {
      runSync(['ip', 'netns', 'delete', ns]);
    } catch {
      // it was never made
    }
  }
}

/** Whether namespaces can be made here: { ok: true } or { ok: false, why } (not Linux, not root, no `ip`/`iptables`, creating a test namespace fails). Cached. */
export function netnsSupport(): { ok: true } | { ok: false; why: string } {
  support ??= probeSupport();
  return support;
}

/** 'a.b.c' -> [a, b, c], or a UserError. */
function parsePrefix(prefix: string): [number, number, number] {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(prefix);
  const octets = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (octets.length !== 3 || octets.some((o) => o > 255)) {
    throw new UserError(`subnetPrefix must be the first three octets of an IPv4 /24, like '10.213.7' (got '${prefix}')`, { field: 'subnetPrefix' });
  }
  return octets as [number, number, number];
}

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** 'a.b.c.d/len' (or a bare address, /32) -> [network as uint32, len]. */
function parseCidr(cidr: string): [number, number] | undefined {
  const [ip, lenText] = cidr.split('/');
  const addr = ipToInt(ip);
  const bits = lenText === undefined ? 32 : Number(lenText);
  if (addr === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  return [addr, bits];
}

function sameNetwork(a: number, b: number, bits: number): boolean {
  if (bits === 0) return true;
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

/**
 * Whether the /24 `prefix` clashes with an address or route already on the machine: an address
 * inside it, or an overlapping network at least /16 (broad routes such as the default are ignored:
 * the /24 is more specific). `addrText` / `routeText` are `ip -4 -o addr` / `ip -4 route show table all`.
 */
export function subnetInUse(prefix: string, addrText: string, routeText: string): boolean {
  const ours = parseCidr(`${prefix}.0/24`)!;
  const cidrs: string[] = [];
  for (const line of addrText.split('\n')) {
    const m = /\sinet\s+(\S+)/.exec(line);
    if (m) cidrs.push(m[1], m[1].split('/')[0]);
  }
  const routeTypes = /^(unicast|local|broadcast|multicast|anycast|blackhole|unreachable|prohibit|throw|nat)$/;
  for (const line of routeText.split('\n')) {
    const words = line.trim().split(/\s+/);
    const dest = routeTypes.test(words[0] ?? '') ? words[1] : words[0];
    if (dest && dest !== 'default') cidrs.push(dest);
  }
  return cidrs.some((c) => {
    const net = parseCidr(c);
    if (!net) return false;
    const [addr, bits] = net;
    if (bits === 32) return sameNetwork(addr, ours[0], 24);
    return bits >= MIN_CONFLICT_PREFIX_BITS && sameNetwork(addr, ours[0], Math.min(bits, 24));
  });
}

/** The /24 prefixes to try, in order: the requested one, then the default range from a random start. */
function candidatePrefixes(requested: string | undefined): string[] {
  const out: string[] = [];
  if (requested !== undefined) out.push(parsePrefix(requested).join('.'));
  const span = ID_MAX - ID_MIN + 1;
  const start = Math.floor(Math.random() * span);
  for (let k = 0; k < span; k++) out.push(`${DEFAULT_FIRST_OCTETS}.${ID_MIN + ((start + k) % span)}`);
  return out;
}

/** Takes a free /24 by creating its bridge `rcb<third octet>` (EEXIST = someone else's: next id). */
function allocateBridge(requested: string | undefined): { prefix: string; id: number; bridge: string } {
  const addrText = runSync(['ip', '-4', '-o', 'addr']);
  const routeText = runSync(['ip', '-4', 'route', 'show', 'table', 'all']);
  const triedIds = new Set<number>();
  for (const prefix of candidatePrefixes(requested)) {
    const id = Number(prefix.split('.')[2]);
    if (triedIds.has(id)) continue;
    triedIds.add(id);
    if (subnetInUse(prefix, addrText, routeText)) continue;
    const bridge = `rcb${id}`;
    try {
      runSync(['ip', 'link', 'add', bridge, 'type', 'bridge']);
      return { prefix, id, bridge };
    } catch (e) {
      if (/File exists/i.test((e as Error).message)) continue;
      throw e;
    }
  }
  throw new UserError(`no free /24 for network namespaces: every ${DEFAULT_FIRST_OCTETS}.<${ID_MIN}..${ID_MAX}>.0/24 is in use or locked (bridges rcb<N>)`);
}

/**
 * Whether bridged traffic needs an ACCEPT rule in the host's FORWARD chain: only when br_netfilter
 * sends bridged packets through iptables (`bridgeNfCall` is the sysctl's value, undefined if absent)
 * and the chain (`iptables -S FORWARD`) is anything other than an empty chain with policy ACCEPT.
 */
export function forwardRuleNeeded(bridgeNfCall: string | undefined, forwardSpec: string): boolean {
  if (bridgeNfCall?.trim() !== '1') return false;
  const lines = forwardSpec.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return !(lines.length === 1 && lines[0] === '-P FORWARD ACCEPT');
}

function readBridgeNfCall(): string | undefined {
  try {
    return fs.readFileSync(BRIDGE_NF_SYSCTL, 'utf8');
  } catch {
    return undefined;
  }
}

/** What a cluster has made so far (each name is recorded as soon as its object exists). */
interface Made {
  bridge: string;
  veths: string[];
  namespaces: string[];
  /** The FORWARD rule's spec after `-I`/`-D`, when one was added. */
  forwardRule?: string[];
}

/** Deletion commands in order: veths (both ends), namespaces (their rules go too), the host rule, the bridge. */
function undoSteps(made: Made): { argv: string[]; done: () => void }[] {
  const steps: { argv: string[]; done: () => void }[] = [];
  const drop = (list: string[], name: string) => () => {
    list.splice(list.indexOf(name), 1);
    ownedNames.delete(name);
  };
  for (const v of made.veths) steps.push({ argv: ['ip', 'link', 'delete', v], done: drop(made.veths, v) });
  for (const ns of made.namespaces) steps.push({ argv: ['ip', 'netns', 'delete', ns], done: drop(made.namespaces, ns) });
  const rule = made.forwardRule;
  if (rule) steps.push({ argv: ['iptables', '-w', '5', '-D', 'FORWARD', ...rule], done: () => void (made.forwardRule = undefined) });
  if (made.bridge !== '') {
    const bridge = made.bridge;
    const done = (): void => {
      made.bridge = '';
      ownedNames.delete(bridge);
    };
    steps.push({ argv: ['ip', 'link', 'delete', bridge], done });
  }
  return steps;
}

/** The deletion commands of everything a cluster of n nodes with this id will make (the host rule aside). */
function plannedUndo(id: number, n: number, bridge: string): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < n; i++) out.push(['ip', 'link', 'delete', `rc${id}h${i}`]);
  for (let i = 0; i < n; i++) out.push(['ip', 'netns', 'delete', `rc${id}n${i}`]);
  out.push(['ip', 'link', 'delete', bridge]);
  return out;
}

/** Best-effort synchronous removal of everything in `made`. */
function undoSync(made: Made): void {
  for (const step of undoSteps(made)) {
    try {
      runSync(step.argv);
      step.done();
    } catch (e) {
      if (alreadyGone(e)) step.done();
    }
  }
}

/** Removes everything in `made`; rejects (after trying every step) if something could not be removed. */
async function undo(made: Made): Promise<void> {
  const errors: string[] = [];
  for (const step of undoSteps(made)) {
    try {
      await run(step.argv);
      step.done();
    } catch (e) {
      if (alreadyGone(e)) step.done();
      else errors.push((e as Error).message);
    }
  }
  if (errors.length) throw new Error(`removing network namespaces: ${errors.join('; ')}`);
}

/** Creates node i's namespace and veth pair and configures its address and default route. */
async function addNode(made: Made, id: number, i: number, host: string, gateway: string): Promise<void> {
  const ns = `rc${id}n${i}`;
  const veth = `rc${id}h${i}`;
  // Recorded once made, so that a failure (say a stale namespace of that name) never deletes another's.
  await run(['ip', 'netns', 'add', ns]);
  made.namespaces.push(ns);
  ownedNames.add(ns);
  await run(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  made.veths.push(veth);
  ownedNames.add(veth);
  await run(['ip', 'link', 'set', veth, 'master', made.bridge, 'up']);
  await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  await run(['ip', '-n', ns, 'addr', 'add', `${host}/24`, 'dev', 'eth0']);
  await run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
  await run(['ip', '-n', ns, 'route', 'add', 'default', 'via', gateway]);
}

/** Configures the bridge, the host FORWARD rule if needed, and every node; on any failure throws after all settle. */
async function build(made: Made, id: number, hosts: string[], gateway: string): Promise<void> {
  await run(['ip', 'addr', 'add', `${gateway}/24`, 'dev', made.bridge]);
  await run(['ip', 'link', 'set', made.bridge, 'up']);
  if (forwardRuleNeeded(readBridgeNfCall(), await run(['iptables', '-w', '5', '-S', 'FORWARD']))) {
    const rule = ['-i', made.bridge, '-o', made.bridge, '-m', 'comment', '--comment', FORWARD_COMMENT, '-j', 'ACCEPT'];
    made.forwardRule = rule;
    await run(['iptables', '-w', '5', '-I', 'FORWARD', '1', ...rule]);
  }
  const results = await Promise.allSettled(hosts.map((h, i) => addNode(made, id, i, h, gateway)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Peers node i must not hear from under `groups` (everyone outside its group; all others if in none). */
function cutPeers(groups: number[][], n: number): number[][] {
  // A node listed in two groups (a bridge) reaches both; a node in no group reaches nobody.
  const member = Array.from({ length: n }, () => new Set<number>());
  groups.forEach((g, gi) => {
    for (const node of g) {
      if (!Number.isInteger(node) || node < 0 || node >= n) throw new RangeError(`partition: no node ${node} (nodes are 0..${n - 1})`);
      member[node].add(gi);
    }
  });
  const together = (i: number, j: number): boolean => [...member[i]].some((g) => member[j].has(g));
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => j).filter((j) => j !== i && !together(i, j)));
}

/** Creates n namespaces on a fresh bridge; everything is registered for clean-up on every exit path. */
export async function createNetnsCluster(n: number, opts: NetnsOptions = {}): Promise<NetnsCluster> {
  const ok = netnsSupport();
  if (!ok.ok) throw new UserError(`network namespaces are unavailable here: ${ok.why}`);
  if (!Number.isInteger(n) || n < 1 || n > MAX_NODES) throw new UserError(`a namespaced cluster needs 1..${MAX_NODES} nodes (got ${n})`);
  const { prefix, id, bridge } = allocateBridge(opts.subnetPrefix);
  const made: Made = { bridge, veths: [], namespaces: [] };
  ownedNames.add(bridge);
  const key = `netns-${id}`;
  // The watchdog undoes these if this process dies, even by SIGKILL: first what building will make, then what it made.
  ownCommands(key, plannedUndo(id, n, bridge));
  const unregisterSync = ownCleanup(() => undoSync(made));
  const unregister = (): void => {
    unregisterSync();
    ownCommands(key, []);
  };
  const gateway = `${prefix}.1`;
  const hosts = Array.from({ length: n }, (_, i) => `${prefix}.${HOST_OFFSET + i}`);
  try {
    await build(made, id, hosts, gateway);
  } catch (e) {
    await undo(made).catch(() => undoSync(made));
    unregister();
    throw new Error(`creating network namespaces for ${n} nodes on ${prefix}.0/24 failed: ${(e as Error).message}`, { cause: e });
  }
  ownCommands(key, undoSteps(made).map((step) => step.argv));
  return clusterHandle(made, id, hosts, gateway, unregister);
}

function clusterHandle(made: Made, id: number, hosts: string[], gateway: string, unregister: () => void): NetnsCluster {
  const namespaces = hosts.map((_, i) => `rc${id}n${i}`);
  const n = hosts.length;
  let destroyed = false;
  /** Rule changes and destruction run one at a time, in call order. */
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const p = queue.then(f);
    queue = p.catch(() => undefined);
    return p;
  };
  const node = (i: number): string => {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`no node ${i} (nodes are 0..${n - 1})`);
    return namespaces[i];
  };
  const apply = (peers: number[][]): Promise<void> =>
    serial(async () => {
      if (destroyed) throw new Error('partition: the namespaced cluster was destroyed');
      const results = await Promise.allSettled(
        namespaces.map((ns, i) => run(['ip', 'netns', 'exec', ns, 'iptables-restore', '-w', '5'], filterTable(peers[i].map((j) => hosts[j])), RULES_TIMEOUT_MS)),
      );
      const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).message);
      if (errors.length) throw new Error(`setting partition rules: ${errors.join('; ')}`);
    });
  const finished = (): void => {
    if (made.veths.length + made.namespaces.length === 0 && made.bridge === '' && !made.forwardRule) unregister();
  };
  return {
    hosts,
    gateway,
    namespaces,
    execPrefix: (i) => ['ip', 'netns', 'exec', node(i)],
    partition: async (groups) => apply(cutPeers(groups, n)),
    heal: () => apply(hosts.map(() => [])),
    canConnect: async (from, host, port, timeoutMs) => canConnectFrom(node(from), host, port, timeoutMs),
    destroy: () =>
      serial(async () => {
        destroyed = true;
        try {
          await undo(made);
        } finally {
          finished();
        }
      }),
    destroySync: () => {
      destroyed = true;
      undoSync(made);
      finished();
    },
  };
}

/** Runs the connect probe inside `ns`: true if it connected, false if not; rejects if the probe itself failed. */
function canConnectFrom(ns: string, host: string, port: number, timeoutMs: number): Promise<boolean> {
  const argv = ['ip', 'netns', 'exec', ns, process.execPath, '-e', CONNECT_PROBE, host, String(port), String(timeoutMs)];
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { timeout: timeoutMs + PROBE_STARTUP_MS, encoding: 'utf8' }, (e, _stdout, stderr) => {
      if (!e) resolve(true);
      else if (e.code === PROBE_UNREACHABLE) resolve(false);
      else reject(commandError(argv.slice(0, 5).concat(['<connect probe>', host, String(port)]), e, stderr));
    });
  });
}
