// Last-write-wins designs: leaderless quorums (n, w, r, read repair; any node coordinates) and
// multi-leader (every node accepts writes and ships them asynchronously to the others).
// Versions are ordered by (writer's wall clock, writer node, seq): clock skew silently drops writes.
// Appends are read-modify-write of the whole list value at the coordinator (Cassandra-style LWW on
// a blob): concurrent appends to one key lose all but one.

import type {
  ClientReq,
  ClientResp,
  LwwGet,
  LwwGetResp,
  LwwPut,
  MlAck,
  MlShip,
  Msg,
  NodeEnv,
  ReplicaConfig,
  ReplicaNode,
  Versioned,
} from './types.js';
import {
  C_FAIL,
  C_OK,
  C_REDIRECT,
  F_APPEND,
  F_CAS,
  F_READ,
  F_WRITE,
  M_LWW_GET,
  M_LWW_GET_RESP,
  M_LWW_PUT,
  M_LWW_PUT_RESP,
  M_ML_ACK,
  M_ML_SHIP,
  M_REQ,
  M_RESP,
  ND_NONE,
  R_MAX_LAG,
  T_APPLY,
  T_HEARTBEAT,
  T_SWEEP,
} from './types.js';
import { makeElement, ndKind, valueEquals, type ElementGen } from './store.js';
import { hashString } from './routing.js';
import { heartbeatMs } from './single-leader.js';

/** Whether version a is newer than b (undefined = absent, older than anything). */
export function newer(a: Versioned, b: Versioned | undefined): boolean {
  if (b === undefined) return true;
  if (a.tsNs !== b.tsNs) return a.tsNs > b.tsNs;
  if (a.node !== b.node) return a.node > b.node;
  return a.seq > b.seq;
}

function visible(v: Versioned | undefined): unknown {
  if (v === undefined) return undefined;
  return Array.isArray(v.value) ? v.value.slice() : v.value;
}

/** The new value of a read-modify-write (append / cas) given the current version, or FAILED. */
const FAILED = Symbol('cas failed');
function modify(f: number, cur: Versioned | undefined, arg: unknown): unknown {
  if (f === F_APPEND) {
    const list = cur !== undefined && Array.isArray(cur.value) ? (cur.value as unknown[]) : [];
    const next = list.slice();
    next.push(arg);
    return next;
  }
  if (f === F_CAS) {
    const pair = arg as [unknown, unknown];
    const v = cur === undefined ? null : cur.value;
    return valueEquals(v, pair[0]) ? pair[1] : FAILED;
  }
  return arg;
}

// ------------------------------------------------------------------------------------------
// Leaderless

interface CoordOp {
  id: number;
  client: number;
  reqId: number;
  ctx: unknown;
  f: number;
  key: string;
  /** append: the element; write: the value; cas: [expected, new]. */
  arg: unknown;
  reading: boolean;
  count: number;
  best: Versioned | undefined;
  /** Replicas that answered the read and what they had (read repair); -1 once repaired. */
  from: number[];
  vers: (Versioned | undefined)[];
  startNs: number;
  done: boolean;
}

export interface LwwDurable {
  store: Map<string, Versioned>;
  seq: number;
}

export class LeaderlessNode implements ReplicaNode {
  private readonly store: Map<string, Versioned>;
  private seq: number;
  private readonly ops = new Map<number, CoordOp>();
  private nextOp = 1;
  private readonly nRep: number;
  private readonly w: number;
  private readonly r: number;
  private readonly gen: ElementGen = { lastNs: 0 };
  private closed = false;
  private sweeping = false;

  constructor(
    private readonly cfg: ReplicaConfig,
    private readonly env: NodeEnv,
    durable?: LwwDurable,
  ) {
    this.store = durable ? durable.store : new Map();
    this.seq = durable ? durable.seq : 0;
    this.nRep = Math.max(1, Math.min(cfg.quorum.n, env.n));
    this.w = Math.max(1, Math.min(cfg.quorum.w, this.nRep));
    this.r = Math.max(1, Math.min(cfg.quorum.r, this.nRep));
  }

  start(): void {}
  close(): void {
    this.closed = true;
    this.env.clearTimer(T_SWEEP);
  }
  durable(): LwwDurable {
    return { store: this.store, seq: this.seq };
  }
  isLeader(): boolean {
    return false;
  }
  term(): number {
    return 0;
  }
  lagMs(): number {
    return 0;
  }
  readLocal(key: string): unknown {
    return visible(this.store.get(key));
  }
  holds(key: string): boolean {
    for (let i = 0; i < this.nRep; i++) if (this.replicaOf(key, i) === this.env.id) return true;
    return false;
  }
  /** The raw version stored for key (tests). */
  version(key: string): Versioned | undefined {
    return this.store.get(key);
  }

