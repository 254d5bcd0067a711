// Network namespaces with real sockets: nodes reach each other and the host reaches every node;
// partitions cut node-to-node traffic only; destroy() and SIGTERM leave no namespace or link behind.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetnsCluster,
  forwardRuleNeeded,
  netnsSupport,
  ownedNetworkObjects,
  subnetInUse,
  type NetnsCluster,
} from '../../../src/targets/real/netns.js';
import { own } from '../../../src/targets/real/processes.js';

const PORT = 7000;
const PROBE_MS = 500;
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Clusters and children a test made; afterEach removes them even when an assertion failed. */
const clusters: NetnsCluster[] = [];
const children: ChildProcess[] = [];

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}

afterEach(async () => {
  for (const c of children.splice(0)) await stopChild(c);
  for (const c of clusters.splice(0)) await c.destroy();
  expect(ownedNetworkObjects()).toEqual([]);
});

async function cluster(n: number): Promise<NetnsCluster> {
  const c = await createNetnsCluster(n);
  clusters.push(c);
  return c;
}

function linkNames(): string[] {
  return execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(': ')[1].split('@')[0]);
}

function netnsNames(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(' ')[0]);
}

/** Names of `names` that still exist as a namespace or a link on the machine. */
function leftovers(names: string[]): string[] {
  const present = new Set([...linkNames(), ...netnsNames()]);
  return names.filter((n) => present.has(n));
}

const LISTENER = `const [host, port] = process.argv.slice(1);
require('net').createServer((s) => s.end()).listen(Number(port), host, () => console.log('listening'));`;

