// The memory target: a deterministic discrete-event simulation of a replicated cluster on virtual
// time. Nodes run src/replication's state machines; the network has latency, FIFO links, drops
// across partitions; faults (kill/restart/pause/resume/partition/skew) are synchronous calls.

import type { DesignConfig } from '../../config/types.js';
import type { Rng } from '../../rng.js';
import {
  fullCapabilities,
  type Capabilities,
  type Client,
  type FlatFaults,
  type Target,
  type Completion,
  type FinalRead,
  type Invocation,
  type LagSample,
  type NodeId,
  type SessionInfo,
} from '../types.js';
import {
  F_READ,
  M_REQ,
  M_RESP,
  TIMER_SLOTS,
  createNode,
  heartbeatMs,
  ndKind,
  Router,
  SingleLeaderNode,
  type ClientReq,
  type ClientResp,
  type Msg,
  type NodeEnv,
  type ReplicaNode,
  type Route,
} from '../../replication/index.js';
import { type Ev, K_CLIENT_TIMEOUT, K_MSG, K_PROBE, K_SAMPLE, K_TIMER, KIND_NAMES, SimScheduler } from './scheduler.js';
import { completionFor, type RespContext } from '../client-resp.js';
import { placeSites, type Sites } from '../../replication/datacenters.js';
import { cutLinks } from '../links.js';

export { SimScheduler } from './scheduler.js';

export interface MemoryTargetOptions {
  /** Which workload's values the cluster holds: an absent key reads [] (append) or null (register). */
  workload?: 'append' | 'register';
  /** Lag sampling period of virtual time, ms (default 100). */
  sampleEveryMs?: number;
  /** Most lag samples kept (default 20000; older ones are thinned out). */
  maxSamples?: number;
}

export interface SimStats {
  nowNs: number;
  eventsByKind: Record<string, number>;
  messagesSent: number;
  messagesDropped: number;
  messagesByType: Record<string, number>;
}

/** The memory target, with a few extra views for tests and benchmarks. */
export interface MemoryTarget extends Target {
  faults: Capabilities;
  scheduler: SimScheduler;
  stats(): SimStats;
  lagSamples(): LagSample[];
  /** The state machine currently running as node i (0-based), undefined while it is down. */
  replica(i: number): ReplicaNode | undefined;
  /** Test view (read-only): whether messages from node `from` to node `to` are delivered now (no partition cut on that link). */
  reachable(from: NodeId, to: NodeId): boolean;
  /** Test view (read-only): node i's wall clock as its state machine reads it (virtual now plus its skew), ns. */
  wallClockNs(i: number): number;
}

const F_CODES: Record<string, number> = { read: 0, append: 1, write: 2, cas: 3 };
const MSG_NAMES = ['?', 'req', 'resp', 'append', 'append-resp', 'vote', 'vote-resp', 'lww-put', 'lww-put-resp', 'lww-get', 'lww-get-resp', 'ml-ship', 'ml-ack'];

/** A client op in flight; it is also the request message itself (one object per op). */
interface PendingOp extends Route {
  t: typeof M_REQ;
  id: number;
  nd: number;
  ctx: unknown;
  f: number;
  fName: string;
  key: string;
  value: unknown;
  session: string;
  user: string | undefined;
  /** The router of the client's datacenter (the only one without datacenters) and its address. */
  rt: Router;
  addr: number;
  done: (c: Completion) => void;
  hops: number;
  deadlineNs: number;
  finished: boolean;
  /** Its slot in the deadline ring while it is in flight. */
  slot: number;
}

class NodeEnvImpl implements NodeEnv {
  constructor(
    private readonly sim: Cluster,
    readonly id: number,
    readonly n: number,
    readonly rng: Rng,
  ) {}
  monoNs(): number {
    return this.sim.sched.nowNs();
  }
  wallNs(): number {
    return this.sim.sched.nowNs() + this.sim.offsetNs[this.id];
  }
  send(to: number, msg: Msg): void {
    this.sim.send(this.id, to, msg);
  }
  setTimer(slot: number, delayNs: number): void {
    this.sim.setTimer(this.id, slot, delayNs);
  }
  clearTimer(slot: number): void {
    this.sim.clearTimer(this.id, slot);
  }
}

