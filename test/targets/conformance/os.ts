// Looking at real processes and sockets from outside: /proc states, TCP connects, one JSON request
// on a fresh connection, and waiting for PIDs to go.

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { requestJson, type HttpAnswer } from '../../../src/targets/real/http-client.js';
import { pidAlive } from '../../../src/targets/real/processes.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The state of pid from /proc/PID/stat: running (R, S, D, ...), stopped (T, t), or gone (none, or a zombie). */
export function procState(pid: number): 'running' | 'stopped' | 'gone' {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 'gone';
  }
  const state = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
  if (state === 'T' || state === 't') return 'stopped';
  if (state === 'Z' || state === 'X') return 'gone';
  return 'running';
}

/** Waits (bounded) until no PID of the list exists any more; returns the ones still there. */
export async function pidsGone(pids: number[], withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let left = pids.filter(pidAlive);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(25);
    left = left.filter(pidAlive);
  }
  return left;
}

/**
 * What a real-process target left of its processes and temp dir after teardown: node processes
 * still alive (of every PID seen), too few PIDs seen for its nodes, its temp dir (or that none was
 * recorded), and a tempDir() that still names one.
 */
export async function processLeftovers(pids: Set<number>, nodes: number, dir: string | undefined, tempDirNow: string | undefined): Promise<string[]> {
  const out: string[] = [];
  const alive = await pidsGone([...pids], 5000);
  if (alive.length) out.push(`node processes still alive: ${alive.join(', ')} (of ${[...pids].join(', ')})`);
  if (pids.size < nodes) out.push(`only ${pids.size} PIDs were ever seen for ${nodes} nodes`);
  if (dir === undefined) out.push('no temp dir was recorded');
  else if (fs.existsSync(dir)) out.push(`temp dir still there: ${dir}`);
  if (tempDirNow !== undefined) out.push(`tempDir() still names ${tempDirNow}`);
  return out;
}

/** How a TCP connect to host:port ends within timeoutMs: connected, refused, or anything else. */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<'connected' | 'refused' | 'other'> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (r: 'connected' | 'refused' | 'other'): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('other'), timeoutMs);
    s.once('connect', () => done('connected'));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'other'));
  });
}

/** No keep-alive: every probe opens its own connection (a pooled socket would hide a dead or paused peer). */
const freshAgent = new http.Agent({ keepAlive: false });

/** One JSON request on a fresh connection; undefined when it failed or timed out. */
export async function jsonOnce(host: string, port: number, method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<HttpAnswer | undefined> {
  try {
    return await requestJson({ agent: freshAgent, host, port, method, path, body, timeoutMs });
  } catch {
    return undefined;
  }
}

/** Network namespace names (`ip netns list`) and link names (`ip -o link`) present now. */
export async function networkNames(): Promise<{ namespaces: string[]; links: string[] }> {
  const { execFileSync } = await import('node:child_process');
  const nsText = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const linkText = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  const namespaces = nsText.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((x) => x !== undefined && x !== '');
  // "12: rc5h0@if11: <...>" -> rc5h0
  const links = linkText.split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
  return { namespaces, links };
}
