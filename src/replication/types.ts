// The replicated store's wire protocol and the environment a node state machine runs in.
// Nodes are small ints 0..n-1; addresses >= n are client endpoints. No I/O, no clocks of its own:
// the simulator (or an HTTP node server) implements NodeEnv and delivers messages and timers.

import type { Rng } from '../rng.js';
import type { DesignConfig } from '../config/types.js';
import type { Served } from '../history/types.js';

/** What a node needs from its host: identity, clocks, randomness, sending, timers. */
export interface NodeEnv {
  readonly id: number;
  readonly n: number;
  readonly rng: Rng;
  /** Monotonic time, ns (leases, lag, timeouts). */
  monoNs(): number;
  /** Wall-clock time of this node, ns (skewed; LWW timestamps and clock-derived elements). */
  wallNs(): number;
  /** Sends a message to a node (< n) or a client endpoint (>= n). Fire and forget. */
  send(to: number, msg: Msg): void;
  /** (Re)arms this node's timer `slot` to fire after delayNs; one pending timer per slot. */
  setTimer(slot: number, delayNs: number): void;
  clearTimer(slot: number): void;
}

/** Timer slots (one pending timer each per node). */
export const T_ELECTION = 0;
export const T_HEARTBEAT = 1;
export const T_HACHECK = 2;
export const T_APPLY = 3;
export const T_SWEEP = 4;
/** Single-leader: the leader's replication stream hands its next queued message to the network. */
export const T_SHIP = 5;
/** Single-leader, `log: trigger`: the capture process reads the changes table. */
export const T_TRIGGER = 6;
export const TIMER_SLOTS = 7;

/** Operation codes. */
export const F_READ = 0;
export const F_APPEND = 1;
export const F_WRITE = 2;
export const F_CAS = 3;
/** A new leader's first entry of its term: changes nothing, but makes followers drop a deposed leader's unreplicated tail. */
export const F_NOOP = 4;
export const F_NAMES = ['read', 'append', 'write', 'cas'] as const;

/** Read routing modes a client request carries. */
export const R_LEADER = 0; // must be served by the leader (writes, readFrom: leader)
export const R_LOCAL = 1; // serve from local state (any, sticky)
export const R_MIN_INDEX = 2; // serve locally only when applied >= minIndex (read-your-writes)
export const R_MAX_LAG = 3; // serve locally only when lag <= maxLagMs (bounded-lag)

/** Nondeterministic statement kinds (append with value {nondeterministic: "clock" | "random"}). */
export const ND_NONE = 0;
export const ND_CLOCK = 1;
export const ND_RANDOM = 2;

/** Completion kinds on the wire. */
export const C_OK = 0;
export const C_FAIL = 1;
export const C_INFO = 2;
/** Not a completion: the node is not the leader / too stale; retry at `redirect` (or the leader). */
export const C_REDIRECT = 3;

// ---- messages (t = type code) ----

export const M_REQ = 1;
export const M_RESP = 2;
export const M_APPEND = 3;
export const M_APPEND_RESP = 4;
export const M_VOTE = 5;
export const M_VOTE_RESP = 6;
export const M_LWW_PUT = 7;
export const M_LWW_PUT_RESP = 8;
export const M_LWW_GET = 9;
export const M_LWW_GET_RESP = 10;
export const M_ML_SHIP = 11;
export const M_ML_ACK = 12;

export interface ClientReq {
  t: typeof M_REQ;
  id: number;
  f: number;
  key: string;
  value: unknown;
  nd: number;
  route: number;
  minIndex: number;
  maxLagMs: number;
  /** Opaque client-side correlation token, echoed in the response (the simulator's op object). */
  ctx: unknown;
}

export interface ClientResp {
  t: typeof M_RESP;
  id: number;
  ctx: unknown;
  c: number;
  value: unknown;
  node: number;
  /** Log position of a write (single-leader), for read-your-writes tracking; 0 if none. */
  pos: number;
  /** C_REDIRECT: the node believed to lead, -1 if unknown. */
  redirect: number;
  error: string | undefined;
  /** On completions (not redirects): the node's role, term and replication position as it answered. */
  served?: Served;
}