class Cluster implements MemoryTarget {
  readonly name: string;
  readonly sched = new SimScheduler();
  readonly scheduler = this.sched;
  readonly offsetNs: number[];
  private readonly n: number;
  private readonly names: string[];
  private readonly envs: NodeEnvImpl[];
  private readonly replicas: (ReplicaNode | undefined)[];
  private readonly durables: unknown[];
  private readonly alive: boolean[];
  private readonly paused: boolean[];
  private readonly pausedQueue: { from: number; msg: Msg }[][];
  private readonly incarnation: number[];
  /** cut[from * n + to] === 1 while a partition drops messages on that link. */
  private cut: Uint8Array;
  private readonly linkLastNs: number[];
  private readonly timerEv: (Ev | undefined)[];
  private readonly frozenNs: number[];
  private readonly netRng: Rng;
  private readonly router: Router;
  /** One router per datacenter (routers[0] is `router`); clients of datacenter d talk from address n + d. */
  private readonly routers: Router[];
  private readonly sites: Sites | undefined;
  private readonly latLoNs: number;
  private readonly latHiNs: number;
  private readonly dcLoNs: number;
  private readonly dcHiNs: number;
  private readonly clientTimeoutNs: number;
  /** Redirects an op follows before it fails (enough to walk once around the cluster). */
  private readonly maxRedirects: number;
  private readonly probeEveryNs: number;
  private nextReq = 1;
  /**
   * Ops in flight in invoke order, which is deadline order (the timeout is the same for every op):
   * a ring of the ops (each holds its deadline), one timer for the head. A finished op leaves its slot at once (it is
   * not kept alive until its deadline), and no map by id is kept: the op knows its slot.
   */
  private ringOps: (PendingOp | undefined)[] = new Array<PendingOp | undefined>(1024).fill(undefined);
  private ringHead = 0;
  private ringLen = 0;
  private deadlineTimer: Ev | undefined;
  private readonly emptyRead: () => unknown;
  private closed = false;
  private samples: LagSample[] = [];
  private sampleEveryNs: number;
  private readonly maxSamples: number;
  private messagesSent = 0;
  private messagesDropped = 0;
  private readonly msgCounts = new Array<number>(MSG_NAMES.length).fill(0);
  readonly faults: Capabilities;

  constructor(
    private readonly cfg: DesignConfig,
    rng: Rng,
    opts: MemoryTargetOptions,
  ) {
    const n = cfg.nodes;
    if (!Number.isInteger(n) || n < 1) throw new Error(`memory target: nodes must be a positive integer, got ${n}`);
    this.n = n;
    this.name = cfg.name;
    this.names = Array.from({ length: n }, (_, i) => `n${i + 1}`);
    this.offsetNs = new Array<number>(n).fill(0);
    this.netRng = rng.fork();
    this.sites = cfg.datacenters !== undefined ? placeSites(cfg.datacenters, n) : undefined;
    this.router = new Router(cfg, n, rng.fork(), this.sites?.local[0]);
    this.envs = this.names.map((_, i) => new NodeEnvImpl(this, i, n, rng.fork()));
    // Forked after everything else, so a design without datacenters draws exactly as before.
    this.routers = [this.router];
    for (let d = 1; d < (this.sites?.count ?? 1); d++) this.routers.push(new Router(cfg, n, rng.fork(), this.sites!.local[d]));
    this.replicas = new Array<ReplicaNode | undefined>(n).fill(undefined);
    this.durables = new Array<unknown>(n).fill(undefined);
    this.alive = new Array<boolean>(n).fill(true);
    this.paused = new Array<boolean>(n).fill(false);
    this.pausedQueue = this.names.map(() => []);
    this.incarnation = new Array<number>(n).fill(0);
    this.cut = new Uint8Array(n * n);
    this.linkLastNs = new Array<number>(n * n).fill(0);
    this.timerEv = new Array<Ev | undefined>(n * TIMER_SLOTS).fill(undefined);
    this.frozenNs = new Array<number>(n * TIMER_SLOTS).fill(-1);
    this.latLoNs = Math.max(0, cfg.latencyMs[0]) * 1e6;
    this.latHiNs = Math.max(cfg.latencyMs[0], cfg.latencyMs[1]) * 1e6;
    const dcLat = cfg.datacenters?.latencyMs ?? cfg.latencyMs;
    this.dcLoNs = Math.max(0, dcLat[0]) * 1e6;
    this.dcHiNs = Math.max(dcLat[0], dcLat[1]) * 1e6;
    this.clientTimeoutNs = cfg.clientTimeoutMs * 1e6;
    this.maxRedirects = Math.max(3, n);
    this.probeEveryNs = heartbeatMs(cfg) * 1e6;
    const kind = opts.workload ?? (cfg.options?.workload === 'register' ? 'register' : 'append');
    this.emptyRead = kind === 'register' ? () => null : () => [];
    this.sampleEveryNs = (opts.sampleEveryMs ?? 100) * 1e6;
    this.maxSamples = opts.maxSamples ?? 20000;
    this.sched.dispatch = (ev) => this.dispatch(ev);
    for (let i = 0; i < n; i++) this.replicas[i] = createNode(cfg, this.envs[i]);
    this.faults = this.makeFaults();
  }

