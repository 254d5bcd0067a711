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
  private procs: (NodeProcess | undefined)[] = [];
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
    for (const v of this.values) fs.mkdirSync(v.dataDir, { recursive: true });
    for (const [i, v] of this.values.entries()) {
      for (const argv of this.cfg.init ?? []) await this.run(substituteArgv(argv, v), `init of ${this.slots[i].name}`);
    }
  }

  clientNodes(): ClientNode[] {
    return this.slots.map((s, i) => ({ name: s.name, host: this.values[i].host, vars: { ...this.values[i] } }));
  }

  pids(): number[] {
    return this.procs.filter((p): p is NodeProcess => p !== undefined && p.running && p.pid !== undefined).map((p) => p.pid!);
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

  private spec(i: number): NodeProcessSpec {
    const start = this.cfg.start!;
    const v = this.values[i];
    const argv = substituteArgv(start.command, v);
    const ready = start.ready === undefined ? undefined : substituteProbe(start.ready, v);
    const env = { ...(process.env as Record<string, string>), ...Object.fromEntries(Object.entries(start.env).map(([k, x]) => [k, substitute(x, v)])) };
    return { name: this.slots[i].name, argv: this.net ? [...this.net.execPrefix(i), ...argv] : argv, env, cwd: this.cwd, logFile: v.logFile, logKept: this.keep, ready, startTimeoutMs: start.timeoutMs };
  }

  private async startNode(i: number): Promise<void> {
    // Once teardown began nothing new starts (a restart the final heal asked for, say).
    if (this.stopped) return;
    const proc = new NodeProcess(this.spec(i));
    this.procs[i] = proc;
    this.slots[i].ready = false;
    await proc.start();
    this.slots[i].ready = proc.running;
  }

  kill(i: number): void {
    this.slots[i].ready = false;
    this.procs[i]?.kill();
  }

  /** Starts a killed node again (same data dir); resolves once it is ready. */
  async restart(i: number): Promise<void> {
    await this.procs[i]?.stop();
    await this.startNode(i);
  }

  pause(i: number): void {
    this.procs[i]?.pause();
  }

  resume(i: number): void {
    this.procs[i]?.resume();
  }

  /** Runs one of the file's fault commands for node i (or cluster-wide with i undefined). */
  async command(name: CommandName, i: number | undefined, extra: Values = {}): Promise<void> {
    const argv = this.cfg.commands[name]!;
    const v = { ...(i === undefined ? this.values[0] : this.values[i]), ...extra };
    await this.run(substituteArgv(argv, v), `${name}${i === undefined ? '' : ` of ${this.slots[i].name}`}`);
  }

  private async run(argv: string[], what: string): Promise<void> {
    const r = await execa(argv[0], argv.slice(1), { reject: false, timeout: COMMAND_TIMEOUT_MS, stdin: 'ignore', all: true, cwd: this.cwd });
    if (r.exitCode === 0) return;
    const out = String(r.all ?? '').trim().split('\n').slice(-3).join(' | ');
    throw new UserError(`${what}: ${argv.join(' ')} ${r.timedOut ? 'timed out' : `exited with ${r.exitCode ?? r.signal}`}${out ? `: ${out}` : ''}`, { field: 'target' });
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.procs.map((p) => p?.stop()));
    for (const s of this.slots) s.ready = false;
  }

  /** The scheduler (fault helpers hold it while they work). */
  get sched(): RealScheduler {
    return this.scheduler;
  }
}

function stringSettings(cfg: ExternalTargetConfig): Values {
  return Object.fromEntries(Object.entries(cfg.settings).map(([k, v]) => [k, String(v)]));
}

function substituteProbe(p: Probe, v: Values): Probe {
  if ('http' in p) return { http: substitute(p.http, v) };
  if ('tcp' in p) return { tcp: substitute(p.tcp, v) };
  return { command: substituteArgv(p.command, v) };
}
