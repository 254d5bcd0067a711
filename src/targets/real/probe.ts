// Readiness probes for processes a real-time target starts: an HTTP GET that answers 2xx, a TCP
// connect, or a command that exits 0; each attempt bounded, retried until a deadline.

import http from 'node:http';
import net from 'node:net';
import { execa } from 'execa';

export type Probe = { http: string } | { tcp: string } | { command: string[] };

const ATTEMPT_MS = 1000;
const RETRY_MS = 150;

function httpOnce(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: ATTEMPT_MS, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function tcpOnce(hostPort: string): Promise<boolean> {
  const i = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, i);
  const port = Number(hostPort.slice(i + 1));
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: ATTEMPT_MS });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.on('connect', () => done(true));
    s.on('timeout', () => done(false));
    s.on('error', () => done(false));
  });
}

async function commandOnce(argv: string[], cwd?: string): Promise<boolean> {
  const r = await execa(argv[0], argv.slice(1), { reject: false, timeout: ATTEMPT_MS * 5, stdin: 'ignore', cwd });
  return r.exitCode === 0;
}

export function probeOnce(p: Probe, cwd?: string): Promise<boolean> {
  if ('http' in p) return httpOnce(p.http);
  if ('tcp' in p) return tcpOnce(p.tcp);
  return commandOnce(p.command, cwd);
}

/** Resolves true once the probe succeeds, false at the deadline or when `gone()` says to stop. */
export async function waitReady(p: Probe, timeoutMs: number, gone: () => boolean, cwd?: string): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (gone()) return false;
    if (await probeOnce(p, cwd)) return true;
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  return false;
}
