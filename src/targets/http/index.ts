// The http target: a real cluster of replcheck's own node servers (one OS process each on
// 127.0.0.1) running src/replication's state machines, linked through TCP fault proxies in this
// process; clients route like the simulator's (Router), faults are signals, proxies and /admin.

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DesignConfig } from '../../config/types.js';
import { UserError } from '../../errors.js';
import type { Rng } from '../../rng.js';
import { F_READ, R_LEADER, Router, ndKind, type ClientResp, type Route } from '../../replication/index.js';
import { fullCapabilities, type Capabilities, type Client, type Completion, type FinalRead, type FlatFaults, type Invocation, type LagSample, type NodeId, type SessionInfo, type Target } from '../types.js';
import { killAndWait, spawnNodeServer, tailLine, waitExit } from './launcher.js';
import { disownDir, ownDir } from '../real/processes.js';
import { createLinkProxy, type LinkProxy } from '../real/proxy.js';
import { createRealScheduler, runHeld, type RealScheduler } from '../real/scheduler.js';
import { requestJson, type NodeServerConfig, type NodeStatus, type ReadAnswer, type StartBody } from './wire.js';
import { completionFor } from '../client-resp.js';
import { cutLinks } from '../links.js';

export { createRealScheduler, type RealScheduler } from '../real/scheduler.js';
export { createLinkProxy, type LinkProxy } from '../real/proxy.js';

export interface HttpTargetOptions {
  /** Which workload's values the cluster holds: an absent key reads [] (append) or null (register). */
  workload?: 'append' | 'register';
  /** The compiled node server (default: dist/targets/http/node-server.js next to this module). */
  nodeScript?: string;
  /** Extra node flags for the node processes (e.g. --max-old-space-size=256). */
  nodeArgs?: string[];
  /** How long one node may take to listen and answer /admin/status, ms (default 15000). */
  startTimeoutMs?: number;
  /** Status (leader, lag) polling period, ms (default 100). */
  statusPollMs?: number;
  /** Timeout of one peer-to-peer POST /msg, ms (default 1000). */
  peerTimeoutMs?: number;
  /** Most lag samples kept (default 20000; older rounds are thinned out). */
  maxSamples?: number;
}

/** The http target, with a few extra views for tests. */
export interface HttpTarget extends Target {
  faults: Capabilities;
  scheduler: RealScheduler;
  /** PIDs of the node processes currently running (killed ones excluded). */
  pids(): number[];
  /** Every PID this target ever started. */
  allPids(): number[];
  /** Client ports of the nodes (undefined while never started). */
  ports(): (number | undefined)[];
  /** The run-scoped temp dir (configs, durable state), undefined before setup / after teardown. */
  tempDir(): string | undefined;
  /** Problems that did not stop the run (a restart that failed), newest last. */
  errors(): string[];
}

const F_CODES: Record<string, number> = { read: 0, append: 1, write: 2, cas: 3 };
const MAX_REDIRECTS = 3;
const REFUSED_BACKOFF_MS = 20;
const ADMIN_TIMEOUT_MS = 2000;
const MAX_ERRORS = 100;

interface NodeProc {
  name: NodeId;
  child: ChildProcess | undefined;
  port: number | undefined;
  /** Up as far as the faults are concerned (not killed). */
  alive: boolean;
  /** Started and answering (after /admin/start). */
  ready: boolean;
  paused: boolean;
  offsetMs: number;
  incarnation: number;
  status: NodeStatus | undefined;
  polling: boolean;
}

interface PendingOp extends Route {
  id: number;
  f: number;
  key: string;
  value: unknown;
  session: string;
  user: string | undefined;
  hops: number;
  deadlineMs: number;
  finished: boolean;
  timer: NodeJS.Timeout | undefined;
  release: () => void;
  done: (c: Completion) => void;
}

/** The compiled node server: next to this module when running from dist, else dist's copy. */
function defaultNodeScript(): string {
  const here = fileURLToPath(new URL('./node-server.js', import.meta.url));
  if (fs.existsSync(here)) return here;
  const sep = path.sep;
  return here.replace(`${sep}src${sep}targets${sep}http${sep}`, `${sep}dist${sep}targets${sep}http${sep}`);
}

