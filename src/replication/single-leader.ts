// Single-leader replication: a leader ships its log to followers (sync / semi-sync / async) through
// per-follower replication streams that lag on the sender's side, followers apply what arrives,
// failover elects a new leader by (pre)vote with terms, fencing is a leader lease; a rejoining
// node's divergent log suffix is truncated to the leader's log. Logs: row, statement, mixed, trigger.

import type {
  AppendMsg,
  AppendResp,
  ClientReq,
  ClientResp,
  Entry,
  Msg,
  NodeEnv,
  ReplicaConfig,
  ReplicaNode,
  VoteMsg,
  VoteResp,
} from './types.js';
import {
  F_NOOP,
  C_FAIL,
  C_OK,
  C_REDIRECT,
  F_APPEND,
  F_CAS,
  F_READ,
  M_APPEND,
  M_APPEND_RESP,
  M_REQ,
  M_RESP,
  M_VOTE,
  M_VOTE_RESP,
  ND_NONE,
  R_LEADER,
  R_MAX_LAG,
  R_MIN_INDEX,
  T_ELECTION,
  T_HACHECK,
  T_HEARTBEAT,
  T_SHIP,
  T_TRIGGER,
  TIMER_SLOTS,
} from './types.js';
import { applyWrite, makeElement, ndKind, readValue, type ElementGen, type Store } from './store.js';
import { shippedEntry, triggerMatcher, TRIGGER_DEFAULTS } from './trigger.js';

const FOLLOWER = 0;
const CANDIDATE = 1;
const LEADER = 2;
/** What a completion's `served.role` says for each role. */
const ROLE_NAMES = ['follower', 'candidate', 'leader'];

/** Most entries sent in one catch-up message. */
const MAX_BATCH = 512;

/** What survives a crash: the log, the current term and the vote (a durable, fsynced log). */
export interface SingleLeaderDurable {
  log: Entry[];
  term: number;
  votedFor: number;
}

/** A client waiting for a commit: the request itself (id and ctx are echoed) and its sender. */
type Waiter = ClientReq;

/** Heartbeat period derived from the failover timeout: a fifth of it, between 1 and 50 ms. */
export function heartbeatMs(cfg: ReplicaConfig): number {
  return Math.max(1, Math.min(50, cfg.failover.timeoutMs / 5));
}

export class SingleLeaderNode implements ReplicaNode {
  private readonly env: NodeEnv;
  private readonly cfg: ReplicaConfig;
  private readonly n: number;
  private readonly id: number;
  private readonly majority: number;
  private readonly timeoutNs: number;
  private readonly hbNs: number;
  private readonly lagLoNs: number;
  private readonly lagHiNs: number;
  /** statement / mixed: followers re-execute statement entries (mixed logs nondeterministic ones as rows). */
  private readonly reexecute: boolean;
  private readonly mixed: boolean;
  /** log: trigger: only captured keys reach followers, in batches read by a capture process. */
  private readonly trigger: boolean;
  private readonly captures: (key: string) => boolean;
  private readonly batchNs: number;
  private readonly batchSize: number;
  private readonly fencing: boolean;
  private readonly anyPromote: boolean;
  private readonly mode: number; // 0 async, 1 semi-sync, 2 sync

  // durable
  private log: Entry[];
  private curTerm: number;
  private votedFor: number;

  // volatile
  private role = FOLLOWER;
  private leaderId = -1;
  private store: Store = new Map();
  private applied = 0;
  private closed = false;
  private readonly gen: ElementGen = { lastNs: 0 };

  // follower
  /** Last time we heard from a leader (or granted a vote), monotonic. */
  private lastContactNs = 0;
  /** Last time we started a pre-vote (paces our own attempts; not leader contact). */
  private lastAttemptNs = -Infinity;
  private electionNs = 0;
  private freshWallNs = 0;
  private lastAckNs = -Infinity;
  private readonly ackEveryNs: number;

  // candidate (pre-vote and vote)
  private preTerm = 0;
  private preVotes = 0;
  private votes = 0;
  private electionStartNs = 0;

