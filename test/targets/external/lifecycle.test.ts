// Target-file features for systems whose nodes are not alike, against real processes: `files:`
// written per node from templates, `start.also` processes killed and restarted with their node,
// a lifecycle module ordering the start-up and reacting to kills and restarts, sharing state
// with the client module; nothing is left afterwards.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../../src/config/load.js';
import type { ExternalTargetConfig } from '../../../src/config/types.js';
import { createExternalTarget } from '../../../src/targets/external/index.js';
import { pidAlive } from '../../../src/targets/real/processes.js';
import { runScript } from '../conformance/harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-lifecycle-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A server that reads its config file and answers its name on its port. */
const SERVER = `const c = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
require('net').createServer((s) => { s.on('error', () => {}); s.end(c.name); }).listen(c.port, '127.0.0.1');`;
/** A side process (a Sentinel, say) that only listens. */
const SIDE = `require('net').createServer((s) => { s.on('error', () => {}); s.end('side'); }).listen(Number(process.argv[1]), '127.0.0.1');`;

fs.writeFileSync(
  path.join(dir, 'lifecycle.mjs'),
  `export async function startAll(ctx) {
  ctx.shared.order = [];
  for (const n of ['n2', 'n1']) { await ctx.startNode(n); ctx.shared.order.push(n); }
  ctx.shared.primary = 'n2';
}
export async function afterKill(name, ctx) { ctx.shared.killed = name; ctx.shared.primary = name === 'n2' ? 'n1' : 'n2'; }
export async function restart(name, ctx) { (ctx.shared.restarted ??= []).push(name); await ctx.startNode(name); }
`,
);
fs.writeFileSync(
  path.join(dir, 'client.mjs'),
  `export async function open(ctx) {
  return {
    invoke: async () => ({ type: 'ok', value: [ctx.shared.primary] }),
    finalRead: async () => [],
    leader: async () => ctx.shared.primary,
  };
}
`,
);
const FILE = path.join(dir, 'target.yaml');
fs.writeFileSync(
  FILE,
  `type: external
name: two-kinds
nodes: 2
network: loopback
ports: [port, sidePort]
files:
  "{dataDir}/conf.json": '{"name": "{name}", "port": {port}}'
start:
  command: [node, -e, ${JSON.stringify(SERVER)}, "{dataDir}/conf.json"]
  ready: { tcp: "127.0.0.1:{port}" }
  also:
    - { command: [node, -e, ${JSON.stringify(SIDE)}, "{sidePort}"], ready: { tcp: "127.0.0.1:{sidePort}" } }
lifecycle: { module: lifecycle.mjs }
leader: client
client: { module: client.mjs }
`,
);

function answer(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => resolve(got));
    s.on('error', () => resolve(undefined));
  });
}

describe('files, start.also and lifecycle modules', () => {
  it('start in the lifecycle order, kill and restart a node with its side process, share state with the client', async () => {
    const cfg = loadRunConfig({ target: FILE }, () => 1).config.target as ExternalTargetConfig;
    const t = createExternalTarget(cfg, { workload: 'append' });
    const seen: number[] = [];
    let tmp: string | undefined;
    {
      await runScript(t, false, async (h) => {
        await h.setup();
        tmp = t.tempDir();
        const nodes = t.clientNodes();
        const ports = nodes.map((n) => ({ port: Number(n.vars.port), side: Number(n.vars.sidePort) }));
        expect(JSON.parse(fs.readFileSync(path.join(nodes[0].vars.dataDir, 'conf.json'), 'utf8'))).toEqual({ name: 'n1', port: ports[0].port });
        expect(await answer(ports[0].port)).toBe('n1');
        expect(await answer(ports[1].side)).toBe('side');
        const pids = t.pids();
        seen.push(...pids);
        expect(pids).toHaveLength(4);
        // The lifecycle's shared state reaches the client: the primary it chose.
        expect(await h.invoke({ process: 0, session: 's0' }, { f: 'read', key: 'k', value: null })).toMatchObject({ type: 'ok', value: ['n2'] });
        await h.call(() => t.faults.kill!.kill('n2'));
        const down = await h.until(5000, 50, async () => ((await answer(ports[1].port)) === undefined && (await answer(ports[1].side)) === undefined ? true : undefined));
        expect(down).toBe(true);
        expect(await h.invoke({ process: 1, session: 's0' }, { f: 'read', key: 'k', value: null })).toMatchObject({ value: ['n1'] });
        await h.call(() => t.faults.kill!.restart('n2'));
        // The node's processes start in order: the side process once the server is ready.
        const back = async (): Promise<true | undefined> => ((await answer(ports[1].port)) === 'n2' && (await answer(ports[1].side)) === 'side' ? true : undefined);
        const ok = await h.until(10_000, 50, back);
        expect(ok).toBe(true);
        seen.push(...t.pids());
        expect(t.pids()).toHaveLength(4);
        await h.teardown();
      });
    }
    expect(seen.filter(pidAlive)).toEqual([]);
    expect(tmp !== undefined && fs.existsSync(tmp)).toBe(false);
  });

  it('leader() and the client follow the state the lifecycle shares, across a kill and a restart', async () => {
    const cfg = loadRunConfig({ target: FILE }, () => 1).config.target as ExternalTargetConfig;
    const t = createExternalTarget(cfg, { workload: 'append' });
    const shared = await runScript(t, false, async (h) => {
      await h.setup();
      const leaderFirst = t.faults.leader!.leader();
      await h.call(() => t.faults.kill!.kill('n1'));
      await h.sleep(200);
      await h.call(() => t.faults.kill!.restart('n1'));
      await h.sleep(1500);
      const l = await h.invoke({ process: 0, session: 's' }, { f: 'read', key: 'k', value: null });
      await h.teardown();
      return { leaderFirst, l };
    });
    expect(shared.leaderFirst).toBe('n2');
    expect(shared.l).toMatchObject({ type: 'ok', value: ['n2'] });
  });
});