  // ---- Target ----

  setup(done: () => void): void {
    for (let i = 0; i < this.n; i++) this.replicas[i]!.start();
    const first = this.replicas[0];
    if (first instanceof SingleLeaderNode) first.initialLeader();
    this.sched.schedule(this.sampleEveryNs, K_SAMPLE, 0, 0, 0, undefined);
    if (this.cfg.topology === 'single-leader') this.sched.schedule(this.probeEveryNs, K_PROBE, 0, 0, 0, undefined);
    this.sched.after(0, done);
  }

  teardown(done: () => void): void {
    this.closed = true;
    for (let i = 0; i < this.n; i++) this.replicas[i]?.close();
    this.sched.after(0, done);
  }

  client(session: SessionInfo): Client {
    const sess = session.session ?? String(session.process);
    const user = session.user;
    const site = this.sites?.siteOf(sess, user) ?? 0;
    const rt = this.routers[site];
    const addr = this.n + site;
    return { invoke: (op: Invocation, done: (c: Completion) => void) => this.invoke(op, sess, user, done, rt, addr) };
  }

  finalRead(key: string, done: (reads: FinalRead[]) => void): void {
    this.sched.after(0, () => {
      const reads: FinalRead[] = [];
      for (let i = 0; i < this.n; i++) {
        const node = this.replicas[i];
        if (!this.alive[i] || node === undefined) continue;
        if (node.holds !== undefined && !node.holds(key)) continue; // leaderless: not one of key's replicas
        reads.push({ node: this.names[i], completion: { type: 'ok', value: this.visible(node.readLocal(key)), node: this.names[i] } });
      }
      done(reads);
    });
  }

  nodes(): NodeId[] {
    return this.names.slice();
  }

  lagSamples(): LagSample[] {
    return this.samples;
  }

  replica(i: number): ReplicaNode | undefined {
    return this.alive[i] ? this.replicas[i] : undefined;
  }

  reachable(from: NodeId, to: NodeId): boolean {
    return this.cut[this.index(from) * this.n + this.index(to)] === 0;
  }

  wallClockNs(i: number): number {
    return this.envs[i].wallNs();
  }

  stats(): SimStats {
    const eventsByKind: Record<string, number> = {};
    KIND_NAMES.forEach((k, i) => (eventsByKind[k] = this.sched.counts[i]));
    const messagesByType: Record<string, number> = {};
    MSG_NAMES.forEach((k, i) => {
      if (this.msgCounts[i] > 0) messagesByType[k] = this.msgCounts[i];
    });
    return { nowNs: this.sched.nowNs(), eventsByKind, messagesSent: this.messagesSent, messagesDropped: this.messagesDropped, messagesByType };
  }

  // ---- network ----

  send(from: number, to: number, msg: Msg): void {
    this.messagesSent++;
    this.msgCounts[msg.t]++;
    const lat = this.latencyNs(from, to);
    const now = this.sched.nowNs();
    if (to >= this.n) {
      // to a client (clients are never partitioned)
      this.sched.message(now + lat, to, from, 0, msg);
      return;
    }
    if (from >= this.n) {
      this.sched.message(now + lat, to, from, this.incarnation[to], msg);
      return;
    }
    // node to node: FIFO per link (TCP)
    const link = from * this.n + to;
    let at = now + lat;
    if (at < this.linkLastNs[link]) at = this.linkLastNs[link];
    this.linkLastNs[link] = at;
    this.sched.message(at, to, from, this.incarnation[to], msg);
  }

  /** One-way latency of a message, ns: within a datacenter latencyMs, between two datacenters.latencyMs. */
  private latencyNs(from: number, to: number): number {
    let lo = this.latLoNs;
    let hi = this.latHiNs;
    const sites = this.sites;
    if (sites !== undefined) {
      const a = from >= this.n ? from - this.n : sites.nodeSite[from];
      const b = to >= this.n ? to - this.n : sites.nodeSite[to];
      if (a !== b) {
        lo = this.dcLoNs;
        hi = this.dcHiNs;
      }
    }
    return Math.round(hi > lo ? this.netRng.between(lo, hi) : lo);
  }