  // leader
  private readonly nextIndex: number[];
  private readonly matchIndex: number[];
  private readonly matchAtHb: number[];
  private readonly rewound: number[];
  private readonly ackSentNs: number[];
  /** Per-follower replication streams: messages not yet handed to the network, and when they go. */
  private readonly outMsg: AppendMsg[][];
  private readonly outAt: number[][];
  private readonly outHead: number[];
  private readonly lastShipAtNs: number[];
  /** log: trigger: the capture process has read the changes table up to this log index. */
  private captured = 0;
  private commitIndex = 0;
  private leaseUntilNs = 0;
  private sawHigherTerm = 0;
  /** Clients waiting for the commit of a log index (sparse, by index). */
  private waiting: (Waiter | undefined)[] = [];
  private waitFrom: number[] = [];
  /** waiting[i] is for log index waitBase + i. */
  private waitBase = 1;

  constructor(cfg: ReplicaConfig, env: NodeEnv, durable?: SingleLeaderDurable) {
    this.cfg = cfg;
    this.env = env;
    this.n = env.n;
    this.id = env.id;
    this.majority = Math.floor(this.n / 2) + 1;
    this.timeoutNs = cfg.failover.timeoutMs * 1e6;
    this.hbNs = heartbeatMs(cfg) * 1e6;
    this.ackEveryNs = this.hbNs / 5;
    this.lagLoNs = Math.max(0, cfg.lagMs[0]) * 1e6;
    this.lagHiNs = Math.max(cfg.lagMs[0], cfg.lagMs[1]) * 1e6;
    this.reexecute = cfg.log === 'statement' || cfg.log === 'mixed';
    this.mixed = cfg.log === 'mixed';
    this.trigger = cfg.log === 'trigger';
    const tc = cfg.trigger ?? TRIGGER_DEFAULTS;
    this.captures = triggerMatcher(tc.keys);
    this.batchNs = Math.max(1, tc.batchMs) * 1e6;
    this.batchSize = Math.max(1, tc.batchSize);
    this.fencing = cfg.failover.fencing;
    this.anyPromote = cfg.failover.promote === 'any';
    this.mode = cfg.replication === 'sync' ? 2 : cfg.replication === 'semi-sync' ? 1 : 0;
    this.log = durable ? durable.log : [];
    this.curTerm = durable ? durable.term : 1;
    this.votedFor = durable ? durable.votedFor : -1;
    this.nextIndex = new Array<number>(this.n).fill(1);
    this.matchIndex = new Array<number>(this.n).fill(0);
    this.matchAtHb = new Array<number>(this.n).fill(-1);
    this.rewound = new Array<number>(this.n).fill(-1);
    this.ackSentNs = new Array<number>(this.n).fill(-Infinity);
    this.outMsg = Array.from({ length: this.n }, () => []);
    this.outAt = Array.from({ length: this.n }, () => []);
    this.outHead = new Array<number>(this.n).fill(0);
    this.lastShipAtNs = new Array<number>(this.n).fill(0);
  }

  // ---- lifecycle ----

  start(): void {
    // A (re)started node replays its durable log into its state and rejoins as a follower.
    for (let i = 0; i < this.log.length; i++) this.applyEntry(this.log[i]);
    this.applied = this.log.length;
    const now = this.env.monoNs();
    this.lastContactNs = now;
    this.freshWallNs = this.env.wallNs();
    this.armElection();
  }

  /** Makes this node the leader of term 1 at set-up (no election needed for the first leader). */
  initialLeader(): void {
    this.becomeLeader(this.env.monoNs());
  }

  close(): void {
    this.closed = true;
    for (let s = 0; s < TIMER_SLOTS; s++) this.env.clearTimer(s);
  }

  durable(): SingleLeaderDurable {
    return { log: this.log, term: this.curTerm, votedFor: this.votedFor };
  }

  isLeader(): boolean {
    return this.role === LEADER;
  }

