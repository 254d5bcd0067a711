// Processes are owned: however the process that started a cluster ends (process.exit without
// teardown, an uncaught error, SIGTERM, SIGINT, even SIGKILL with a node paused), no node process
// and no temp dir outlives it.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pidAlive } from '../../../src/targets/real/processes.js';
import { httpConfig, nodeServerSnapshot, removeNodeServerSnapshot } from './driver.js';

const started: number[] = [];
const hostDirs: string[] = [];

afterAll(removeNodeServerSnapshot);

afterEach(async () => {
  for (const pid of started) {
    for (const sig of ['SIGCONT', 'SIGKILL'] as const) {
      try {
        process.kill(pid, sig);
      } catch {
        // gone
      }
    }
  }
  for (const d of hostDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  const pids = started.splice(0);
  const deadline = Date.now() + 3000;
  while (pids.some(pidAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(pids.filter(pidAlive)).toEqual([]);
});

/** Starts a host process that sets up a 3-node cluster and then ends as `mode` says; returns the PIDs it reported. */
async function host(mode: 'exit' | 'throw' | 'signal' | 'hold', pause = false, ownSession = false): Promise<{ hostPid: number; pids: number[]; dir: string; exited: Promise<void> }> {
  const script = nodeServerSnapshot();
  const root = path.dirname(path.dirname(path.dirname(script)));
  const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-host-'));
  hostDirs.push(hostDir);
  const file = path.join(hostDir, 'host.mjs');
  const url = (p: string): string => pathToFileURL(path.join(root, p)).href;
  fs.writeFileSync(
    file,
    `import { createHttpTarget } from ${JSON.stringify(url('targets/http/index.js'))};
import { Rng } from ${JSON.stringify(url('rng.js'))};
const t = createHttpTarget(${JSON.stringify(httpConfig())}, new Rng(7), { nodeScript: ${JSON.stringify(script)} });
t.setup(() => {
  ${pause ? "t.faults.pause.pause('n2');" : ''}
  console.log('READY ' + JSON.stringify({ pids: t.pids(), dir: t.tempDir() }));
  ${mode === 'exit' ? 'process.exit(0);' : mode === 'throw' ? "setTimeout(() => { throw new Error('boom'); }, 10);" : ''}
});
t.scheduler.after(60e9, () => {});
await t.scheduler.run();
`,
  );
  // detached: a session of its own, as CI or a supervisor starts a runner.
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'], detached: ownSession });
  started.push(child.pid!);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let out = '';
  const ready = await new Promise<{ pids: number[]; dir: string }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`host did not report: ${out}`)), 30000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (.*)\n/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(JSON.parse(m[1]) as { pids: number[]; dir: string });
      }
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  });
  started.push(...ready.pids);
  return { hostPid: child.pid!, ...ready, exited };
}

async function dirGone(dir: string, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (fs.existsSync(dir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return !fs.existsSync(dir);
}

/** The state letter of /proc/PID/stat (T: stopped). */
function procState(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}

async function gone(pids: number[], withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  while (pids.some(pidAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return pids.filter(pidAlive);
}

describe('http target process ownership', () => {
  it('process.exit without teardown kills the nodes and removes the temp dir', async () => {
    const h = await host('exit');
    expect(h.pids).toHaveLength(3);
    await h.exited;
    expect(await gone(h.pids, 3000)).toEqual([]);
    expect(fs.existsSync(h.dir)).toBe(false);
  });

  it('an uncaught error kills the nodes', async () => {
    const h = await host('throw');
    await h.exited;
    expect(await gone(h.pids, 3000)).toEqual([]);
  });

  it('SIGTERM and SIGINT kill the nodes (a paused one too) and still end the host', async () => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const h = await host('hold', true);
      process.kill(h.hostPid, sig);
      await h.exited;
      expect(await gone(h.pids, 3000)).toEqual([]);
      expect(fs.existsSync(h.dir)).toBe(false);
    }
  });

  it('SIGKILL of the host: the watchdog kills the nodes and removes the temp dir', async () => {
    const h = await host('hold');
    process.kill(h.hostPid, 'SIGKILL');
    await h.exited;
    expect(await gone(h.pids, 5000)).toEqual([]);
    expect(await dirGone(h.dir, 5000)).toBe(true);
  });

  it('SIGKILL of a host in a session of its own while a node is paused: the paused node dies too', async () => {
    const h = await host('hold', true, true);
    const paused = h.pids[1];
    const deadline = Date.now() + 2000;
    while (procState(paused) !== 'T' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(procState(paused)).toBe('T');
    process.kill(h.hostPid, 'SIGKILL');
    await h.exited;
    expect(await gone(h.pids, 5000)).toEqual([]);
    expect(await dirGone(h.dir, 5000)).toBe(true);
  });
});