  private dispatch(ev: Ev): void {
    switch (ev.k) {
      case K_MSG:
        this.deliver(ev.a, ev.b, ev.c, ev.x as Msg);
        break;
      case K_TIMER: {
        const node = ev.a;
        const slot = ev.b;
        const idx = node * TIMER_SLOTS + slot;
        if (this.timerEv[idx] !== ev) return;
        this.timerEv[idx] = undefined;
        this.replicas[node]?.onTimer(slot);
        break;
      }
      case K_CLIENT_TIMEOUT:
        this.clientTimeouts();
        break;
      case K_SAMPLE:
        this.sample();
        break;
      case K_PROBE:
        this.probe();
        break;
    }
  }

  private deliver(to: number, from: number, inc: number, msg: Msg): void {
    if (to >= this.n) {
      this.onClientResp(msg as ClientResp);
      return;
    }
    if (!this.alive[to] || this.incarnation[to] !== inc) {
      this.messagesDropped++;
      return;
    }
    if (from < this.n && this.cut[from * this.n + to] === 1) {
      this.messagesDropped++;
      return;
    }
    if (this.paused[to]) {
      this.pausedQueue[to].push({ from, msg });
      return;
    }
    this.replicas[to]!.onMessage(from, msg);
  }

  // ---- node timers (frozen while the node is paused) ----

  setTimer(node: number, slot: number, delayNs: number): void {
    const idx = node * TIMER_SLOTS + slot;
    const old = this.timerEv[idx];
    if (old !== undefined) old.cancel();
    if (this.closed) {
      this.timerEv[idx] = undefined;
      return;
    }
    this.timerEv[idx] = this.sched.schedule(Math.max(0, delayNs), K_TIMER, node, slot, 0, undefined);
  }

  clearTimer(node: number, slot: number): void {
    const idx = node * TIMER_SLOTS + slot;
    const old = this.timerEv[idx];
    if (old !== undefined) old.cancel();
    this.timerEv[idx] = undefined;
  }

  private clearAllTimers(node: number): void {
    for (let s = 0; s < TIMER_SLOTS; s++) {
      this.clearTimer(node, s);
      this.frozenNs[node * TIMER_SLOTS + s] = -1;
    }
  }

  // ---- clients ----

  private visible(v: unknown): unknown {
    return v === undefined ? this.emptyRead() : v;
  }

  private invoke(op: Invocation, session: string, user: string | undefined, done: (c: Completion) => void, rt: Router, addr: number): void {
    const f = F_CODES[op.f];
    if (f === undefined) {
      this.sched.after(0, () => done({ type: 'fail', value: op.value, error: `unknown operation ${op.f}` }));
      return;
    }
    const p: PendingOp = {
      t: M_REQ,
      nd: f === 1 ? ndKind(op.value) : 0,
      ctx: undefined,
      node: 0,
      route: 0,
      minIndex: 0,
      maxLagMs: 0,
      id: this.nextReq++,
      f,
      fName: op.f,
      key: op.key,
      value: op.value,
      session,
      user,
      rt,
      addr,
      done,
      hops: 0,
      deadlineNs: this.sched.nowNs() + this.clientTimeoutNs,
      finished: false,
      slot: -1,
    };
    p.ctx = p;
    rt.route(f, session, user, p, op.key, this.sched.nowNs() / 1e6);
    this.ringPush(p);
    if (this.deadlineTimer === undefined) this.deadlineTimer = this.sched.scheduleAt(p.deadlineNs, K_CLIENT_TIMEOUT, 0, 0, 0, undefined);
    this.sendReq(p);
  }

  private sendReq(p: PendingOp): void {
    // The op object doubles as the request (nodes only read the ClientReq fields and never keep it).
    this.send(p.addr, p.node, p as unknown as ClientReq);
  }

  private finish(p: PendingOp, c: Completion): void {
    p.finished = true;
    if (this.ringOps[p.slot] === p) this.ringOps[p.slot] = undefined;
    p.done(c);
  }

  private onClientResp(r: ClientResp): void {
    if (r.t !== M_RESP) return;
    const p = r.ctx as PendingOp;
    if (p.finished) return; // timed out already
    const c = completionFor(r, p, this.respCtx(r.node, p.rt));
    if (c !== undefined) this.finish(p, c);
    else this.sendReq(p);
  }

