// Test helper: a real 3-member etcd cluster on 127.0.0.1 (free ports, one temp data dir per
// member, owned child processes), with kill / pause / resume / restart and a clean stop().

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ClientNode } from '../../src/targets/external/client-api.js';
import { requestJson } from '../../src/targets/real/http-client.js';
import { disownDir, own, ownDir } from '../../src/targets/real/processes.js';

const ETCD_BIN = '/usr/bin/etcd';
const HOST = '127.0.0.1';
const LOG_LINES_KEPT = 40;
const HEALTH_WAIT_MS = 20_000;
const HEALTH_PROBE_TIMEOUT_MS = 1_000;
const EXIT_WAIT_MS = 5_000;

export interface EtcdCluster {
  /** For the client: `{name, host, vars: {clientPort, peerPort}}` per member. */
  nodes: ClientNode[];
  /** The temp dir holding every member's data dir. */
  rootDir: string;
  /** Current pid of member i (undefined while it is killed). */
  pid(i: number): number | undefined;
  /** Every pid this cluster ever started (restarts included). */
  allPids(): number[];
  /** SIGKILL member i and wait until it has exited. */
  kill(i: number): Promise<void>;
  pause(i: number): void;
  resume(i: number): void;
  /** Kill member i if it runs, start it again on its data dir, wait until it is healthy. */
  restart(i: number): Promise<void>;
  /** Last log lines of member i. */
  logTail(i: number): string;
  /** Kills every member (SIGCONT, then SIGKILL), waits for their exit, removes the temp dir. */
  stop(): Promise<void>;
}

interface MemberProc {
  name: string;
  args: string[];
  child?: ChildProcess;
  exited?: Promise<void>;
  log: string[];
}

/** n distinct free loopback ports (all listened on at once, then released). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, HOST, () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

function spawnMember(m: MemberProc, all: number[]): void {
  const child = spawn(ETCD_BIN, m.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  own(child);
  if (child.pid !== undefined) all.push(child.pid);
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) m.log.push(line);
    if (m.log.length > LOG_LINES_KEPT) m.log.splice(0, m.log.length - LOG_LINES_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  m.child = child;
  m.exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', (e) => {
      m.log.push(`spawn error: ${e.message}`);
      resolve();
    });
  });
}

async function healthy(node: ClientNode): Promise<boolean> {
  try {
    const a = await requestJson({ agent: undefined, host: node.host, port: Number(node.vars.clientPort), method: 'GET', path: '/health', timeoutMs: HEALTH_PROBE_TIMEOUT_MS });
    return a.status === 200 && (a.body as { health?: unknown } | undefined)?.health === 'true';
  } catch {
    return false;
  }
}

async function waitHealthy(nodes: ClientNode[], members: MemberProc[], which: number[]): Promise<void> {
  const deadline = Date.now() + HEALTH_WAIT_MS;
  for (;;) {
    const ok = await Promise.all(which.map((i) => healthy(nodes[i]!)));
    if (ok.every(Boolean)) return;
    const dead = which.filter((i) => members[i]!.child?.exitCode !== null || members[i]!.child?.signalCode !== null);
    if (Date.now() > deadline || dead.length > 0) {
      const tails = which.map((i) => `--- ${members[i]!.name}${dead.includes(i) ? ' (exited)' : ''}\n${members[i]!.log.slice(-10).join('\n')}`);
      throw new Error(`etcd cluster not healthy ${dead.length ? '(a member exited)' : `after ${HEALTH_WAIT_MS} ms`}:\n${tails.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function memberArgs(name: string, dataDir: string, clientPort: number, peerPort: number, initialCluster: string, token: string): string[] {
  const client = `http://${HOST}:${clientPort}`;
  const peer = `http://${HOST}:${peerPort}`;
  return [
    '--name', name, '--data-dir', dataDir,
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', token,
  ];
}

/** Starts a 3-member cluster and waits until every member reports healthy. */
export async function startEtcdCluster(size = 3): Promise<EtcdCluster> {
  const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-etcd-'));
  ownDir(rootDir);
  const ports = await freePorts(2 * size);
  const names = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  const nodes: ClientNode[] = names.map((name, i) => ({ name, host: HOST, vars: { clientPort: String(ports[2 * i]), peerPort: String(ports[2 * i + 1]) } }));
  const initialCluster = nodes.map((n) => `${n.name}=http://${HOST}:${n.vars.peerPort}`).join(',');
  const token = `replcheck-${path.basename(rootDir)}`;
  const members: MemberProc[] = nodes.map((n) => ({
    name: n.name,
    args: memberArgs(n.name, path.join(rootDir, n.name), Number(n.vars.clientPort), Number(n.vars.peerPort), initialCluster, token),
    log: [],
  }));
  const all: number[] = [];
  const cluster = controls(nodes, members, all, rootDir);
  try {
    for (const m of members) spawnMember(m, all);
    await waitHealthy(nodes, members, names.map((_, i) => i));
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}

function signal(m: MemberProc, sig: NodeJS.Signals): void {
  const pid = m.child?.pid;
  if (pid === undefined || m.child?.exitCode !== null || m.child?.signalCode !== null) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function killMember(m: MemberProc): Promise<void> {
  signal(m, 'SIGCONT');
  signal(m, 'SIGKILL');
  if (m.exited) await Promise.race([m.exited, new Promise((r) => setTimeout(r, EXIT_WAIT_MS))]);
  m.child = undefined;
}

function controls(nodes: ClientNode[], members: MemberProc[], all: number[], rootDir: string): EtcdCluster {
  const at = (i: number): MemberProc => {
    const m = members[i];
    if (m === undefined) throw new Error(`no member ${i}`);
    return m;
  };
  return {
    nodes,
    rootDir,
    pid: (i) => at(i).child?.pid,
    allPids: () => [...all],
    kill: (i) => killMember(at(i)),
    pause: (i) => signal(at(i), 'SIGSTOP'),
    resume: (i) => signal(at(i), 'SIGCONT'),
    restart: async (i) => {
      await killMember(at(i));
      spawnMember(at(i), all);
      await waitHealthy(nodes, members, [i]);
    },
    logTail: (i) => at(i).log.join('\n'),
    stop: async () => {
      await Promise.all(members.map(killMember));
      fs.rmSync(rootDir, { recursive: true, force: true });
      disownDir(rootDir);
    },
  };
}