  /** The key's replicas: nRep consecutive nodes from hash(key) (its preference list). */
  replicaOf(key: string, i: number): number {
    return (hashString(key) + i) % this.env.n;
  }

  onMessage(from: number, msg: Msg): void {
    if (this.closed) return;
    switch (msg.t) {
      case M_REQ:
        this.onClient(from, msg);
        break;
      case M_LWW_PUT: {
        this.putLocal(msg.v, msg.key);
        this.env.send(from, { t: M_LWW_PUT_RESP, op: msg.op });
        break;
      }
      case M_LWW_GET:
        this.env.send(from, { t: M_LWW_GET_RESP, op: msg.op, key: msg.key, v: this.store.get(msg.key) });
        break;
      case M_LWW_PUT_RESP:
        this.onPutResp(msg.op);
        break;
      case M_LWW_GET_RESP:
        this.onGetResp(from, msg);
        break;
      default:
        break;
    }
  }

  onTimer(slot: number): void {
    if (this.closed || slot !== T_SWEEP) return;
    // Forget operations whose clients have long given up.
    const horizon = this.env.monoNs() - 2 * this.cfg.clientTimeoutMs * 1e6;
    for (const [id, op] of this.ops) {
      if (op.startNs > horizon) break;
      this.ops.delete(id);
    }
    this.sweeping = this.ops.size > 0;
    if (this.sweeping) this.env.setTimer(T_SWEEP, this.cfg.clientTimeoutMs * 1e6);
  }

  private putLocal(v: Versioned, key: string): void {
    if (newer(v, this.store.get(key))) this.store.set(key, v);
  }

  private reply(op: CoordOp, c: number, value: unknown, error?: string): void {
    op.done = true;
    const r: ClientResp = { t: M_RESP, id: op.reqId, ctx: op.ctx, c, value, node: this.env.id, pos: 0, redirect: -1, error };
    // Any node coordinates; LWW versions have no log, so there is no position to tell.
    r.served = { role: 'coordinator' };
    this.env.send(op.client, r);
  }

  private onClient(from: number, req: ClientReq): void {
    let arg = req.value;
    if (req.f === F_APPEND) {
      const nd = ndKind(arg);
      if (nd !== ND_NONE) arg = makeElement(nd, this.env, this.gen);
    }
    const op: CoordOp = {
      id: this.nextOp++,
      client: from,
      reqId: req.id,
      ctx: req.ctx,
      f: req.f,
      key: req.key,
      arg,
      reading: req.f !== F_WRITE,
      count: 0,
      best: undefined,
      from: [],
      vers: [],
      startNs: this.env.monoNs(),
      done: false,
    };
    this.ops.set(op.id, op);
    if (!this.sweeping) {
      this.sweeping = true;
      this.env.setTimer(T_SWEEP, this.cfg.clientTimeoutMs * 1e6);
    }
    if (op.reading) {
      const m: LwwGet = { t: M_LWW_GET, op: op.id, key: op.key };
      const me = this.env.id;
      let local = false;
      for (let i = 0; i < this.nRep; i++) {
        const to = this.replicaOf(op.key, i);
        if (to === me) local = true;
        else this.env.send(to, m);
      }
      // Our own replica answers without a network round trip.
      if (local) this.onGetResp(me, { t: M_LWW_GET_RESP, op: op.id, key: op.key, v: this.store.get(op.key) });
    } else {
      this.write(op, arg);
    }
  }

  private write(op: CoordOp, value: unknown): void {
    op.reading = false;
    op.count = 0;
    const v: Versioned = { value, tsNs: this.env.wallNs(), node: this.env.id, seq: ++this.seq };
    const m: LwwPut = { t: M_LWW_PUT, op: op.id, key: op.key, v };
    const me = this.env.id;
    let local = false;
    for (let i = 0; i < this.nRep; i++) {
      const to = this.replicaOf(op.key, i);
      if (to === me) local = true;
      else this.env.send(to, m);
    }
    if (local) {
      this.putLocal(v, op.key);
      this.onPutResp(op.id);
    }
  }