function positiveOption(v: unknown, field: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new UserError(`must be a positive number of milliseconds, got ${JSON.stringify(v)}`, { field: `target.options.${field}` });
  }
  return v;
}

class HttpCluster implements HttpTarget {
  readonly name: string;
  readonly scheduler: RealScheduler = createRealScheduler();
  readonly faults: Capabilities;
  private readonly n: number;
  private readonly procs: NodeProc[];
  private readonly seeds: number[];
  private readonly router: Router;
  private readonly netRng: Rng;
  private readonly script: string;
  private readonly nodeArgs: string[];
  private readonly startTimeoutMs: number;
  private readonly statusPollMs: number;
  private readonly peerTimeoutMs: number;
  private readonly maxSamples: number;
  private readonly emptyRead: () => unknown;
  private readonly clientAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly adminAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private proxies: (LinkProxy | undefined)[] = [];
  /** cut[from * n + to] === 1 while a partition cuts that link. */
  private cut: Uint8Array;
  private dir: string | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private nextReq = 1;
  private samples: LagSample[] = [];
  private sampleEvery = 1;
  private sampleRound = 0;
  private readonly started: number[] = [];
  private readonly problems: string[] = [];

  constructor(
    private readonly cfg: DesignConfig,
    rng: Rng,
    opts: HttpTargetOptions,
  ) {
    const n = cfg.nodes;
    if (!Number.isInteger(n) || n < 1) throw new UserError(`must be a positive integer, got ${n}`, { field: 'target.nodes' });
    if (cfg.datacenters !== undefined) throw new UserError('datacenters are simulated by the memory target only (type: memory)', { field: 'target.datacenters' });
    this.n = n;
    this.name = cfg.name;
    const o = cfg.options ?? {};
    this.script = opts.nodeScript ?? (typeof o.nodeScript === 'string' ? o.nodeScript : defaultNodeScript());
    this.nodeArgs = opts.nodeArgs ?? [];
    this.startTimeoutMs = opts.startTimeoutMs ?? positiveOption(o.startTimeoutMs, 'startTimeoutMs', 15000);
    this.statusPollMs = opts.statusPollMs ?? positiveOption(o.statusPollMs, 'statusPollMs', 100);
    this.peerTimeoutMs = opts.peerTimeoutMs ?? positiveOption(o.peerTimeoutMs, 'peerTimeoutMs', 1000);
    this.maxSamples = opts.maxSamples ?? 20000;
    const kind = opts.workload ?? (o.workload === 'register' ? 'register' : 'append');
    this.emptyRead = kind === 'register' ? () => null : () => [];
    this.router = new Router(cfg, n, rng.fork());
    this.netRng = rng.fork();
    this.seeds = Array.from({ length: n }, () => rng.u32());
    this.cut = new Uint8Array(n * n);
    this.procs = Array.from({ length: n }, (_, i) => ({
      name: `n${i + 1}`,
      child: undefined,
      port: undefined,
      alive: true,
      ready: false,
      paused: false,
      offsetMs: 0,
      incarnation: 0,
      status: undefined,
      polling: false,
    }));
    this.faults = this.makeFaults();
  }

  // ---- Target ----

  setup(done: () => void): void {
    runHeld(this.scheduler, () => this.startCluster(), done, () => this.stopAll());
  }

  teardown(done: () => void): void {
    runHeld(this.scheduler, () => this.stopAll(), done);
  }

  client(session: SessionInfo): Client {
    const sess = session.session ?? String(session.process);
    const user = session.user;
    return { invoke: (op: Invocation, done: (c: Completion) => void) => this.invoke(op, sess, user, done) };
  }

