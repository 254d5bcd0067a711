// The external target: a system replcheck did not write, described by a target file. Setup checks
// binaries, makes a temp dir, network namespaces (or loopback), ports and variables, starts the
// nodes (or uses the user's), opens the client module; faults are signals, rules or commands.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExternalTargetConfig } from '../../config/types.js';
import { UserError } from '../../errors.js';
import { requireBinaries } from '../real/binaries.js';
import { createNetnsCluster, type NetnsCluster } from '../real/netns.js';
import { disownDir, ownDir } from '../real/processes.js';
import { createRealScheduler, runHeld, type RealScheduler } from '../real/scheduler.js';
import type { Capabilities, Capability, Client, Completion, FinalRead, NodeId, SessionInfo, Target } from '../types.js';
import { usesNamespaces } from './capabilities.js';
import type { ClientNode, ExternalClient } from './client-api.js';
import { clientModuleUrl, Deadlines, ExternalSession, openClient } from './client-module.js';
import { ExternalNodes, type NodeSlot } from './external-nodes.js';
import { buildFaults, PendingWork } from './faults.js';
import { startLeaderWatch, type LeaderWatch } from './leader.js';
import { checkLifecycleModule, loadLifecycle, type Lifecycle, type LifecycleContext } from './lifecycle.js';

export interface ExternalTargetOptions {
  /** Which workload's values the system holds. */
  workload: 'append' | 'register';
  /** Keep the temp dir (data dirs and logs) after the run (`--keep`). */
  keep?: boolean;
}

/** The external target, with a few views for tests. */
export interface ExternalTarget extends Target {
  scheduler: RealScheduler;
  /** PIDs of node processes replcheck started and that still run. */
  pids(): number[];
  /** The run's temp dir (undefined before setup, and after teardown unless kept). */
  tempDir(): string | undefined;
  /** The network namespaces in use (undefined on loopback). */
  network(): NetnsCluster | undefined;
  /** The nodes as the client sees them (after setup). */
  clientNodes(): ClientNode[];
}

const FINAL_READ_MIN_MS = 2000;

class External implements ExternalTarget {
  readonly name: string;
  readonly scheduler: RealScheduler = createRealScheduler();
  readonly faults: Partial<Capabilities>;
  readonly lacks: Partial<Record<Capability, string>>;
  private readonly slots: NodeSlot[];
  private readonly nodesMgr: ExternalNodes;
  private ext: ExternalClient | undefined;
  private leaderWatch: LeaderWatch | undefined;
  private dir: string | undefined;
  private net: NetnsCluster | undefined;
  private closed = false;
  private readonly pending = new PendingWork();
  private lifecycle: Lifecycle | undefined;
  private readonly shared: Record<string, unknown> = {};
  private readonly stopping = new AbortController();
  /** Every session's op deadline, on one timer. */
  private readonly deadlines: Deadlines;

  constructor(
    private readonly cfg: ExternalTargetConfig,
    private readonly opts: ExternalTargetOptions,
  ) {
    this.name = cfg.name;
    this.deadlines = new Deadlines(cfg.clientTimeoutMs);
    requireBinaries(cfg.binaries, 'target');
    clientModuleUrl(cfg.client.module, 'target.client.module');
    if (cfg.lifecycle !== undefined) checkLifecycleModule(cfg.lifecycle.module);
    if (cfg.network === 'namespaces' && !usesNamespaces(cfg).ok) {
      throw new UserError(`network: namespaces is not available here: ${usesNamespaces(cfg).why}`, { field: 'target.network' });
    }
    this.lacks = { ...cfg.unsupported };
    const ns = usesNamespaces(cfg);
    if (!ns.ok && cfg.commands.partition === undefined) this.lacks.partition ??= `no network namespaces (${ns.why}) and no partition/heal commands in the target file`;
    this.slots = cfg.nodes.map((n) => ({ name: n.name, vars: n.vars, alive: true, ready: false }));
    this.nodesMgr = new ExternalNodes(cfg, this.slots, this.scheduler, opts.keep === true);
    this.faults = buildFaults(cfg, {
      lifecycle: () => (this.lifecycle === undefined ? undefined : { hooks: this.lifecycle, ctx: this.lifecycleContext() }),
      pending: this.pending,
      nodes: this.nodesMgr,
      scheduler: this.scheduler,
      net: () => this.net,
      leader: () => this.leaderWatch?.current(),
      index: (id) => this.index(id),
    });
  }

  nodes(): NodeId[] {
    return this.slots.map((s) => s.name);
  }

  about(): string[] {
    const where = this.clientNodes().map((n, i) => `${n.name} at ${n.host}${this.net ? ` (netns ${this.net.namespaces[i]})` : ''}`);
    const lines = [`target ${this.name}: ${where.join(', ')}`];
    if (this.dir !== undefined) lines.push(`target ${this.name}: data and logs in ${this.dir}${this.opts.keep ? ' (kept)' : ' (removed at the end; --keep keeps them)'}`);
    return lines;
  }

  pids(): number[] {
    return this.nodesMgr.pids();
  }

  tempDir(): string | undefined {
    return this.dir;
  }

