// Starting and stopping one node-server process: started with execa (owned by PID), wait for its
// `LISTENING <port>` line and an /admin/status answer (bounded), SIGKILL and wait for the exit.
//
// execa gives what spawn left to us: errors of the child and its pipes are its (no stray 'error'
// events), its kill() ignores a child already gone, and its promise settles when the child has
// exited and its pipes are drained, which is what a teardown waits for. Its `cleanup` stays off:
// the ownership registry (real/processes.ts) and its watchdog kill owned children on every exit
// path, and cleanup's SIGINT/SIGTERM listeners would make the registry believe a run handles the
// signal itself, so a host without one would no longer end. The readiness protocol stays a reader of
// our own on stdout's data (not execa's line iteration): only the first line is the protocol, and
// stdout must keep draining after it for as long as the node runs (buffer: false, so nothing piles
// up in memory over a long run). stdin stays a pipe: the node exits when our end of it closes.

import type { ChildProcess } from 'node:child_process';
import type http from 'node:http';
import { execa } from 'execa';
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

/** Each started child's execa promise, settled (never rejected) once it has exited and its pipes closed. */
const done = new WeakMap<ChildProcess, Promise<void>>();

/** Starts a node server; resolves with its port once it answers /admin/status, else rejects with a UserError (and kills it). */
export function spawnNodeServer(o: SpawnOptions): Promise<number> {
  const sub = execa(process.execPath, [...o.nodeArgs, o.script, '--id', String(o.id), '--config', o.configFile], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    killSignal: 'SIGKILL',
    forceKillAfterDelay: false,
    cleanup: false,
  });
  const child = sub as unknown as ChildProcess;
  done.set(child, sub.then(() => undefined, () => undefined));
  own(child);
  let stderr = '';
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
      sub.kill('SIGKILL');
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

/** Resolves once the child has exited (or after `timeoutMs`). */
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

/** Resolves once execa has seen the child exit and its pipes close (or after `timeoutMs`). */
function waitDone(child: ChildProcess, timeoutMs: number): Promise<void> {
  const p = done.get(child);
  if (p === undefined) return waitExit(child, timeoutMs);
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((resolve) => (t = setTimeout(resolve, timeoutMs)))]).finally(() => clearTimeout(t));
}

/** SIGCONT (in case it is paused) and SIGKILL by PID, then wait (bounded) for the exit. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  const pid = child.pid!;
  if (child.exitCode === null && child.signalCode === null) {
    // SIGCONT first: a stopped process must die too (execa's kill sends one signal)
    for (const sig of ['SIGCONT', 'SIGKILL'] as const) child.kill(sig);
  }
  await waitDone(child, 5000);
  child.stdin?.destroy();
  child.stdout?.destroy();
  child.stderr?.destroy();
  disown(pid);
}