  finalRead(key: string, done: (reads: FinalRead[]) => void): void {
    const release = this.scheduler.hold();
    const timeoutMs = Math.max(ADMIN_TIMEOUT_MS, this.cfg.clientTimeoutMs);
    const asks = this.procs.map(async (nd): Promise<FinalRead | undefined> => {
      if (!nd.alive || !nd.ready || nd.port === undefined) return undefined;
      try {
        const ans = await requestJson(this.adminAgent, nd.port, 'GET', `/admin/read?key=${encodeURIComponent(key)}`, undefined, timeoutMs);
        if (ans.status !== 200) return undefined;
        const r = ans.body as ReadAnswer;
        return { node: nd.name, completion: { type: 'ok', value: r.absent ? this.emptyRead() : r.value, node: nd.name } };
      } catch {
        return undefined;
      }
    });
    void Promise.all(asks).then((rs) => {
      const reads = rs.filter((r): r is FinalRead => r !== undefined);
      this.scheduler.after(0, () => done(reads));
      release();
    });
  }

  nodes(): NodeId[] {
    return this.procs.map((nd) => nd.name);
  }

  lagSamples(): LagSample[] {
    return this.samples;
  }

  pids(): number[] {
    return this.procs.filter((nd) => nd.alive && nd.child?.pid !== undefined).map((nd) => nd.child!.pid!);
  }

  allPids(): number[] {
    return this.started.slice();
  }

  ports(): (number | undefined)[] {
    return this.procs.map((nd) => nd.port);
  }

  tempDir(): string | undefined {
    return this.dir;
  }

  errors(): string[] {
    return this.problems.slice();
  }

  // ---- processes ----

