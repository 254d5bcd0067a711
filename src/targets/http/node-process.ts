// The replica a node-server process runs: src/replication's state machine on real timers and
// clocks (plus a skew offset), its durable state in an append-only log, its messages to peers and
// answers to clients let out only once the state they came from is durable. node-server.ts puts it
// behind HTTP.

/*
 * Durability: after every step the change to the node's durable() state (single-leader: log
 * entries appended or truncated, term, vote; LWW: changed store entries and sequence;
 * multi-leader: store, outbox and positions) is appended to the log (durable-log.ts), and the
 * messages and client answers that step produced leave the process only once that record is
 * fsynced. Group commit: records appended while an fsync runs share the next one. So everything a
 * peer or a client was ever told survives a SIGKILL of this process, an OS crash and a power loss
 * (as far as fdatasync holds). A restart reads the log back (a torn last record is cut off).
 * Volatile state (commit index, leadership, pending client requests, queued outgoing messages) is
 * lost, as in the simulator. Cost: O(change) per step plus one fdatasync per group.
 */

import type http from 'node:http';
import { Rng } from '../../rng.js';
import { openDurableLog, type DurableLog } from './durable-log.js';
import { PeerOutbox } from './peer-outbox.js';
import { PendingClients } from './pending-clients.js';
import { createNode, M_REQ, SingleLeaderNode, TIMER_SLOTS, type ClientReq, type Msg, type NodeEnv, type ReplicaNode } from '../../replication/index.js';
import { sendJson, type MsgBatch, type NodeServerConfig, type NodeStatus, type ReadAnswer, type StartBody } from './wire.js';

/** Durable-state fields that change only at their tail (single-leader log, multi-leader outbox). */
const APPEND_ONLY_FIELDS = ['log', 'outKeys', 'outVs'];

type Staged = { to: number; msg: Msg }[];

export class NodeProcess {
  private readonly n: number;
  private readonly hrStart = process.hrtime.bigint();
  // The real-time adapter: the one place wall-clock time enters a node.
  private readonly wallBaseNs = Date.now() * 1e6;
  private offsetNs = 0;
  private node: ReplicaNode | undefined;
  private closing = false;
  private readonly timers: (NodeJS.Timeout | undefined)[] = new Array<NodeJS.Timeout | undefined>(TIMER_SLOTS).fill(undefined);
  /** Messages produced since the last flush (not yet allowed out: state not yet persisted). */
  private staged: Staged = [];
  private flushScheduled = false;
  /** The durable log, opened by /admin/start (recovery reads it back). */
  private wal: DurableLog | undefined;
  private readonly outbox: PeerOutbox;
  private readonly clients: PendingClients;
  private readonly env: NodeEnv;

  constructor(
    private readonly id: number,
    private readonly sc: NodeServerConfig,
  ) {
    this.n = sc.n;
    this.outbox = new PeerOutbox(sc.n, {
      from: id,
      peerPorts: sc.peerPorts,
      peerTimeoutMs: sc.peerTimeoutMs,
      maxQueuedPerPeer: sc.maxQueuedPerPeer,
      closing: () => this.closing,
    });
    this.clients = new PendingClients(sc.n, Math.max(1000, sc.target.clientTimeoutMs * 2));
    this.env = this.makeEnv();
  }

  private monoNs(): number {
    return Number(process.hrtime.bigint() - this.hrStart);
  }

  /** What the state machine sees of the world: its clocks, its timers, and send (staged until flush). */
  private makeEnv(): NodeEnv {
    const { timers } = this;
    return {
      id: this.id,
      n: this.n,
      rng: new Rng(this.sc.seed),
      monoNs: () => this.monoNs(),
      wallNs: () => this.wallBaseNs + this.monoNs() + this.offsetNs,
      send: (to: number, msg: Msg): void => {
        if (this.closing) return;
        this.staged.push({ to, msg });
        this.scheduleFlush();
      },
      setTimer: (slot: number, delayNs: number): void => {
        const old = timers[slot];
        if (old !== undefined) clearTimeout(old);
        if (this.closing) return;
        timers[slot] = setTimeout(
          () => {
            timers[slot] = undefined;
            this.node?.onTimer(slot);
            this.scheduleFlush();
          },
          Math.max(0, delayNs / 1e6),
        );
      },
      clearTimer: (slot: number): void => {
        const old = timers[slot];
        if (old !== undefined) clearTimeout(old);
        timers[slot] = undefined;
      },
    };
  }

  /** Appends what changed in the durable state since the last step (not yet fsynced). */
  private persist(): void {
    if (this.node === undefined || this.wal === undefined) return;
    this.wal.capture(this.node.durable());
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    this.persist();
    if (this.staged.length === 0) return;
    const out = this.staged;
    this.staged = [];
    // Out only once the state they were produced from is durable (at once when it already is).
    if (this.wal === undefined) this.release(out);
    else this.wal.whenDurable(() => this.release(out));
  }