  term(): number {
    return this.curTerm;
  }

  acceptsWrites(): boolean {
    return this.role === LEADER && this.leaseValid();
  }

  lagMs(): number {
    if (this.role === LEADER) return 0;
    return Math.max(0, (this.env.wallNs() - this.freshWallNs) / 1e6);
  }

  readLocal(key: string): unknown {
    return readValue(this.store, key);
  }

  /** log: trigger: a follower holds only the captured keys (final reads skip the others). */
  holds(key: string): boolean {
    return !this.trigger || this.role === LEADER || this.captures(key);
  }

  /** The log (for tests and lag sampling). */
  logEntries(): readonly Entry[] {
    return this.log;
  }

  appliedIndex(): number {
    return this.applied;
  }

  // ---- dispatch ----

  onMessage(from: number, msg: Msg): void {
    if (this.closed) return;
    switch (msg.t) {
      case M_REQ:
        this.onClient(from, msg);
        break;
      case M_APPEND:
        this.onAppend(from, msg);
        break;
      case M_APPEND_RESP:
        this.onAppendResp(from, msg);
        break;
      case M_VOTE:
        this.onVote(from, msg);
        break;
      case M_VOTE_RESP:
        this.onVoteResp(from, msg);
        break;
      default:
        break;
    }
  }

  onTimer(slot: number): void {
    if (this.closed) return;
    if (slot === T_SHIP) this.flushStreams();
    else if (slot === T_TRIGGER) this.captureTick();
    else if (slot === T_HEARTBEAT) this.heartbeat();
    else if (slot === T_ELECTION) this.electionTick();
    else if (slot === T_HACHECK) this.haCheck();
  }

  // ---- clients ----

  private reply(to: number, req: ClientReq, c: number, value: unknown, pos: number, redirect: number, error?: string): void {
    const r: ClientResp = { t: M_RESP, id: req.id, ctx: req.ctx, c, value, node: this.id, pos, redirect, error };
    if (c !== C_REDIRECT) r.served = { role: ROLE_NAMES[this.role], term: this.curTerm, pos: this.applied };
    this.env.send(to, r);
  }

  private leaseValid(): boolean {
    return !this.fencing || this.env.monoNs() < this.leaseUntilNs;
  }

  private onClient(from: number, req: ClientReq): void {
    if (this.role === LEADER) {
      if (!this.leaseValid()) {
        this.reply(from, req, C_REDIRECT, null, 0, -1, 'not leader: lease expired (fenced)');
        return;
      }
      if (req.f === F_READ) {
        this.reply(from, req, C_OK, readValue(this.store, req.key), this.applied, -1);
        return;
      }
      this.leaderWrite(from, req);
      return;
    }
    // log: trigger: keys the triggers do not capture live on the leader only.
    if (req.f === F_READ && req.route !== R_LEADER && (!this.trigger || this.captures(req.key))) {
      const ok =
        req.route === R_MIN_INDEX ? this.applied >= req.minIndex : req.route === R_MAX_LAG ? this.lagMs() <= req.maxLagMs : true;
      if (ok) {
        this.reply(from, req, C_OK, readValue(this.store, req.key), this.applied, -1);
        return;
      }
    }
    if (this.leaderId >= 0) this.reply(from, req, C_REDIRECT, null, 0, this.leaderId);
    else this.reply(from, req, C_REDIRECT, null, 0, -1, 'no leader known');
  }

