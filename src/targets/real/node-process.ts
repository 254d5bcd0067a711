// One node process a real-time target starts itself (a database server): spawned from an argv
// array with execa as the leader of its own process group, owned by PID, output appended to a log
// file, ready once its probe answers; killed, paused and resumed by signals to its group.

import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { UserError } from '../../errors.js';
import { disown, own, signalOwned } from './processes.js';
import { waitReady, type Probe } from './probe.js';

const LOG_TAIL_LINES = 5;
const LOG_TAIL_BYTES = 8192;
const EXIT_WAIT_MS = 5000;
/** Without a readiness probe, a node is ready when it is still running after this long. */
const NO_PROBE_GRACE_MS = 500;

async function stillUp(gone: () => boolean): Promise<boolean> {
  await new Promise((r) => setTimeout(r, NO_PROBE_GRACE_MS));
  return !gone();
}

export interface NodeProcessSpec {
  name: string;
  argv: string[];
  env: Record<string, string>;
  /** Working directory of the process and of a command probe. */
  cwd: string;
  logFile: string;
  /** Whether the log file outlives the run (--keep). */
  logKept?: boolean;
  ready?: Probe;
  startTimeoutMs: number;
}

/**
 * The last few lines of a log file, on one line, led by the first line that names an error when
 * the tail does not (a stack trace's last lines say little).
 */
export function logTail(file: string): string {
  const text = readTail(file);
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  const tail = lines.slice(-LOG_TAIL_LINES);
  const errorLine = lines.find((l) => /error|fatal|panic|cannot|denied|not found/i.test(l));
  if (errorLine !== undefined && !tail.includes(errorLine)) tail.unshift(errorLine, '...');
  return tail.join(' | ');
}

function readTail(file: string): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, LOG_TAIL_BYTES);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

export class NodeProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private generation = 0;
  paused = false;

  constructor(readonly spec: NodeProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Running (not exited), whether paused or not. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process and waits for its probe; rejects with a UserError naming the node and its log's last lines. */
  async start(): Promise<void> {
    const gen = ++this.generation;
    const [cmd, ...args] = this.spec.argv;
    const log = { file: this.spec.logFile, append: true } as const;
    const child = execa(cmd, args, { stdin: 'ignore', stdout: log, stderr: log, env: this.spec.env, cwd: this.spec.cwd, detached: true, reject: false }) as unknown as ChildProcess;
    this.child = child;
    this.paused = false;
    own(child, { group: true });
    let spawnError: string | undefined;
    child.on('error', (e) => (spawnError = e.message));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const gone = (): boolean => gen !== this.generation || child.exitCode !== null || child.signalCode !== null;
    const ok = this.spec.ready ? await waitReady(this.spec.ready, this.spec.startTimeoutMs, gone, this.spec.cwd) : await stillUp(gone);
    if (ok && !gone()) return;
    if (gen !== this.generation) return; // killed meanwhile: not a start failure
    const why = spawnError ?? (gone() ? `it exited (${child.signalCode ?? `code ${child.exitCode}`})` : `not ready within ${this.spec.startTimeoutMs} ms`);
    await this.stop();
    const tail = logTail(this.spec.logFile);
    const where = this.spec.logKept ? `log: ${this.spec.logFile}` : 'rerun with --keep to keep its log';
    throw new UserError(`node ${this.spec.name} did not start: ${why}${tail ? `; its log ends: ${tail}` : ''} (${where})`, {
      field: 'target.start',
    });
  }

  signal(sig: NodeJS.Signals): boolean {
    const pid = this.child?.pid;
    return pid !== undefined && this.running && signalOwned(pid, true, sig);
  }

  /** SIGKILL to the group (SIGCONT first: a stopped process must die too); does not wait. */
  kill(): void {
    this.generation++;
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    this.paused = false;
  }

  pause(): void {
    if (this.signal('SIGSTOP')) this.paused = true;
  }

  resume(): void {
    this.signal('SIGCONT');
    this.paused = false;
  }

  /** Kills and waits (bounded) for the exit, then forgets the PID. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.kill();
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, EXIT_WAIT_MS).unref())]);
    if (child.pid !== undefined) disown(child.pid);
  }
}
