// The nodes of an external target: their variables (ports, addresses, data dirs), the processes
// replcheck starts for them (inside their network namespaces), and the per-node commands the
// target file gives for nodes it does not start.

import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import type { ExternalTargetConfig } from '../../config/types.js';
import { UserError } from '../../errors.js';
import type { NetnsCluster } from '../real/netns.js';
import { NodeProcess, type NodeProcessSpec } from '../real/node-process.js';
import { descendants, signalEach, type ProcId } from '../real/proc-tree.js';
import { freePorts } from '../real/ports.js';
import type { Probe } from '../real/probe.js';
import type { RealScheduler } from '../real/scheduler.js';
import type { ClientNode } from './client-api.js';
import { nodeValues, withFileVars, substitute, substituteArgv, type Values } from './placeholders.js';

const COMMAND_TIMEOUT_MS = 60_000;
const LOOPBACK = '127.0.0.1';

export interface NodeSlot {
  name: string;
  vars: Record<string, string>;
  /** Not killed (as far as the nemesis is concerned). */
  alive: boolean;
  /** Started and answering its probe. */
  ready: boolean;
}

export type CommandName = keyof ExternalTargetConfig['commands'];

export class ExternalNodes {
  private values: Values[] = [];
  private procs: (NodeProcess[] | undefined)[] = [];
  /** Per node: the descendants a pause stopped (a group signal, or the exit hooks, miss them). */
  private frozen: ProcId[][] = [];
  private net: NetnsCluster | undefined;
  private stopped = false;

  /** Where commands run: the target file's directory. */
  readonly cwd: string;

  constructor(
    private readonly cfg: ExternalTargetConfig,
    readonly slots: NodeSlot[],
    private readonly scheduler: RealScheduler,
    private readonly keep = false,
  ) {
    this.cwd = cfg.file !== undefined ? path.dirname(cfg.file) : process.cwd();
  }

  /** Allocates ports, computes every node's variables, makes the data dirs and runs the init commands. */
  async prepare(dir: string, net: NetnsCluster | undefined): Promise<void> {
    this.net = net;
    const n = this.slots.length;
    const ports = await freePorts(n * this.cfg.ports.length);
    const base: Values = { dir, runId: randomBytes(4).toString('hex'), gateway: net?.gateway ?? LOOPBACK, targetDir: this.cwd, ...stringSettings(this.cfg) };
    const perNode = this.slots.map((s, i) => {
      const extra: Values = { index: String(i + 1), host: net?.hosts[i] ?? LOOPBACK, dataDir: path.join(dir, s.name), logFile: path.join(dir, `${s.name}.log`) };
      this.cfg.ports.forEach((p, k) => (extra[p] = String(ports[i * this.cfg.ports.length + k])));
      return nodeValues(base, s, extra);
    });
    this.values = withFileVars(this.cfg, perNode);
    for (const v of this.values) {
      fs.mkdirSync(v.dataDir, { recursive: true });
      writeFiles(this.cfg.files, v, dir);
    }
    if (this.cfg.start?.user !== undefined) await chownTree(dir, this.cfg.start.user);
    for (const [i, v] of this.values.entries()) {
      for (const argv of this.cfg.init ?? []) await this.run(substituteArgv(argv, v), `init of ${this.slots[i].name}`);
    }
  }

  clientNodes(): ClientNode[] {
    return this.slots.map((s, i) => ({ name: s.name, host: this.values[i].host, vars: { ...this.values[i] } }));
  }

  pids(): number[] {
    return this.procs.flatMap((ps) => ps ?? []).filter((p) => p.running && p.pid !== undefined).map((p) => p.pid!);
  }

  /** Whether replcheck starts (and so owns) the node processes. */
  get owned(): boolean {
    return this.cfg.start !== undefined;
  }