  private leaderWrite(from: number, req: ClientReq): void {
    const index = this.log.length + 1;
    let value = req.value;
    let nd = ND_NONE;
    if (req.f === F_APPEND) {
      nd = ndKind(value);
      if (nd !== ND_NONE) value = makeElement(nd, this.env, this.gen);
    }
    // log: mixed (MySQL binlog_format=MIXED): a nondeterministic statement is logged as its row event.
    if (this.mixed) nd = ND_NONE;
    const e: Entry = { term: this.curTerm, index, f: req.f, key: req.key, value, nd, atNs: this.env.monoNs() };
    this.log.push(e);
    this.waiting[index - this.waitBase] = req;
    this.waitFrom[index - this.waitBase] = from;
    // Pipelined to up-to-date followers (log: trigger waits for the capture process instead).
    if (this.n > 1 && !this.trigger) {
      const prevTerm = index > 1 ? this.log[index - 2].term : 0;
      const m: AppendMsg = {
        t: M_APPEND,
        term: this.curTerm,
        leader: this.id,
        prevIndex: index - 1,
        prevTerm,
        entries: [e],
        leaderLast: index,
        sentWallNs: this.env.wallNs(),
        sentMonoNs: this.env.monoNs(),
      };
      for (let f = 0; f < this.n; f++) {
        if (f !== this.id && this.nextIndex[f] === index) {
          this.nextIndex[f] = index + 1;
          this.ship(f, m);
        }
      }
    }
    this.advanceCommit();
  }

  // ---- leader side of replication ----

  private advanceCommit(): void {
    const last = this.log.length;
    let c: number;
    if (this.mode === 0 || this.n === 1) c = last;
    else if (this.mode === 1) {
      c = 0;
      for (let f = 0; f < this.n; f++) if (f !== this.id && this.matchIndex[f] > c) c = this.matchIndex[f];
    } else {
      c = last;
      for (let f = 0; f < this.n; f++) if (f !== this.id && this.matchIndex[f] < c) c = this.matchIndex[f];
    }
    if (c > last) c = last;
    if (c <= this.commitIndex) return;
    this.commitIndex = c;
    while (this.applied < c) {
      const e = this.log[this.applied];
      this.applied++;
      const ok = this.applyEntry(e);
      const slot = e.index - this.waitBase;
      const w = this.waiting[slot];
      if (w !== undefined) {
        this.waiting[slot] = undefined;
        const client = this.waitFrom[slot];
        if (ok) this.reply(client, w, C_OK, e.value, e.index, -1);
        else this.reply(client, w, C_FAIL, e.value, 0, -1, 'cas: expected value did not match');
      }
    }
  }

  private applyEntry(e: Entry): boolean {
    return applyWrite(this.store, e.f, e.key, e.value);
  }

  /** How far the log may ship: all of it, or (log: trigger) what the capture process has read. */
  private shipLimit(): number {
    return this.trigger ? this.captured : this.log.length;
  }

  private sendFrom(f: number, from: number): void {
    const to = Math.min(this.shipLimit(), from + MAX_BATCH - 1);
    const prevIndex = from - 1;
    let entries = from <= to ? this.log.slice(from - 1, to) : [];
    if (this.trigger) entries = entries.map((e) => shippedEntry(e, this.captures));
    const m: AppendMsg = {
      t: M_APPEND,
      term: this.curTerm,
      leader: this.id,
      prevIndex,
      prevTerm: prevIndex > 0 ? this.log[prevIndex - 1].term : 0,
      entries,
      leaderLast: this.log.length,
      sentWallNs: this.env.wallNs(),
      sentMonoNs: this.env.monoNs(),
    };
    this.nextIndex[f] = to + 1;
    this.ship(f, m);
  }

  // ---- the replication streams (sender-side lag) ----

  /**
   * Hands m to follower f's replication stream: it reaches the network after the replication lag
   * (a random delay from lagMs, in order per follower), like a binlog sender or walsender that
   * falls behind. Until then it lives only in this process: a crash loses it.
   */
  private ship(f: number, m: AppendMsg): void {
    const q = this.outMsg[f];
    const empty = this.outHead[f] === q.length;
    if (this.lagHiNs <= 0 && empty) {
      this.env.send(f, m);
      return;
    }
    const now = this.env.monoNs();
    let at = now + Math.round(this.lagHiNs > this.lagLoNs ? this.env.rng.between(this.lagLoNs, this.lagHiNs) : this.lagLoNs);
    if (at < this.lastShipAtNs[f]) at = this.lastShipAtNs[f];
    this.lastShipAtNs[f] = at;
    q.push(m);
    this.outAt[f].push(at);
    if (empty) this.armShip(now);
  }