/** A single-leader log entry. Immutable once created (shared between nodes in the simulator). */
export interface Entry {
  term: number;
  index: number;
  f: number;
  key: string;
  /** append: the element; write: the value; cas: [expected, new]. */
  value: unknown;
  /** Nondeterministic statement kind (ND_*); with log: statement followers recompute `value`. */
  nd: number;
  /** The leader's monotonic time when it created the entry, ns (lag measurement only). */
  atNs: number;
}

export interface AppendMsg {
  t: typeof M_APPEND;
  term: number;
  leader: number;
  prevIndex: number;
  prevTerm: number;
  entries: Entry[];
  /** Leader's last log index when sent (for lag estimation). */
  leaderLast: number;
  /** Leader's wall clock when sent, ns (replica lag = own wall clock - this, skew included). */
  sentWallNs: number;
  /** Leader's monotonic send time (echoed for the lease). */
  sentMonoNs: number;
}

export interface AppendResp {
  t: typeof M_APPEND_RESP;
  term: number;
  ok: boolean;
  /** ok: the follower's last index matching the leader; !ok: where the leader should retry from - 1. */
  index: number;
  sentMonoNs: number;
}

export interface VoteMsg {
  t: typeof M_VOTE;
  pre: boolean;
  term: number;
  lastTerm: number;
  lastIndex: number;
}

export interface VoteResp {
  t: typeof M_VOTE_RESP;
  pre: boolean;
  term: number;
  granted: boolean;
}

/** An LWW-versioned value: ordered by (tsNs, node, seq). */
export interface Versioned {
  value: unknown;
  tsNs: number;
  node: number;
  seq: number;
}

export interface LwwPut {
  t: typeof M_LWW_PUT;
  op: number;
  key: string;
  v: Versioned;
}
export interface LwwPutResp {
  t: typeof M_LWW_PUT_RESP;
  op: number;
}
export interface LwwGet {
  t: typeof M_LWW_GET;
  op: number;
  key: string;
}
export interface LwwGetResp {
  t: typeof M_LWW_GET_RESP;
  op: number;
  key: string;
  v: Versioned | undefined;
}

/** Multi-leader: a batch of the origin's local writes, positions from..from+writes.length-1. */
export interface MlShip {
  t: typeof M_ML_SHIP;
  from: number;
  keys: string[];
  vs: Versioned[];
}
export interface MlAck {
  t: typeof M_ML_ACK;
  upTo: number;
}

export type Msg =
  | ClientReq
  | ClientResp
  | AppendMsg
  | AppendResp
  | VoteMsg
  | VoteResp
  | LwwPut
  | LwwPutResp
  | LwwGet
  | LwwGetResp
  | MlShip
  | MlAck;

/** A node state machine of any topology. */
export interface ReplicaNode {
  /** Called once after construction (fresh start or restart from durable state). */
  start(): void;
  onMessage(from: number, msg: Msg): void;
  onTimer(slot: number): void;
  /** The node's local value of key (final reads): a list copy (append) or a register value. */
  readLocal(key: string): unknown;
  /** Whether this node stores key at all (false only for leaderless nodes outside its replicas). */
  holds?(key: string): boolean;
  /** Whether this node currently believes it leads, and in which term (0 for leaderless). */
  isLeader(): boolean;
  /** What a leader health check sees: it believes it leads and (with fencing) holds its lease. */
  acceptsWrites?(): boolean;
  term(): number;
  /** This node's estimate of its replication lag, ms (0 for a leader). */
  lagMs(): number;
  /** What survives a crash (passed to the next incarnation). */
  durable(): unknown;
  /** Stops all activity (teardown): no more timers are armed. */
  close(): void;
}

/** The knobs the replication logic reads. */
export type ReplicaConfig = DesignConfig;