  private rctx: RespContext | undefined;

  /** One reused context per target (the hot path allocates nothing per answer). */
  private respCtx(node: number, router: Router): RespContext {
    const ctx = (this.rctx ??= {
      router,
      topology: this.cfg.topology,
      maxRedirects: this.maxRedirects,
      nodeName: '',
      visible: (v) => this.visible(v),
      nowMs: () => this.sched.nowNs() / 1e6,
    });
    ctx.router = router;
    ctx.nodeName = this.names[node];
    return ctx;
  }

  private ringPush(p: PendingOp): void {
    const cap = this.ringOps.length;
    if (this.ringLen === cap) {
      const ops = new Array<PendingOp | undefined>(cap * 2).fill(undefined);
      for (let i = 0; i < this.ringLen; i++) {
        const j = (this.ringHead + i) % cap;
        const q = this.ringOps[j];
        ops[i] = q;
        if (q !== undefined) q.slot = i;
      }
      this.ringOps = ops;
      this.ringHead = 0;
    }
    const j = (this.ringHead + this.ringLen) % this.ringOps.length;
    this.ringOps[j] = p;
    p.slot = j;
    this.ringLen++;
  }

  /** The deadline timer fired: time out every op in flight whose deadline has come. */
  private clientTimeouts(): void {
    this.deadlineTimer = undefined;
    const now = this.sched.nowNs();
    while (this.ringLen > 0) {
      const p = this.ringOps[this.ringHead];
      if (p !== undefined) {
        if (p.deadlineNs > now) break;
        p.rt.timedOut(p.node);
        const node = this.names[p.node];
        if (p.f === F_READ) this.finish(p, { type: 'fail', value: p.value, node, error: 'timeout' });
        else this.finish(p, { type: 'info', value: p.value, node, error: 'timeout' });
      }
      // (the ring's size is read again: a completion's callback may have invoked an op that grew it)
      this.ringHead = (this.ringHead + 1) % this.ringOps.length;
      this.ringLen--;
    }
    // (the loop stops only at an op in flight, so the head is one)
    if (this.ringLen > 0) this.deadlineTimer = this.sched.scheduleAt(this.ringOps[this.ringHead]!.deadlineNs, K_CLIENT_TIMEOUT, 0, 0, 0, undefined);
  }

  // ---- the proxy's leader health check ----

  /**
   * Like HAProxy in front of Patroni: every probe period, route writes to the first node (by id)
   * that answers "I lead" (a fenced leader without its lease says no). Paused and dead nodes do
   * not answer. Without fencing, a deposed leader that still believes it leads attracts writes.
   */
  private probe(): void {
    if (this.closed) return;
    for (let i = 0; i < this.n; i++) {
      const node = this.replicas[i];
      if (!this.alive[i] || this.paused[i] || node === undefined) continue;
      if (node.acceptsWrites !== undefined ? node.acceptsWrites() : node.isLeader()) {
        for (const rt of this.routers) rt.probed(i);
        break;
      }
    }
    this.sched.schedule(this.probeEveryNs, K_PROBE, 0, 0, 0, undefined);
  }

  // ---- lag sampling ----

  private sample(): void {
    if (this.closed) return;
    const t = this.sched.nowNs();
    // Single-leader: the true lag behind the newest-term leader's log (the age of the oldest entry
    // a node has not applied yet); other designs: the node's own estimate (queued replication).
    let leader: SingleLeaderNode | undefined;
    for (let i = 0; i < this.n; i++) {
      const node = this.replicas[i];
      if (this.alive[i] && node instanceof SingleLeaderNode && node.isLeader() && (leader === undefined || node.term() > leader.term())) leader = node;
    }
    for (let i = 0; i < this.n; i++) {
      const node = this.replicas[i];
      if (!this.alive[i] || node === undefined) continue;
      let lagMs: number;
      if (leader !== undefined && node instanceof SingleLeaderNode) {
        const log = leader.logEntries();
        const applied = node.appliedIndex();
        lagMs = applied >= log.length || node === leader ? 0 : Math.max(0, (t - log[applied].atNs) / 1e6);
      } else lagMs = node.lagMs();
      this.samples.push({ timeNs: t, node: this.names[i], lagMs });
    }
    if (this.samples.length > this.maxSamples) {
      // keep every other sampling round, sample half as often from now on
      const rounds: number[] = [];
      for (const s of this.samples) if (rounds.length === 0 || rounds[rounds.length - 1] !== s.timeNs) rounds.push(s.timeNs);
      const keep = new Set(rounds.filter((_, i) => i % 2 === 0));
      this.samples = this.samples.filter((s) => keep.has(s.timeNs));
      this.sampleEveryNs *= 2;
    }
    this.sched.schedule(this.sampleEveryNs, K_SAMPLE, 0, 0, 0, undefined);
  }