  /** Hands messages to peers, clients and this node itself, in the order they were produced. */
  private release(out: Staged): void {
    if (this.closing) return;
    const touched = new Set<number>();
    const local: Msg[] = [];
    for (const { to, msg } of out) {
      if (to === this.id) local.push(msg); // to itself: delivered here, after the state is persisted
      else if (to >= this.n) this.clients.answer(to, msg);
      else if (this.outbox.enqueue(to, msg)) touched.add(to);
    }
    for (const j of touched) this.outbox.pump(j);
    for (const m of local) if (this.node !== undefined && !this.closing) this.node.onMessage(this.id, m);
    if (local.length > 0) this.scheduleFlush();
  }

  status(): NodeStatus {
    const { node } = this;
    return {
      id: this.id,
      pid: process.pid,
      started: node !== undefined,
      isLeader: node?.isLeader() ?? false,
      term: node?.term() ?? 0,
      lagMs: node?.lagMs() ?? 0,
      offsetMs: this.offsetNs / 1e6,
    };
  }

  stats(): Record<string, unknown> {
    return { dropped: this.outbox.dropped, pendingClients: this.clients.size, queued: this.outbox.queued(), log: this.wal?.stats() };
  }

  /** The node's own value of key; undefined before /admin/start. */
  readLocal(key: string): ReadAnswer | undefined {
    if (this.node === undefined) return undefined;
    const v = this.node.readLocal(key);
    return { absent: v === undefined, value: v === undefined ? null : v };
  }

  setSkew(offsetMs: number): void {
    this.offsetNs = offsetMs * 1e6;
  }

  /** Opens the durable log (recovering the state it holds) and starts the replica; once only. */
  start(body: StartBody): void {
    if (this.node !== undefined) return;
    this.offsetNs = body.offsetMs * 1e6;
    const id = this.id;
    this.wal = openDurableLog(this.sc.stateFile, {
      appendOnly: APPEND_ONLY_FIELDS,
      onError: (e) => {
        // an fsync that failed cannot be retried safely (the page cache may have dropped the data)
        process.stderr.write(`node-server ${id}: durable log: ${e.message}\n`);
        process.exit(4);
      },
    });
    const durable = this.wal.recovered;
    const node = createNode(this.sc.target, this.env, durable);
    this.node = node;
    node.start();
    if (body.initialLeader && durable === undefined && node instanceof SingleLeaderNode) node.initialLeader();
    this.scheduleFlush();
    this.persist();
  }

  /** Persists and syncs what it can, answers waiting clients 503, and exits with `code` soon after. */
  shutdown(code: number): void {
    if (this.closing) return;
    try {
      this.persist();
      this.wal?.syncNow();
    } catch {
      // best effort: the log keeps every record already written (a torn last one is cut off on restart)
    }
    this.closing = true;
    this.node?.close();
    this.clients.rejectAll();
    setTimeout(() => process.exit(code), 20).unref();
  }

  /** POST /client: the request goes to the replica; the answer comes back through release. */
  onClient(res: http.ServerResponse, body: unknown): void {
    const { node } = this;
    if (node === undefined) return sendJson(res, 503, { error: 'node not started' });
    if (this.clients.size >= this.sc.maxPendingClients) return sendJson(res, 503, { error: 'too many pending client requests' });
    const r = body as Partial<ClientReq> | undefined;
    if (r === undefined || typeof r !== 'object' || typeof r.f !== 'number' || typeof r.key !== 'string') {
      return sendJson(res, 400, { error: 'bad client request' });
    }
    const addr = this.clients.hold(res);
    const req: ClientReq = {
      t: M_REQ,
      id: Number(r.id ?? 0),
      f: r.f,
      key: r.key,
      value: r.value ?? null,
      nd: Number(r.nd ?? 0),
      route: Number(r.route ?? 0),
      minIndex: Number(r.minIndex ?? 0),
      maxLagMs: Number(r.maxLagMs ?? 0),
      ctx: null,
    };
    node.onMessage(addr, req);
    this.scheduleFlush();
  }

  /** POST /msg: a batch from a peer. */
  onMsg(res: http.ServerResponse, body: unknown): void {
    const b = body as Partial<MsgBatch> | undefined;
    const from = b?.from;
    if (typeof from !== 'number' || !Number.isInteger(from) || from < 0 || from >= this.n || !Array.isArray(b?.msgs)) {
      return sendJson(res, 400, { error: 'bad message batch' });
    }
    if (this.node !== undefined && !this.closing) {
      for (const m of b.msgs) this.node.onMessage(from, m as Msg);
      this.scheduleFlush();
    }
    sendJson(res, 204, undefined);
  }
}