  /** Sends every queued message whose time has come, then re-arms for the earliest one left. */
  private flushStreams(): void {
    const now = this.env.monoNs();
    for (let f = 0; f < this.n; f++) {
      const q = this.outMsg[f];
      const at = this.outAt[f];
      let h = this.outHead[f];
      while (h < q.length && at[h] <= now) {
        const m = q[h];
        q[h] = undefined as unknown as AppendMsg;
        h++;
        this.env.send(f, m);
      }
      if (h === q.length) {
        q.length = 0;
        at.length = 0;
        h = 0;
      } else if (h > 1024) {
        q.splice(0, h);
        at.splice(0, h);
        h = 0;
      }
      this.outHead[f] = h;
    }
    this.armShip(now);
  }

  private armShip(now: number): void {
    let next = Infinity;
    for (let f = 0; f < this.n; f++) {
      if (this.outHead[f] < this.outMsg[f].length && this.outAt[f][this.outHead[f]] < next) next = this.outAt[f][this.outHead[f]];
    }
    if (next === Infinity) this.env.clearTimer(T_SHIP);
    else this.env.setTimer(T_SHIP, next - now);
  }

  /** log: trigger: the capture process reads up to batchSize captured changes and ships them. */
  private captureTick(): void {
    if (this.role !== LEADER) return;
    let count = 0;
    while (this.captured < this.log.length && count < this.batchSize) {
      const e = this.log[this.captured];
      if (e.f !== F_NOOP && this.captures(e.key)) count++;
      this.captured++;
    }
    for (let f = 0; f < this.n; f++) if (f !== this.id && this.nextIndex[f] <= this.captured) this.sendFrom(f, this.nextIndex[f]);
    this.env.setTimer(T_TRIGGER, this.batchNs);
  }

  private heartbeat(): void {
    if (this.role !== LEADER) return;
    const last = this.shipLimit();
    for (let f = 0; f < this.n; f++) {
      if (f === this.id) continue;
      const match = this.matchIndex[f];
      if (match < last && match === this.matchAtHb[f]) {
        // No progress for a whole period: resend from the last acknowledged position.
        this.rewound[f] = -1;
        this.sendFrom(f, match + 1);
      } else {
        const next = this.nextIndex[f];
        const m: AppendMsg = {
          t: M_APPEND,
          term: this.curTerm,
          leader: this.id,
          prevIndex: next - 1,
          prevTerm: next > 1 ? this.log[next - 2].term : 0,
          entries: [],
          leaderLast: this.log.length,
          sentWallNs: this.env.wallNs(),
          sentMonoNs: this.env.monoNs(),
        };
        this.ship(f, m);
      }
      this.matchAtHb[f] = match;
    }
    this.env.setTimer(T_HEARTBEAT, this.hbNs);
  }

  private onAppendResp(from: number, r: AppendResp): void {
    if (r.term > this.curTerm) {
      this.higherTerm(r.term);
      return;
    }
    if (this.role !== LEADER || r.term < this.curTerm) return;
    if (r.ok) {
      if (r.sentMonoNs > this.ackSentNs[from]) {
        this.ackSentNs[from] = r.sentMonoNs;
        this.updateLease();
      }
      if (r.index > this.matchIndex[from]) {
        this.matchIndex[from] = r.index;
        if (this.nextIndex[from] <= r.index) this.nextIndex[from] = r.index + 1;
        if (this.rewound[from] < r.index) this.rewound[from] = -1;
        if (this.mode !== 0) this.advanceCommit();
      }
      // Catching up in batches: everything sent so far is acknowledged, send the next batch.
      const next = this.nextIndex[from];
      if (next <= this.shipLimit() && r.index + 1 === next) this.sendFrom(from, next);
      return;
    }
    // Rejected: the follower's log does not contain our prevIndex; resend from its hint.
    if (r.index < 0 || r.index === this.rewound[from]) return;
    this.rewound[from] = r.index;
    let from1 = r.index + 1;
    if (from1 < 1) from1 = 1;
    if (from1 > this.shipLimit() + 1) from1 = this.shipLimit() + 1;
    this.sendFrom(from, from1);
  }