/** Starts a TCP listener on hosts[i]:PORT inside node i's namespace; resolves once it listens. */
async function listen(c: NetnsCluster, i: number): Promise<void> {
  const [cmd, ...args] = c.execPrefix(i);
  const child = spawn(cmd, [...args, process.execPath, '-e', LISTENER, c.hosts[i], String(PORT)], { stdio: ['ignore', 'pipe', 'pipe'] });
  own(child);
  children.push(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`listener ${i} did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code) => reject(new Error(`listener ${i} exited (${code}): ${out}`)));
  });
}

/** Whether the test process (host namespace) can connect to host:port within PROBE_MS. */
function hostConnects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => (s.destroy(), resolve(false)), PROBE_MS);
    s.once('connect', () => (clearTimeout(timer), s.destroy(), resolve(true)));
    s.once('error', () => (clearTimeout(timer), resolve(false)));
  });
}

/** reach[i][j]: whether node i connects to node j's listener (i === j: itself). */
async function reachMatrix(c: NetnsCluster): Promise<boolean[][]> {
  const n = c.hosts.length;
  const pairs = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => c.canConnect(i, c.hosts[j], PORT, PROBE_MS)));
  return Promise.all(pairs.map((row) => Promise.all(row)));
}

async function hostReachesAll(c: NetnsCluster): Promise<boolean[]> {
  return Promise.all(c.hosts.map((h) => hostConnects(h, PORT)));
}

beforeAll(() => {
  const support = netnsSupport();
  if (!support.ok) throw new Error(`network namespaces must work on this machine (root, Linux): ${support.why}`);
});

describe('a 3-node namespaced cluster', () => {
  it('has addresses, names and an exec prefix per node', async () => {
    const c = await cluster(3);
    const prefix = c.gateway.replace(/\.1$/, '');
    expect(c.gateway).toMatch(/^\d+\.\d+\.\d+\.1$/);
    expect(c.hosts).toEqual([11, 12, 13].map((o) => `${prefix}.${o}`));
    expect(c.namespaces).toHaveLength(3);
    for (const [i, ns] of c.namespaces.entries()) {
      expect(ns.length).toBeLessThanOrEqual(15);
      expect(c.execPrefix(i)).toEqual(['ip', 'netns', 'exec', ns]);
      const addr = execFileSync('ip', ['-n', ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
      expect(addr).toContain(`${c.hosts[i]}/24`);
      const route = execFileSync('ip', ['-n', ns, '-4', 'route'], { encoding: 'utf8' });
      expect(route).toContain(`default via ${c.gateway}`);
    }
    expect(netnsNames()).toEqual(expect.arrayContaining(c.namespaces));
    expect(() => c.execPrefix(3)).toThrow(RangeError);
  });

  it('cuts real traffic between groups, never from the host, and heals', async () => {
    const c = await cluster(3);
    for (let i = 0; i < 3; i++) await listen(c, i);
    const all = [
      [true, true, true],
      [true, true, true],
      [true, true, true],
    ];
    expect(await hostReachesAll(c)).toEqual([true, true, true]);
    expect(await reachMatrix(c)).toEqual(all);
    // A node also reaches the gateway (host side): nothing listens there on PORT+1, so refused, not cut.
    expect(await c.canConnect(0, c.gateway, PORT + 1, PROBE_MS)).toBe(false);

    await c.partition([[0], [1, 2]]);
    expect(await reachMatrix(c)).toEqual([
      [true, false, false],
      [false, true, true],
      [false, true, true],
    ]);
    expect(await hostReachesAll(c)).toEqual([true, true, true]);

    // A second partition replaces the first: now 2 is alone and 0 <-> 1 flows.
    await c.partition([[0, 1], [2]]);
    expect(await reachMatrix(c)).toEqual([
      [true, true, false],
      [true, true, false],
      [false, false, true],
    ]);

    // A bridge: node 1 is in both groups and reaches both sides; 0 and 2 do not reach each other.
    await c.partition([[0, 1], [1, 2]]);
    expect(await reachMatrix(c)).toEqual([
      [true, true, false],
      [true, true, true],
      [false, true, true],
    ]);

    // A node in no group is cut from every other node.
    await c.partition([[0, 1]]);
    expect((await reachMatrix(c))[2]).toEqual([false, false, true]);
    expect(await hostReachesAll(c)).toEqual([true, true, true]);

    await c.heal();
    expect(await reachMatrix(c)).toEqual(all);
    expect(await hostReachesAll(c)).toEqual([true, true, true]);
  });

  it('a cut is silent (a timeout), while a closed port is refused at once', async () => {
    const c = await cluster(2);
    await listen(c, 1);
    let t0 = performance.now();
    expect(await c.canConnect(0, c.hosts[1], PORT + 1, PROBE_MS)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(PROBE_MS);
    await c.partition([[0], [1]]);
    t0 = performance.now();
    expect(await c.canConnect(0, c.hosts[1], PORT, PROBE_MS)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(PROBE_MS - 50);
  });

  it('rejects bad groups and use after destroy', async () => {
    const c = await cluster(2);
    await expect(c.partition([[0], [2]])).rejects.toThrow(/no node 2/);
    await c.destroy();
    await expect(c.heal()).rejects.toThrow(/destroyed/);
  });
});

describe('allocation', () => {
  it('two clusters created concurrently get different subnets and names', async () => {
    const [a, b] = await Promise.all([cluster(2), cluster(2)]);
    expect(a.gateway).not.toBe(b.gateway);
    expect(a.gateway.split('.').slice(0, 3)).not.toEqual(b.gateway.split('.').slice(0, 3));
    expect(a.namespaces.filter((ns) => b.namespaces.includes(ns))).toEqual([]);
    const owned = ownedNetworkObjects();
    expect(new Set(owned).size).toBe(owned.length);
    expect(owned).toEqual(expect.arrayContaining([...a.namespaces, ...b.namespaces]));
  });

  it('tries the requested subnet first and skips one whose bridge is taken', async () => {
    const a = await cluster(1);
    const prefix = a.gateway.replace(/\.1$/, '');
    const b = await createNetnsCluster(1, { subnetPrefix: prefix });
    clusters.push(b);
    expect(b.gateway).not.toBe(a.gateway);
    await expect(createNetnsCluster(1, { subnetPrefix: '10.213' })).rejects.toThrow(/subnetPrefix/);
  });

  it('skips subnets that have an address or a specific route, not broad ones', () => {
    const addr = '4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\n5: x    inet 10.213.9.200/32 scope global x\n';
    const route = 'default via 192.0.2.1 dev eth0\n10.0.0.0/8 dev tun0\n10.213.40.0/22 dev wg0\nlocal 10.213.50.7 dev y table local\n';
    expect(subnetInUse('10.213.7', addr, route)).toBe(false);
    expect(subnetInUse('192.0.2', addr, route)).toBe(true);
    expect(subnetInUse('10.213.9', addr, route)).toBe(true);
    expect(subnetInUse('10.213.41', addr, route)).toBe(true);
    expect(subnetInUse('10.213.50', addr, route)).toBe(true);
  });

  it('adds a host FORWARD rule only when br_netfilter filters bridged traffic through a non-trivial chain', () => {
    expect(forwardRuleNeeded(undefined, '-P FORWARD DROP\n')).toBe(false);
    expect(forwardRuleNeeded('0\n', '-P FORWARD DROP\n')).toBe(false);
    expect(forwardRuleNeeded('1\n', '-P FORWARD ACCEPT\n')).toBe(false);
    expect(forwardRuleNeeded('1\n', '-P FORWARD DROP\n')).toBe(true);
    expect(forwardRuleNeeded('1\n', '-P FORWARD ACCEPT\n-A FORWARD -j DOCKER-ISOLATION\n')).toBe(true);
  });
});

describe('clean-up', () => {
  it('destroy() leaves no namespace or link and is idempotent', async () => {
    const c = await createNetnsCluster(3);
    const names = ownedNetworkObjects();
    try {
      expect(names).toHaveLength(7); // bridge, 3 namespaces, 3 host-side veths
      expect(leftovers(names)).toEqual(names);
    } finally {
      await c.destroy();
    }
    expect(leftovers(names)).toEqual([]);
    expect(ownedNetworkObjects()).toEqual([]);
    await c.destroy();
    c.destroySync();
    expect(ownedNetworkObjects()).toEqual([]);
  });

  it('destroySync() leaves nothing either', async () => {
    const c = await createNetnsCluster(2);
    const names = ownedNetworkObjects();
    try {
      expect(leftovers(names)).toEqual(names);
    } finally {
      c.destroySync();
    }
    expect(leftovers(names)).toEqual([]);
    expect(ownedNetworkObjects()).toEqual([]);
  });

  it('a creation that fails half-way removes what it made, and only that', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      // Learn a free id, then block its node 1 with a namespace of that name.
      const probe = await createNetnsCluster(1);
      const prefix = probe.gateway.replace(/\.1$/, '');
      const id = prefix.split('.')[2];
      await probe.destroy();
      const blocker = `rc${id}n1`;
      execFileSync('ip', ['netns', 'add', blocker]);
      try {
        const made = await createNetnsCluster(2, { subnetPrefix: prefix }).catch((e: Error) => e);
        if (!(made instanceof Error)) {
          await made.destroy(); // another process took the id meanwhile: try again
          continue;
        }
        expect(made.message).toMatch(new RegExp(`creating network namespaces for 2 nodes on ${prefix}\\.0/24 failed: .*netns add ${blocker}`));
        expect(ownedNetworkObjects()).toEqual([]);
        expect(leftovers([`rcb${id}`, `rc${id}n0`, `rc${id}h0`, `rc${id}h1`])).toEqual([]);
        expect(netnsNames()).toContain(blocker);
        return;
      } finally {
        execFileSync('ip', ['netns', 'delete', blocker]);
      }
    }
    throw new Error('could not hold a subnet id for the test');
  });

  describe('a process that is sent SIGTERM', () => {
    let snapshotDir = '';
    beforeAll(() => {
      const built = path.join(root, 'dist/targets/real/netns.js');
      const source = path.join(root, 'src/targets/real/netns.ts');
      if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(source).mtimeMs) {
        try {
          execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe' });
        } catch {
          // type errors elsewhere in the tree still emit; the file is checked below
        }
      }
      // A private copy of the three modules, so that another build of dist/ cannot change them mid-test.
      snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-netns-test-'));
      fs.writeFileSync(path.join(snapshotDir, 'package.json'), '{"type":"module"}');
      for (const f of ['errors.js', 'targets/real/processes.js', 'targets/real/watchdog.js', 'targets/real/proc-tree.js', 'targets/real/netns.js']) {
        fs.mkdirSync(path.dirname(path.join(snapshotDir, f)), { recursive: true });
        fs.copyFileSync(path.join(root, 'dist', f), path.join(snapshotDir, f));
      }
    });
    afterAll(() => fs.rmSync(snapshotDir, { recursive: true, force: true }));

    it('leaves nothing behind', async () => {
      const url = pathToFileURL(path.join(snapshotDir, 'targets/real/netns.js')).href;
      const script = `const m = await import(${JSON.stringify(url)});
const c = await m.createNetnsCluster(2);
await c.partition([[0], [1]]);
console.log('READY ' + JSON.stringify(m.ownedNetworkObjects()));
setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      own(child);
      children.push(child);
      const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, sig) => r(sig)));
      let out = '';
      const names = await new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child did not report: ${out}`)), 20_000);
        child.stdout!.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /READY (.*)\n/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(JSON.parse(m[1]) as string[]);
          }
        });
        child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
        child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${out}`)));
      });
      expect(names).toHaveLength(5);
      expect(leftovers(names)).toEqual(names);
      child.kill('SIGTERM');
      expect(await exited).toBe('SIGTERM');
      expect(leftovers(names)).toEqual([]);
    });
  });
});