  // ---- faults ----

  private index(id: NodeId): number {
    const i = this.names.indexOf(id);
    if (i < 0) throw new Error(`memory target: no node ${JSON.stringify(id)} (nodes are ${this.names.join(', ')})`);
    return i;
  }

  private makeFaults(): Capabilities {
    const flat: FlatFaults = {
      leader: () => {
        let best = -1;
        let bestTerm = -1;
        for (let i = 0; i < this.n; i++) {
          const node = this.replicas[i];
          if (!this.alive[i] || node === undefined || !node.isLeader()) continue;
          if (node.term() > bestTerm) {
            best = i;
            bestTerm = node.term();
          }
        }
        return best >= 0 ? this.names[best] : undefined;
      },
      kill: (id, crash = 'host') => {
        const i = this.index(id);
        if (!this.alive[i]) return;
        // host: nothing more leaves the node, not even what is still on the wire from it;
        // process: the kernel delivers what the node already wrote to its sockets. Either way its
        // volatile state (the replication streams' unsent messages, timers) is gone.
        if (crash === 'host') this.messagesDropped += this.sched.dropMessagesFrom(i);
        const node = this.replicas[i]!;
        this.durables[i] = node.durable();
        node.close();
        this.clearAllTimers(i);
        this.alive[i] = false;
        this.paused[i] = false;
        this.pausedQueue[i] = [];
        this.incarnation[i]++;
        this.replicas[i] = undefined;
      },
      restart: (id) => {
        const i = this.index(id);
        if (this.alive[i]) return;
        this.alive[i] = true;
        this.incarnation[i]++;
        const node = createNode(this.cfg, this.envs[i], this.durables[i]);
        this.replicas[i] = node;
        if (!this.closed) node.start();
        else node.close();
      },
      partition: (groups) => {
        this.cut = cutLinks(this.n, groups, (id) => this.index(id));
      },
      heal: () => {
        this.cut.fill(0);
      },
      skewClock: (id, offsetMs) => {
        this.offsetNs[this.index(id)] = offsetMs * 1e6;
      },
      pause: (id) => {
        const i = this.index(id);
        if (!this.alive[i] || this.paused[i]) return;
        this.paused[i] = true;
        const now = this.sched.nowNs();
        for (let s = 0; s < TIMER_SLOTS; s++) {
          const idx = i * TIMER_SLOTS + s;
          const ev = this.timerEv[idx];
          if (ev !== undefined) {
            this.frozenNs[idx] = ev.t - now;
            ev.cancel();
            this.timerEv[idx] = undefined;
          }
        }
      },
      resume: (id) => {
        const i = this.index(id);
        if (!this.alive[i] || !this.paused[i]) return;
        this.paused[i] = false;
        for (let s = 0; s < TIMER_SLOTS; s++) {
          const idx = i * TIMER_SLOTS + s;
          if (this.frozenNs[idx] >= 0) {
            this.setTimer(i, s, this.frozenNs[idx]);
            this.frozenNs[idx] = -1;
          }
        }
        const queued = this.pausedQueue[i];
        this.pausedQueue[i] = [];
        if (queued.length === 0) return;
        const inc = this.incarnation[i];
        this.sched.after(0, () => {
          for (const q of queued) {
            const node = this.replicas[i];
            if (!this.alive[i] || this.incarnation[i] !== inc || node === undefined) return;
            if (this.paused[i]) {
              this.pausedQueue[i].push(q);
              continue;
            }
            node.onMessage(q.from, q.msg);
          }
        });
      },
    };
    const caps = fullCapabilities(flat, () => this.samples);
    return { ...caps, kill: { ...caps.kill, crashes: ['host', 'process'] } };
  }
}

/** A deterministic simulated cluster: same cfg and seed, same sequence of events. */
export function createMemoryTarget(cfg: DesignConfig, rng: Rng, opts: MemoryTargetOptions = {}): MemoryTarget {
  return new Cluster(cfg, rng, opts);
}