  /** Lease: a majority acknowledged messages sent since leaseUntil - timeout (monotonic clock). */
  private updateLease(): void {
    const need = this.majority - 1; // acknowledgements besides our own
    if (need <= 0) {
      this.leaseUntilNs = Infinity;
      return;
    }
    // need-th largest ackSentNs among followers
    let best = -Infinity;
    for (let i = 0; i < this.n; i++) {
      if (i === this.id) continue;
      const v = this.ackSentNs[i];
      if (v <= best) continue;
      let ge = 0;
      for (let j = 0; j < this.n; j++) if (j !== this.id && this.ackSentNs[j] >= v) ge++;
      if (ge >= need) best = v;
    }
    const until = best + this.timeoutNs;
    if (until > this.leaseUntilNs) this.leaseUntilNs = until;
  }

  /** Periodic leader check (every failover timeout): step down when deposed or cut off. */
  private haCheck(): void {
    if (this.role !== LEADER) return;
    if (!this.fencing) {
      // Without fencing the leader learns it was deposed only here (an HA loop in the style of
      // Patroni's), so a resumed or partitioned old leader keeps acknowledging writes until then.
      if (this.sawHigherTerm > this.curTerm) {
        this.stepDown(this.sawHigherTerm);
        return;
      }
    } else if (this.env.monoNs() >= this.leaseUntilNs) {
      this.stepDown(this.curTerm);
      return;
    }
    this.env.setTimer(T_HACHECK, this.timeoutNs);
  }

  // ---- follower side of replication ----

  /** Reacts to a message carrying a newer term. Returns false when the message must be ignored. */
  private higherTerm(term: number): boolean {
    if (this.role === LEADER && !this.fencing) {
      if (term > this.sawHigherTerm) this.sawHigherTerm = term;
      return false;
    }
    this.stepDown(term);
    return true;
  }

  private stepDown(term: number): void {
    if (term > this.curTerm) {
      this.curTerm = term;
      this.votedFor = -1;
    }
    const wasLeader = this.role === LEADER;
    this.role = FOLLOWER;
    this.leaderId = -1;
    if (wasLeader) {
      this.waiting = [];
    this.waitFrom = [];
    this.waitBase = this.log.length + 1;
      this.env.clearTimer(T_HEARTBEAT);
      this.env.clearTimer(T_HACHECK);
      this.env.clearTimer(T_TRIGGER);
      this.lastContactNs = this.env.monoNs();
      this.armElection();
    }
  }

  private onAppend(from: number, m: AppendMsg): void {
    if (m.term < this.curTerm) {
      const r: AppendResp = { t: M_APPEND_RESP, term: this.curTerm, ok: false, index: -1, sentMonoNs: m.sentMonoNs };
      this.env.send(from, r);
      return;
    }
    if (m.term > this.curTerm) {
      if (!this.higherTerm(m.term)) return;
    } else if (this.role !== FOLLOWER) {
      if (this.role === LEADER) return; // cannot happen: one leader per term
      this.role = FOLLOWER;
    }
    this.leaderId = m.leader;
    this.lastContactNs = this.env.monoNs();
    // The lag was spent in the leader's replication stream: apply what arrives at once.
    this.processAppend(from, m);
  }