  async startAll(): Promise<void> {
    if (!this.owned) {
      for (const s of this.slots) s.ready = true;
      return;
    }
    const results = await Promise.allSettled(this.slots.map((_, i) => this.startNode(i)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The processes of node i: the start command, then each of `start.also` (a Sentinel beside its server, say). */
  private specs(i: number): NodeProcessSpec[] {
    const start = this.cfg.start!;
    const v = this.values[i];
    const env = { ...(process.env as Record<string, string>), ...Object.fromEntries(Object.entries(start.env).map(([k, x]) => [k, substitute(x, v)])) };
    const prefix = [...(this.net ? this.net.execPrefix(i) : []), ...(start.user !== undefined ? asUser(start.user) : [])];
    return [{ command: start.command, ready: start.ready }, ...start.also].map((p, k) => ({
      name: k === 0 ? this.slots[i].name : `${this.slots[i].name} (start.also[${k - 1}])`,
      argv: [...prefix, ...substituteArgv(p.command, v)],
      env,
      cwd: this.cwd,
      logFile: k === 0 ? v.logFile : v.logFile.replace(/\.log$/, `.also${k - 1}.log`),
      logKept: this.keep,
      ready: p.ready === undefined ? undefined : substituteProbe(p.ready, v),
      startTimeoutMs: start.timeoutMs,
    }));
  }

  /** Starts node i's processes in order, each once the one before is ready. */
  async startNode(i: number): Promise<void> {
    // Once teardown began nothing new starts (a restart the final heal asked for, say).
    if (this.stopped) return;
    this.slots[i].ready = false;
    // A node started again: its old processes (killed) are gone first, so their ports are free.
    await Promise.all((this.procs[i] ?? []).map((p) => p.stop()));
    if (this.stopped) return;
    const procs: NodeProcess[] = [];
    this.procs[i] = procs;
    for (const spec of this.specs(i)) {
      if (this.stopped) return;
      const proc = new NodeProcess(spec);
      procs.push(proc);
      await proc.start();
    }
    this.slots[i].ready = procs.every((p) => p.running);
  }

  /** Whether node i's processes all run. */
  isUp(i: number): boolean {
    const procs = this.procs[i];
    return procs !== undefined && procs.length > 0 && procs.every((p) => p.running);
  }

  kill(i: number): void {
    this.slots[i].ready = false;
    for (const p of this.procs[i] ?? []) {
      // Stop the group first (no new children), then kill it and the descendants that left it.
      p.signal('SIGSTOP');
      const kids = descendantsOf(p);
      p.kill();
      signalEach(kids, 'SIGKILL');
    }
    signalEach(this.frozen[i] ?? [], 'SIGKILL');
    this.frozen[i] = [];
  }

  /** Starts a killed node again (same data dir); resolves once it is ready. */
  async restart(i: number): Promise<void> {
    await this.startNode(i);
  }

  pause(i: number): void {
    for (const p of this.procs[i] ?? []) {
      p.pause();
      const kids = descendantsOf(p);
      signalEach(kids, 'SIGSTOP');
      this.frozen[i] = [...(this.frozen[i] ?? []), ...kids];
    }
  }

  resume(i: number): void {
    for (const p of this.procs[i] ?? []) {
      signalEach(descendantsOf(p), 'SIGCONT');
      p.resume();
    }
    // (also the ones whose parent died meanwhile: a stopped process would never notice)
    signalEach(this.frozen[i] ?? [], 'SIGCONT');
    this.frozen[i] = [];
  }

  /** Runs one of the file's fault commands for node i (or cluster-wide with i undefined). */
  async command(name: CommandName, i: number | undefined, extra: Values = {}): Promise<void> {
    const argv = this.cfg.commands[name]!;
    const v = { ...(i === undefined ? this.values[0] : this.values[i]), ...extra };
    await this.run(substituteArgv(argv, v), `${name}${i === undefined ? '' : ` of ${this.slots[i].name}`}`);
  }

  /** Runs argv (inside node i's namespace and as `user` when given); resolves with its stdout, rejects with a UserError. */
  async run(argv: string[], what: string, opts: { node?: number; user?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<string> {
    const prefix = [...(opts.node !== undefined && this.net ? this.net.execPrefix(opts.node) : []), ...(opts.user !== undefined ? asUser(opts.user) : [])];
    const full = [...prefix, ...argv];
    const r = await execa(full[0], full.slice(1), { reject: false, timeout: opts.timeoutMs ?? COMMAND_TIMEOUT_MS, stdin: 'ignore', all: true, cwd: this.cwd, env: opts.env });
    if (r.exitCode === 0) return String(r.stdout ?? '');
    const out = String(r.all ?? '').trim().split('\n').slice(-3).join(' | ');
    throw new UserError(`${what}: ${argv.join(' ')} ${r.timedOut ? 'timed out' : `exited with ${r.exitCode ?? r.signal}`}${out ? `: ${out}` : ''}`, { field: 'target' });
  }

  /** Node i's values (placeholders), after prepare. */
  valuesOf(i: number): Values {
    return this.values[i];
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    this.slots.forEach((_, i) => this.kill(i));
    await Promise.all(this.procs.flatMap((ps) => ps ?? []).map((p) => p.stop()));
    for (const s of this.slots) s.ready = false;
  }

  /** The scheduler (fault helpers hold it while they work). */
  get sched(): RealScheduler {
    return this.scheduler;
  }
}

/** A running node process's descendants (an exited one's PID may belong to someone else by now). */
function descendantsOf(p: NodeProcess): ProcId[] {
  return p.running ? descendants(p.pid) : [];
}

/** argv prefix that runs a command as an OS user (servers such as PostgreSQL refuse root). */
function asUser(user: string): string[] {
  return ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--init-groups', '--'];
}

/** Writes the file's `files:` templates for one node; every path must stay inside the run's dir. */
function writeFiles(files: Record<string, string>, v: Values, dir: string): void {
  for (const [pathTemplate, content] of Object.entries(files)) {
    const file = path.resolve(substitute(pathTemplate, v));
    if (!file.startsWith(dir + path.sep)) throw new UserError(`files: ${file} is outside the run's temp dir ${dir}; write under {dataDir} or {dir}`, { field: 'target.files' });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, substitute(content, v));
  }
}

/** Hands the run's dir to `user` (its servers write their data there). */
async function chownTree(dir: string, user: string): Promise<void> {
  const ids = await execa('id', ['-u', user], { reject: false });
  const gids = await execa('id', ['-g', user], { reject: false });
  if (ids.exitCode !== 0 || gids.exitCode !== 0) throw new UserError(`no OS user ${JSON.stringify(user)} on this machine`, { field: 'target.start.user' });
  const uid = Number(ids.stdout);
  const gid = Number(gids.stdout);
  const walk = (p: string): void => {
    fs.chownSync(p, uid, gid);
    if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(dir);
}

function stringSettings(cfg: ExternalTargetConfig): Values {
  return Object.fromEntries(Object.entries(cfg.settings).map(([k, v]) => [k, String(v)]));
}

function substituteProbe(p: Probe, v: Values): Probe {
  if ('http' in p) return { http: substitute(p.http, v) };
  if ('tcp' in p) return { tcp: substitute(p.tcp, v) };
  return { command: substituteArgv(p.command, v) };
}