  network(): NetnsCluster | undefined {
    return this.net;
  }

  clientNodes(): ClientNode[] {
    return this.nodesMgr.clientNodes();
  }

  private lifecycleContext(): LifecycleContext {
    const m = this.nodesMgr;
    return {
      nodes: m.clientNodes(),
      settings: this.cfg.settings,
      dir: this.dir ?? '',
      shared: this.shared,
      run: (argv, o = {}) => m.run(argv, `lifecycle${o.node ? ` on ${o.node}` : ''}`, { ...o, node: o.node === undefined ? undefined : this.index(o.node) }),
      startNode: (name) => m.startNode(this.index(name)),
      killNode: (name) => m.kill(this.index(name)),
      isUp: (name) => this.slots[this.index(name)].alive && m.isUp(this.index(name)),
      signal: this.stopping.signal,
    };
  }

  private index(id: NodeId): number {
    const i = this.slots.findIndex((s) => s.name === id);
    if (i < 0) throw new Error(`external target: no node ${JSON.stringify(id)}`);
    return i;
  }

  setup(done: () => void): void {
    runHeld(this.scheduler, () => this.start(), done, () => this.stopAll());
  }

  private async start(): Promise<void> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-ext-'));
    if (!this.opts.keep) ownDir(this.dir);
    if (this.cfg.network !== 'loopback' && usesNamespaces(this.cfg).ok) this.net = await createNetnsCluster(this.slots.length);
    await this.nodesMgr.prepare(this.dir, this.net);
    if (this.cfg.lifecycle !== undefined) this.lifecycle = await loadLifecycle(this.cfg.lifecycle.module);
    if (this.lifecycle?.startAll !== undefined) {
      await this.lifecycle.startAll(this.lifecycleContext());
      this.slots.forEach((s, i) => (s.ready = this.nodesMgr.isUp(i) || !this.nodesMgr.owned));
    } else await this.nodesMgr.startAll();
    this.ext = await openClient(
      this.cfg.client.module,
      { nodes: this.nodesMgr.clientNodes(), workload: this.opts.workload, options: { ...this.cfg.client.options, ...this.cfg.settings }, timeoutMs: this.cfg.clientTimeoutMs, shared: this.shared },
      'target.client.module',
    );
    if (this.cfg.leader === 'client' && typeof this.ext.leader !== 'function') {
      throw new UserError(`leader: client, but the client module ${this.cfg.client.module} has no leader() function`, { field: 'target.leader' });
    }
    this.leaderWatch = startLeaderWatch(this.cfg, this.ext, this.nodesMgr);
    await this.leaderWatch.first();
  }

  client(session: SessionInfo): Client {
    let ops: ExternalSession | undefined;
    return {
      invoke: (op, done: (c: Completion) => void) => {
        if (this.ext === undefined) return this.scheduler.after(0, () => done({ type: 'fail', value: op.value, error: 'client not open' }));
        ops ??= new ExternalSession(
          { client: this.ext, deadlines: this.deadlines, hold: () => this.scheduler.hold(), later: (fn) => this.scheduler.callNow(fn) },
          session,
        );
        ops.invoke(op, done);
      },
    };
  }

  finalRead(key: string, done: (reads: FinalRead[]) => void): void {
    const release = this.scheduler.hold();
    const client = this.ext;
    const timeoutMs = Math.max(FINAL_READ_MIN_MS, this.cfg.clientTimeoutMs);
    const asks = this.slots.map(async (s): Promise<FinalRead | undefined> => {
      if (!s.alive || !s.ready || client === undefined) return undefined;
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const value = await Promise.race([
          client.finalRead(key, s.name, { signal }),
          new Promise<never>((_, rej) => signal.addEventListener('abort', () => rej(new Error('timeout')), { once: true })),
        ]);
        return { node: s.name, completion: { type: 'ok', value, node: s.name } };
      } catch {
        return undefined;
      }
    });
    void Promise.all(asks).then((rs) => {
      this.scheduler.after(0, () => done(rs.filter((r): r is FinalRead => r !== undefined)));
      release();
    });
  }

  teardown(done: () => void): void {
    runHeld(this.scheduler, () => this.stopAll(), done);
  }

  /** Stops everything this target made, in order: leader polling, client, processes, network, temp dir. */
  private async stopAll(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.leaderWatch?.stop();
    this.stopping.abort();
    const problems: string[] = [];
    // Fault work still under way (a heal command after Ctrl-C) finishes before the nodes go.
    await this.pending.settle();
    await this.ext?.close?.().catch((e: Error) => problems.push(`closing the client: ${e.message}`));
    await this.nodesMgr.stopAll();
    await this.net?.destroy().catch((e: Error) => problems.push(e.message));
    this.scheduler.close();
    if (this.dir !== undefined && !this.opts.keep) {
      fs.rmSync(this.dir, { recursive: true, force: true });
      disownDir(this.dir);
      this.dir = undefined;
    }
    if (problems.length) throw new Error(`external target teardown: ${problems.join('; ')}`);
  }
}

export function createExternalTarget(cfg: ExternalTargetConfig, opts: ExternalTargetOptions): ExternalTarget {
  return new External(cfg, opts);
}