  private processAppend(from: number, m: AppendMsg): void {
    const last = this.log.length;
    if (m.prevIndex > last) {
      this.env.send(from, { t: M_APPEND_RESP, term: this.curTerm, ok: false, index: last, sentMonoNs: m.sentMonoNs });
      return;
    }
    if (m.prevIndex > 0 && this.log[m.prevIndex - 1].term !== m.prevTerm) {
      // Conflict: skip back over the whole conflicting term.
      const badTerm = this.log[m.prevIndex - 1].term;
      let i = m.prevIndex - 1;
      while (i > 0 && this.log[i - 1].term === badTerm) i--;
      this.env.send(from, { t: M_APPEND_RESP, term: this.curTerm, ok: false, index: i, sentMonoNs: m.sentMonoNs });
      return;
    }
    const entries = m.entries;
    for (let k = 0; k < entries.length; k++) {
      let e = entries[k];
      const idx = m.prevIndex + 1 + k;
      if (idx <= this.log.length) {
        if (this.log[idx - 1].term === e.term) continue;
        this.truncate(idx);
      }
      if (this.reexecute && e.nd !== ND_NONE) e = { ...e, value: makeElement(e.nd, this.env, this.gen) };
      this.log.push(e);
    }
    const verified = m.prevIndex + entries.length;
    while (this.applied < verified && this.applied < this.log.length) {
      this.applyEntry(this.log[this.applied]);
      this.applied++;
    }
    if (this.applied >= m.leaderLast && m.sentWallNs > this.freshWallNs) this.freshWallNs = m.sentWallNs;
    if (this.mode === 0 && entries.length > 0) {
      // Async: the leader does not wait for us; acknowledge at most every ackEveryNs (it only
      // needs our position for catch-up and its lease). Heartbeats are always answered.
      const now = this.env.monoNs();
      if (now - this.lastAckNs < this.ackEveryNs) return;
      this.lastAckNs = now;
    }
    this.env.send(from, { t: M_APPEND_RESP, term: this.curTerm, ok: true, index: verified, sentMonoNs: m.sentMonoNs });
  }

  /** Drops log entries from index on; rebuilds the keys they touched if they were applied. */
  private truncate(index: number): void {
    const removed = this.log.splice(index - 1);
    if (this.applied < index) return;
    const keys = new Set<string>();
    for (const e of removed) if (e.index <= this.applied) keys.add(e.key);
    for (const k of keys) this.store.delete(k);
    for (let i = 0; i < this.log.length; i++) {
      const e = this.log[i];
      if (keys.has(e.key)) this.applyEntry(e);
    }
    this.applied = index - 1;
    if (this.commitIndex > this.applied) this.commitIndex = this.applied;
  }

  // ---- elections ----

  private armElection(): void {
    if (!this.cfg.failover.enabled || this.closed) return;
    this.electionNs = Math.round(this.timeoutNs * (1 + 0.5 * this.env.rng.float()));
    this.env.setTimer(T_ELECTION, this.electionNs);
  }

  private electionTick(): void {
    if (this.role === LEADER || !this.cfg.failover.enabled) return;
    const now = this.env.monoNs();
    const elapsed = now - Math.max(this.lastContactNs, this.lastAttemptNs);
    if (elapsed < this.electionNs) {
      this.env.setTimer(T_ELECTION, Math.max(1, Math.ceil(this.electionNs - elapsed)));
      return;
    }
    // Pre-vote: ask whether we could win before disturbing anyone's term.
    this.role = FOLLOWER;
    this.leaderId = -1; // we consider the leader gone (stickiness now ends for us)
    this.preTerm = this.curTerm + 1;
    this.preVotes = 1;
    this.lastAttemptNs = now;
    this.armElection();
    if (this.preVotes >= this.majority) {
      this.startElection();
      return;
    }
    const v: VoteMsg = { t: M_VOTE, pre: true, term: this.preTerm, lastTerm: this.lastTerm(), lastIndex: this.log.length };
    for (let f = 0; f < this.n; f++) if (f !== this.id) this.env.send(f, v);
  }

  private lastTerm(): number {
    return this.log.length > 0 ? this.log[this.log.length - 1].term : 0;
  }

  private logOk(v: VoteMsg): boolean {
    if (this.anyPromote) return true;
    const lt = this.lastTerm();
    return v.lastTerm > lt || (v.lastTerm === lt && v.lastIndex >= this.log.length);
  }

