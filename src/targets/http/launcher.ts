// Starting and stopping one node-server process: spawn (owned by PID), wait for its
// `LISTENING <port>` line and an /admin/status answer (bounded), SIGKILL and wait for the exit.

import { spawn, type ChildProcess } from 'node:child_process';
import type http from 'node:http';
import { UserError } from '../../errors.js';
import { disown, own } from '../real/processes.js';
import { READY_PREFIX, requestJson } from './wire.js';

const STDERR_TAIL_BYTES = 4096;
const STATUS_TIMEOUT_MS = 2000;

export interface SpawnOptions {
  /** Node name for messages (n1, n2, ...). */
  name: string;
  id: number;
  script: string;
  nodeArgs: string[];
  configFile: string;
  startTimeoutMs: number;
  agent: http.Agent;
  /** Called at once with the new child (before it is ready). */
  onSpawn(child: ChildProcess, stderrTail: () => string): void;
  /** Called when the child exits; `wasReady`: it had started successfully. */
  onExit(child: ChildProcess, why: string, stderrTail: string, wasReady: boolean): void;
}

/** The last few stderr lines of a node, on one line. */
export function tailLine(stderr: string): string {
  return stderr.trim().split('\n').slice(-3).join(' | ');
}

/** Spawns a node server; resolves with its port once it answers /admin/status, else rejects with a UserError (and kills it). */
export function spawnNodeServer(o: SpawnOptions): Promise<number> {
  const child = spawn(process.execPath, [...o.nodeArgs, o.script, '--id', String(o.id), '--config', o.configFile], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: false,
  });
  own(child);
  let stderr = '';
  child.stdin?.on('error', () => {});
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  o.onSpawn(child, () => stderr);
  const fail = (why: string): UserError => {
    const tail = tailLine(stderr);
    return new UserError(`node ${o.name} could not start: ${why}${tail ? ` (${tail})` : ''}`, { field: 'target' });
  };
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    let ready = false;
    let buf = '';
    const finish = (err: UserError | undefined, port = 0): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err === undefined) {
        ready = true;
        return resolve(port);
      }
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      reject(err);
    };
    const timer = setTimeout(() => finish(fail(`no answer within ${o.startTimeoutMs} ms`)), o.startTimeoutMs);
    child.on('error', (e) => finish(fail(e.message)));
    child.on('exit', (code, sig) => {
      const why = sig ?? `code ${code}`;
      o.onExit(child, why, stderr, ready);
      // give stderr a moment to arrive before reporting
      setTimeout(() => finish(fail(`exited (${why})`)), 50);
    });
    child.stdout?.on('data', (c: Buffer) => {
      if (settled) return;
      buf += c.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > 4096) finish(fail('unexpected output'));
        return;
      }
      const line = buf.slice(0, nl).trim();
      if (!line.startsWith(READY_PREFIX)) return finish(fail(`unexpected output ${JSON.stringify(line.slice(0, 80))}`));
      const port = Number(line.slice(READY_PREFIX.length));
      if (!Number.isInteger(port) || port <= 0) return finish(fail(`bad port ${JSON.stringify(line)}`));
      requestJson(o.agent, port, 'GET', '/admin/status', undefined, STATUS_TIMEOUT_MS).then(
        (ans) => (ans.status === 200 ? finish(undefined, port) : finish(fail(`/admin/status answered ${ans.status}`))),
        (e: Error) => finish(fail(`/admin/status: ${e.message}`)),
      );
    });
  });
}

export function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** SIGCONT (in case it is paused) and SIGKILL by PID, then wait (bounded) for the exit. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  const pid = child.pid!;
  if (child.exitCode === null && child.signalCode === null) {
    for (const sig of ['SIGCONT', 'SIGKILL'] as const) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
    await waitExit(child, 5000);
  }
  child.stdin?.destroy();
  child.stdout?.destroy();
  child.stderr?.destroy();
  disown(pid);
}