  private onGetResp(from: number, msg: LwwGetResp): void {
    const op = this.ops.get(msg.op);
    if (op === undefined || !op.reading) return;
    op.count++;
    const v = msg.v;
    if (v !== undefined && newer(v, op.best)) op.best = v;
    op.from.push(from);
    op.vers.push(v);
    if (op.count === this.r && !op.done) {
      if (op.f === F_READ) {
        this.reply(op, C_OK, visible(op.best));
      } else {
        const next = modify(op.f, op.best, op.arg);
        if (next === FAILED) this.reply(op, C_FAIL, op.arg, 'cas: expected value did not match');
        else {
          this.write(op, next);
          return;
        }
      }
    }
    if (op.f === F_READ && op.done && this.cfg.quorum.readRepair && op.best !== undefined) {
      // Read repair: push the newest version to every replica that answered with an older one.
      for (let i = 0; i < op.from.length; i++) {
        const node = op.from[i];
        if (node >= 0 && op.vers[i] !== op.best && newer(op.best, op.vers[i])) {
          this.env.send(node, { t: M_LWW_PUT, op: 0, key: op.key, v: op.best });
          op.from[i] = -1;
        }
      }
    }
    if (op.count >= this.nRep) this.ops.delete(op.id);
  }

  private onPutResp(opId: number): void {
    const op = this.ops.get(opId);
    if (op === undefined || op.reading) return;
    op.count++;
    if (op.count === this.w && !op.done) {
      this.reply(op, C_OK, op.arg);
    }
    if (op.count >= this.nRep) this.ops.delete(op.id);
  }
}

// ------------------------------------------------------------------------------------------
// Multi-leader

export interface MultiLeaderDurable {
  store: Map<string, Versioned>;
  seq: number;
  outKeys: string[];
  outVs: Versioned[];
  recvUpTo: number[];
  peerAcked: number[];
}

const MAX_SHIP = 512;

export class MultiLeaderNode implements ReplicaNode {
  private readonly d: MultiLeaderDurable;
  private readonly gen: ElementGen = { lastNs: 0 };
  private readonly nextPos: number[];
  private readonly ackedAtHb: number[];
  private readonly queue: { from: number; msg: MlShip; atNs: number; recvNs: number }[] = [];
  private queueHead = 0;
  private lastApplyAtNs = 0;
  private readonly lagLoNs: number;
  private readonly lagHiNs: number;
  private readonly hbNs: number;
  private closed = false;

  constructor(
    private readonly cfg: ReplicaConfig,
    private readonly env: NodeEnv,
    durable?: MultiLeaderDurable,
  ) {
    const n = env.n;
    this.d = durable ?? {
      store: new Map(),
      seq: 0,
      outKeys: [],
      outVs: [],
      recvUpTo: new Array<number>(n).fill(0),
      peerAcked: new Array<number>(n).fill(0),
    };
    this.nextPos = this.d.peerAcked.map((a) => a + 1);
    this.ackedAtHb = new Array<number>(n).fill(-1);
    this.lagLoNs = Math.max(0, cfg.lagMs[0]) * 1e6;
    this.lagHiNs = Math.max(cfg.lagMs[0], cfg.lagMs[1]) * 1e6;
    this.hbNs = heartbeatMs(cfg) * 1e6;
  }

  start(): void {
    this.env.setTimer(T_HEARTBEAT, this.hbNs);
  }
  close(): void {
    this.closed = true;
    this.env.clearTimer(T_HEARTBEAT);
    this.env.clearTimer(T_APPLY);
  }
  durable(): MultiLeaderDurable {
    return this.d;
  }
  isLeader(): boolean {
    return true;
  }
  term(): number {
    return 0;
  }
  lagMs(): number {
    if (this.queueHead >= this.queue.length) return 0;
    return (this.env.monoNs() - this.queue[this.queueHead].recvNs) / 1e6;
  }
  readLocal(key: string): unknown {
    return visible(this.d.store.get(key));
  }

  onMessage(from: number, msg: Msg): void {
    if (this.closed) return;
    if (msg.t === M_REQ) this.onClient(from, msg);
    else if (msg.t === M_ML_SHIP) this.onShip(from, msg);
    else if (msg.t === M_ML_ACK) this.onAck(from, msg);
  }

  onTimer(slot: number): void {
    if (this.closed) return;
    if (slot === T_APPLY) this.drain();
    else if (slot === T_HEARTBEAT) {
      const len = this.d.outKeys.length;
      for (let p = 0; p < this.env.n; p++) {
        if (p === this.env.id) continue;
        const acked = this.d.peerAcked[p];
        if (acked < len && acked === this.ackedAtHb[p]) this.shipFrom(p, acked + 1);
        this.ackedAtHb[p] = acked;
      }
      this.env.setTimer(T_HEARTBEAT, this.hbNs);
    }
  }