  private startElection(): void {
    this.curTerm++;
    this.votedFor = this.id;
    this.role = CANDIDATE;
    this.leaderId = -1;
    this.votes = 1;
    this.electionStartNs = this.env.monoNs();
    if (this.votes >= this.majority) {
      this.becomeLeader(this.electionStartNs);
      return;
    }
    const v: VoteMsg = { t: M_VOTE, pre: false, term: this.curTerm, lastTerm: this.lastTerm(), lastIndex: this.log.length };
    for (let f = 0; f < this.n; f++) if (f !== this.id) this.env.send(f, v);
  }

  private onVote(from: number, v: VoteMsg): void {
    const now = this.env.monoNs();
    // Leader stickiness: while we hear from a leader, we vote for nobody.
    const heardLeader = this.role === LEADER || (this.leaderId >= 0 && now - this.lastContactNs < this.timeoutNs);
    if (v.pre) {
      const granted = !heardLeader && v.term > this.curTerm && this.logOk(v);
      const r: VoteResp = { t: M_VOTE_RESP, pre: true, term: v.term, granted };
      this.env.send(from, r);
      return;
    }
    if (v.term < this.curTerm || (heardLeader && this.role !== LEADER)) {
      this.env.send(from, { t: M_VOTE_RESP, pre: false, term: this.curTerm, granted: false });
      return;
    }
    if (v.term > this.curTerm && !this.higherTerm(v.term)) {
      this.env.send(from, { t: M_VOTE_RESP, pre: false, term: this.curTerm, granted: false });
      return;
    }
    const granted = (this.votedFor === -1 || this.votedFor === from) && this.logOk(v);
    if (granted) {
      this.votedFor = from;
      this.lastContactNs = now;
    }
    this.env.send(from, { t: M_VOTE_RESP, pre: false, term: this.curTerm, granted });
  }

  private onVoteResp(_from: number, r: VoteResp): void {
    if (r.pre) {
      if (this.role !== FOLLOWER || r.term !== this.preTerm || r.term !== this.curTerm + 1 || !r.granted) return;
      this.preVotes++;
      if (this.preVotes === this.majority) this.startElection();
      return;
    }
    if (r.term > this.curTerm) {
      this.higherTerm(r.term);
      return;
    }
    if (this.role !== CANDIDATE || r.term !== this.curTerm || !r.granted) return;
    this.votes++;
    if (this.votes === this.majority) this.becomeLeader(this.electionStartNs);
  }

  private becomeLeader(electionStartNs: number): void {
    this.role = LEADER;
    this.leaderId = this.id;
    this.sawHigherTerm = 0;
    this.env.clearTimer(T_ELECTION);
    const last = this.log.length;
    for (let f = 0; f < this.n; f++) {
      this.nextIndex[f] = last + 1;
      this.matchIndex[f] = 0;
      this.matchAtHb[f] = -1;
      this.rewound[f] = -1;
      this.ackSentNs[f] = -Infinity;
    }
    this.leaseUntilNs = this.n === 1 ? Infinity : electionStartNs + this.timeoutNs;
    // Everything in the new leader's log counts as committed (failover, not consensus).
    this.commitIndex = last;
    while (this.applied < last) {
      this.applyEntry(this.log[this.applied]);
      this.applied++;
    }
    // Raft's no-op: an entry of the new term right after the inherited log, so that a deposed
    // leader's unreplicated tail conflicts with it and is truncated even when no client writes.
    if (this.n > 1) {
      this.log.push({ term: this.curTerm, index: last + 1, f: F_NOOP, key: '', value: null, nd: 0, atNs: this.env.monoNs() });
      this.commitIndex = last + 1;
      this.applied = last + 1;
      this.captured = last + 1;
      for (let f = 0; f < this.n; f++) if (f !== this.id) this.sendFrom(f, last + 1);
      if (this.trigger) this.env.setTimer(T_TRIGGER, this.batchNs);
    }
    this.waiting = [];
    this.waitFrom = [];
    this.waitBase = this.log.length + 1;
    this.heartbeat();
    this.env.setTimer(T_HACHECK, this.timeoutNs);
  }
}