  private async startCluster(): Promise<void> {
    if (!fs.existsSync(this.script)) {
      throw new UserError(`node server not found at ${this.script} (build it first: npm run build)`, { field: 'target.options.nodeScript' });
    }
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-http-'));
    ownDir(this.dir);
    const n = this.n;
    this.proxies = new Array<LinkProxy | undefined>(n * n).fill(undefined);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const target = this.procs[j];
        this.proxies[i * n + j] = await createLinkProxy(() => (target.alive ? target.port : undefined), {
          latencyMs: this.cfg.latencyMs,
          random: () => this.netRng.float(),
        });
      }
    }
    await Promise.all(this.procs.map((_, i) => this.launch(i, 0)));
    for (let i = 0; i < n; i++) await this.startNode(i, i === 0);
    this.pollTimer = setInterval(() => this.poll(), this.statusPollMs);
    this.pollTimer.unref();
  }

  private nodeConfig(i: number, port: number): NodeServerConfig {
    const n = this.n;
    return {
      id: i,
      n,
      seed: (this.seeds[i] + Math.imul(this.procs[i].incarnation, 0x9e3779b9)) >>> 0,
      target: this.cfg,
      peerPorts: Array.from({ length: n }, (_, j) => (j === i ? -1 : this.proxies[i * n + j]!.port)),
      port,
      stateFile: path.join(this.dir!, `n${i + 1}.log`),
      peerTimeoutMs: this.peerTimeoutMs,
      maxQueuedPerPeer: 10000,
      maxPendingClients: 10000,
    };
  }

  /** Spawns node i and waits until it listens and answers /admin/status; a taken port falls back to 0. */
  private async launch(i: number, port: number): Promise<void> {
    try {
      await this.launchOnce(i, port);
    } catch (e) {
      if (port === 0 || this.closed) throw e;
      await this.launchOnce(i, 0);
    }
  }

  private async launchOnce(i: number, port: number): Promise<void> {
    const nd = this.procs[i];
    const file = path.join(this.dir!, `n${i + 1}.config.json`);
    fs.writeFileSync(file, JSON.stringify(this.nodeConfig(i, port)));
    nd.port = undefined;
    nd.port = await spawnNodeServer({
      name: nd.name,
      id: i,
      script: this.script,
      nodeArgs: this.nodeArgs,
      configFile: file,
      startTimeoutMs: this.startTimeoutMs,
      agent: this.adminAgent,
      onSpawn: (child) => {
        nd.child = child;
        if (child.pid !== undefined) this.started.push(child.pid);
      },
      onExit: (child, why, stderr, wasReady) => {
        if (nd.child !== child) return;
        // alive here means nobody killed it on purpose: a crash (a bug in the node) or an outside kill
        if (wasReady && nd.alive && !this.closed) {
          nd.alive = false;
          nd.paused = false;
          nd.incarnation++;
          const tail = tailLine(stderr);
          this.problem(`node ${nd.name} (pid ${child.pid}) exited unexpectedly (${why})${tail ? `: ${tail}` : ''}`);
        }
        nd.ready = false;
        nd.status = undefined;
      },
    });
  }

  private async startNode(i: number, initialLeader: boolean): Promise<void> {
    const nd = this.procs[i];
    const body: StartBody = { initialLeader, offsetMs: nd.offsetMs };
    const ans = await requestJson(this.adminAgent, nd.port!, 'POST', '/admin/start', body, ADMIN_TIMEOUT_MS);
    if (ans.status !== 200) throw new UserError(`node ${nd.name} could not start: /admin/start answered ${ans.status}`, { field: 'target' });
    nd.status = ans.body as NodeStatus;
    nd.ready = true;
  }

  /** Kills every process (SIGCONT first for paused ones), waits for their exit, closes proxies, removes the dir. */
  private async stopAll(): Promise<void> {
    this.closed = true;
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    const exits: Promise<void>[] = [];
    for (const nd of this.procs) {
      const child = nd.child;
      nd.alive = false;
      nd.ready = false;
      if (child === undefined || child.pid === undefined) continue;
      exits.push(killAndWait(child));
    }
    await Promise.all(exits);
    await Promise.all(this.proxies.map((p) => p?.close()));
    this.clientAgent.destroy();
    this.adminAgent.destroy();
    if (this.dir !== undefined) {
      fs.rmSync(this.dir, { recursive: true, force: true });
      disownDir(this.dir);
      this.dir = undefined;
    }
  }

  // ---- status polling: leader(), lag samples ----

  private poll(): void {
    if (this.closed) return;
    const t = this.scheduler.nowNs();
    const round: LagSample[] = [];
    let outstanding = 0;
    const record = (): void => {
      if (--outstanding > 0) return;
      if (this.sampleRound++ % this.sampleEvery === 0) for (const s of round) this.samples.push(s);
      if (this.samples.length > this.maxSamples) {
        const times: number[] = [];
        for (const s of this.samples) if (times.length === 0 || times[times.length - 1] !== s.timeNs) times.push(s.timeNs);
        const keep = new Set(times.filter((_, k) => k % 2 === 0));
        this.samples = this.samples.filter((s) => keep.has(s.timeNs));
        this.sampleEvery *= 2;
      }
    };
    for (const nd of this.procs) {
      if (!nd.alive || !nd.ready || nd.paused || nd.polling || nd.port === undefined) continue;
      nd.polling = true;
      outstanding++;
      const inc = nd.incarnation;
      requestJson(this.adminAgent, nd.port, 'GET', '/admin/status', undefined, Math.max(500, this.statusPollMs * 5))
        .then((ans) => {
          if (ans.status !== 200 || !nd.alive || nd.incarnation !== inc || this.closed) return;
          const s = ans.body as NodeStatus;
          nd.status = s;
          round.push({ timeNs: t, node: nd.name, lagMs: s.lagMs });
        })
        .catch(() => {})
        .finally(() => {
          nd.polling = false;
          record();
        });
    }
  }

  // ---- clients ----

  private visible(v: unknown): unknown {
    return v === undefined || v === null ? this.emptyRead() : v;
  }

  private invoke(op: Invocation, session: string, user: string | undefined, done: (c: Completion) => void): void {
    const f = F_CODES[op.f];
    if (f === undefined) {
      this.scheduler.after(0, () => done({ type: 'fail', value: op.value, error: `unknown operation ${op.f}` }));
      return;
    }
    const p: PendingOp = {
      node: 0,
      route: 0,
      minIndex: 0,
      maxLagMs: 0,
      id: this.nextReq++,
      f,
      key: op.key,
      value: op.value,
      session,
      user,
      hops: 0,
      deadlineMs: performance.now() + this.cfg.clientTimeoutMs,
      finished: false,
      timer: undefined,
      release: this.scheduler.hold(),
      done,
    };
    this.router.route(f, session, user, p, op.key, this.scheduler.nowNs() / 1e6);
    p.timer = setTimeout(() => this.timedOut(p), this.cfg.clientTimeoutMs);
    this.attempt(p);
  }

  private attempt(p: PendingOp): void {
    if (p.finished) return;
    const port = this.procs[p.node].port;
    if (port === undefined) return this.refused(p, 'node not running');
    const body = {
      id: p.id,
      f: p.f,
      key: p.key,
      value: p.value,
      nd: p.f === 1 ? ndKind(p.value) : 0,
      route: p.route,
      minIndex: p.minIndex,
      maxLagMs: p.maxLagMs,
    };
    const remainingMs = Math.max(1, p.deadlineMs - performance.now());
    requestJson(this.clientAgent, port, 'POST', '/client', body, remainingMs).then(
      (ans) => this.answered(p, ans.status, ans.body),
      (e: Error & { code?: string }) => {
        if (p.finished) return;
        if (e.code === 'ECONNREFUSED') return this.refused(p, 'connection refused');
        if (e.code === 'ETIMEDOUT') return this.timedOut(p);
        this.indeterminate(p, `connection lost (${e.code ?? e.message})`);
      },
    );
  }

  private finish(p: PendingOp, c: Completion): void {
    if (p.finished) return;
    p.finished = true;
    if (p.timer !== undefined) clearTimeout(p.timer);
    this.scheduler.after(0, () => p.done(c));
    p.release();
  }

  private timedOut(p: PendingOp): void {
    if (p.finished) return;
    this.router.timedOut(p.node);
    const node = this.procs[p.node].name;
    if (p.f === F_READ) this.finish(p, { type: 'fail', value: p.value, node, error: 'timeout' });
    else this.finish(p, { type: 'info', value: p.value, node, error: 'timeout' });
  }

  /** The request may have been applied (the connection broke after it was sent). */
  private indeterminate(p: PendingOp, error: string): void {
    const node = this.procs[p.node].name;
    if (p.f === F_READ) this.finish(p, { type: 'fail', value: p.value, node, error });
    else this.finish(p, { type: 'info', value: p.value, node, error });
  }

  /** The request certainly did not reach the state machine: try the next node, or fail. */
  private refused(p: PendingOp, error: string): void {
    const node = this.procs[p.node].name;
    if (p.hops >= MAX_REDIRECTS || performance.now() + REFUSED_BACKOFF_MS >= p.deadlineMs) {
      this.finish(p, { type: 'fail', value: p.value, node, error });
      return;
    }
    p.hops++;
    this.router.timedOut(p.node);
    if (this.cfg.topology === 'single-leader' && p.route === R_LEADER) p.node = this.router.leaderHint;
    else p.node = (p.node + 1) % this.n;
    setTimeout(() => this.attempt(p), REFUSED_BACKOFF_MS);
  }

  private answered(p: PendingOp, status: number, body: unknown): void {
    if (p.finished) return;
    if (status === 503) {
      const error = (body as { error?: string } | undefined)?.error ?? 'unavailable';
      return this.refused(p, error);
    }
    if (status !== 200) {
      const error = (body as { error?: string } | undefined)?.error ?? `http ${status}`;
      return this.indeterminate(p, error);
    }
    const r = body as ClientResp;
    const c = completionFor(r, p, {
      router: this.router,
      topology: this.cfg.topology,
      maxRedirects: MAX_REDIRECTS,
      nodeName: this.procs[r.node]?.name ?? this.procs[p.node].name,
      visible: (v) => this.visible(v),
      nowMs: () => this.scheduler.nowNs() / 1e6,
    });
    if (c !== undefined) this.finish(p, c);
    else this.attempt(p);
  }

  // ---- faults ----

  private index(id: NodeId): number {
    const i = this.procs.findIndex((nd) => nd.name === id);
    if (i < 0) throw new Error(`http target: no node ${JSON.stringify(id)} (nodes are ${this.procs.map((nd) => nd.name).join(', ')})`);
    return i;
  }

  private problem(msg: string): void {
    this.problems.push(msg);
    if (this.problems.length > MAX_ERRORS) this.problems.shift();
  }

  private signal(nd: NodeProc, sig: NodeJS.Signals): void {
    const pid = nd.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, sig);
    } catch (e) {
      this.problem(`${sig} ${nd.name} (pid ${pid}): ${(e as Error).message}`);
    }
  }

  private admin(nd: NodeProc, path: string, body: unknown): void {
    if (nd.port === undefined || !nd.ready) return;
    const release = this.scheduler.hold();
    requestJson(this.adminAgent, nd.port, 'POST', path, body, ADMIN_TIMEOUT_MS)
      .catch((e: Error) => this.problem(`${path} ${nd.name}: ${e.message}`))
      .finally(release);
  }

  private applyGroups(): void {
    const n = this.n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const px = this.proxies[i * n + j];
        if (px === undefined) continue;
        if (this.cut[i * n + j] === 0) px.restore();
        else px.cut();
      }
    }
  }

  private makeFaults(): Capabilities {
    const flat: FlatFaults = {
      leader: () => {
        let best: NodeProc | undefined;
        for (const nd of this.procs) {
          const s = nd.status;
          if (!nd.alive || !nd.ready || s === undefined || !s.isLeader) continue;
          if (best === undefined || s.term > best.status!.term) best = nd;
        }
        return best?.name;
      },
      kill: (id) => {
        const nd = this.procs[this.index(id)];
        if (!nd.alive || this.closed) return;
        nd.alive = false;
        nd.ready = false;
        nd.paused = false;
        nd.status = undefined;
        nd.incarnation++;
        this.signal(nd, 'SIGKILL');
      },
      restart: (id) => {
        const i = this.index(id);
        const nd = this.procs[i];
        if (nd.alive || this.closed) return;
        nd.alive = true;
        nd.incarnation++;
        const inc = nd.incarnation;
        const port = nd.port ?? 0;
        const release = this.scheduler.hold();
        const old = nd.child;
        (old !== undefined ? waitExit(old, 2000) : Promise.resolve())
          .then(() => (this.closed ? undefined : this.launch(i, port)))
          .then(() => {
            // Torn down while it started (a heal after Ctrl-C): it must not outlive the teardown.
            if (this.closed) return nd.child !== undefined ? killAndWait(nd.child) : undefined;
            if (nd.incarnation !== inc) return;
            return this.startNode(i, false);
          })
          .catch((e: Error) => {
            if (nd.incarnation !== inc || this.closed) return; // killed again (or torn down) meanwhile
            nd.alive = false;
            this.problem(`restart ${nd.name}: ${e.message}`);
          })
          .finally(release);
      },
      partition: (groups) => {
        this.cut = cutLinks(this.n, groups, (id) => this.index(id));
        this.applyGroups();
      },
      heal: () => {
        this.cut.fill(0);
        this.applyGroups();
      },
      skewClock: (id, offsetMs) => {
        const nd = this.procs[this.index(id)];
        nd.offsetMs = offsetMs;
        if (nd.alive) this.admin(nd, '/admin/skew', { offsetMs });
      },
      pause: (id) => {
        const nd = this.procs[this.index(id)];
        // A node still restarting is not paused: a frozen start-up would only time out.
        if (!nd.alive || !nd.ready || nd.paused) return;
        nd.paused = true;
        this.signal(nd, 'SIGSTOP');
      },
      resume: (id) => {
        const nd = this.procs[this.index(id)];
        if (!nd.alive || !nd.paused) return;
        nd.paused = false;
        this.signal(nd, 'SIGCONT');
      },
    };
    return fullCapabilities(flat, () => this.samples);
  }
}

/** A real cluster of cfg.nodes node-server processes on 127.0.0.1 (see the module header). */
export function createHttpTarget(cfg: DesignConfig, rng: Rng, opts: HttpTargetOptions = {}): HttpTarget {
  return new HttpCluster(cfg, rng, opts);
}