  private reply(to: number, req: ClientReq, c: number, value: unknown, error?: string): void {
    const r: ClientResp = { t: M_RESP, id: req.id, ctx: req.ctx, c, value, node: this.env.id, pos: 0, redirect: -1, error };
    if (c !== C_REDIRECT) r.served = { role: 'leader', pos: this.appliedWrites() };
    this.env.send(to, r);
  }

  /** Writes this node has applied: its own, and what it received from every other origin. */
  private appliedWrites(): number {
    let n = this.d.outKeys.length;
    for (let p = 0; p < this.env.n; p++) if (p !== this.env.id) n += this.d.recvUpTo[p];
    return n;
  }

  private onClient(from: number, req: ClientReq): void {
    const store = this.d.store;
    if (req.f === F_READ) {
      if (req.route === R_MAX_LAG && this.lagMs() > req.maxLagMs) {
        this.reply(from, req, C_REDIRECT, null);
        return;
      }
      this.reply(from, req, C_OK, visible(store.get(req.key)));
      return;
    }
    let arg = req.value;
    if (req.f === F_APPEND) {
      const nd = ndKind(arg);
      if (nd !== ND_NONE) arg = makeElement(nd, this.env, this.gen);
    }
    const next = modify(req.f, store.get(req.key), arg);
    if (next === FAILED) {
      this.reply(from, req, C_FAIL, arg, 'cas: expected value did not match');
      return;
    }
    const v: Versioned = { value: next, tsNs: this.env.wallNs(), node: this.env.id, seq: ++this.d.seq };
    if (newer(v, store.get(req.key))) store.set(req.key, v);
    this.d.outKeys.push(req.key);
    this.d.outVs.push(v);
    const pos = this.d.outKeys.length;
    if (this.env.n > 1) {
      const m: MlShip = { t: M_ML_SHIP, from: pos, keys: [req.key], vs: [v] };
      for (let p = 0; p < this.env.n; p++) {
        if (p !== this.env.id && this.nextPos[p] === pos) {
          this.nextPos[p] = pos + 1;
          this.env.send(p, m);
        }
      }
    }
    this.reply(from, req, C_OK, arg);
  }

  private shipFrom(p: number, from: number): void {
    const len = this.d.outKeys.length;
    const to = Math.min(len, from + MAX_SHIP - 1);
    const m: MlShip = {
      t: M_ML_SHIP,
      from,
      keys: this.d.outKeys.slice(from - 1, to),
      vs: this.d.outVs.slice(from - 1, to),
    };
    this.nextPos[p] = to + 1;
    this.env.send(p, m);
  }

  private onShip(from: number, msg: MlShip): void {
    const now = this.env.monoNs();
    let at = now + Math.round(this.lagHiNs > this.lagLoNs ? this.env.rng.between(this.lagLoNs, this.lagHiNs) : this.lagLoNs);
    if (at < this.lastApplyAtNs) at = this.lastApplyAtNs;
    this.lastApplyAtNs = at;
    const empty = this.queueHead >= this.queue.length;
    this.queue.push({ from, msg, atNs: at, recvNs: now });
    if (empty) this.env.setTimer(T_APPLY, at - now);
  }

  private drain(): void {
    const now = this.env.monoNs();
    while (this.queueHead < this.queue.length && this.queue[this.queueHead].atNs <= now) {
      const q = this.queue[this.queueHead++];
      this.applyShip(q.from, q.msg);
    }
    if (this.queueHead >= this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else {
      if (this.queueHead > 1024) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      this.env.setTimer(T_APPLY, this.queue[this.queueHead].atNs - now);
    }
  }

  private applyShip(from: number, msg: MlShip): void {
    const store = this.d.store;
    for (let i = 0; i < msg.keys.length; i++) {
      const v = msg.vs[i];
      if (newer(v, store.get(msg.keys[i]))) store.set(msg.keys[i], v);
    }
    const end = msg.from + msg.keys.length - 1;
    if (msg.from <= this.d.recvUpTo[from] + 1 && end > this.d.recvUpTo[from]) this.d.recvUpTo[from] = end;
    const ack: MlAck = { t: M_ML_ACK, upTo: this.d.recvUpTo[from] };
    this.env.send(from, ack);
  }

  private onAck(from: number, msg: MlAck): void {
    if (msg.upTo > this.d.peerAcked[from]) this.d.peerAcked[from] = msg.upTo;
    const next = this.nextPos[from];
    if (next <= this.d.outKeys.length && msg.upTo + 1 === next) this.shipFrom(from, next);
  }
}
