// Client-side routing (the "smart client" / proxy in front of the cluster): which node an op goes
// to under each readFrom policy, the believed leader, and the last-write metadata (read-your-writes
// positions, leader-after-write times) per session or per user. Pure logic over a seeded Rng and
// the times the host passes in; shared by all clients of one target (of one datacenter).

import type { Rng } from '../rng.js';
import type { ReplicaConfig } from './types.js';
import { F_READ, R_LEADER, R_LOCAL, R_MAX_LAG, R_MIN_INDEX } from './types.js';

/** Where one attempt of an op goes and how the node should serve it. */
export interface Route {
  node: number;
  route: number;
  minIndex: number;
  maxLagMs: number;
}

/** A deterministic string hash (FNV-1a, 32 bit). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Whether `key` belongs to `owner`: the workload names owned keys `<owner>:k<i>` (workload.ownedKeys). */
export function ownsKey(owner: string, key: string): boolean {
  return key.length > owner.length && key.charCodeAt(owner.length) === 58 /* ':' */ && key.startsWith(owner);
}

/** Policies whose metadata (and multi-leader home) follow readYourWritesScope. */
const SCOPED = new Set(['read-your-writes', 'leader-after-write', 'owner-on-leader']);

export class Router {
  /** The node clients believe leads (single-leader). */
  leaderHint = 0;
  private readonly positions = new Map<string, number>();
  /** leader-after-write: the time (ms, the host's clock) of the scope's last ok write. */
  private readonly lastWriteMs = new Map<string, number>();
  private readonly userScope: boolean;
  private readonly windowMs: number;

  /**
   * `local`: the nodes this router reads from (its datacenter's); absent, every node. Writes and
   * leader reads go to the believed leader wherever it is.
   */
  constructor(
    private readonly cfg: ReplicaConfig,
    private readonly n: number,
    private readonly rng: Rng,
    private readonly local?: readonly number[],
  ) {
    this.userScope = cfg.readYourWritesScope === 'user';
    this.windowMs = cfg.leaderWindowMs ?? 0;
  }

  /** The session's home node (sticky reads; multi-leader writes), within the router's nodes. */
  home(session: string, user: string | undefined): number {
    const id = this.userScope && user !== undefined && SCOPED.has(this.cfg.readFrom) ? user : session;
    if (this.local !== undefined) return this.local[hashString(id) % this.local.length];
    return hashString(id) % this.n;
  }

  /** A random node of the router's own (all nodes, or the datacenter's). */
  private anyNode(): number {
    if (this.local !== undefined) return this.local[this.rng.int(0, this.local.length - 1)];
    return this.rng.int(0, this.n - 1);
  }

  private positionKey(session: string, user: string | undefined): string {
    return this.userScope && user !== undefined ? user : session;
  }

  /** Whether a read now should go to the leader (or the multi-leader home): see readFrom. */
  private leaderRead(session: string, user: string | undefined, key: string, nowMs: number): boolean {
    if (this.cfg.readFrom === 'owner-on-leader') return ownsKey(user ?? session, key);
    const last = this.lastWriteMs.get(this.positionKey(session, user));
    return last !== undefined && nowMs - last < this.windowMs;
  }

  /**
   * The first attempt's route for an op. `key` and `nowMs` (the host's clock, ms) matter only to
   * owner-on-leader and leader-after-write.
   */
  route(f: number, session: string, user: string | undefined, out: Route, key = '', nowMs = 0): void {
    out.minIndex = 0;
    out.maxLagMs = 0;
    const topo = this.cfg.topology;
    if (topo === 'leaderless') {
      out.route = R_LOCAL;
      out.node = this.cfg.readFrom === 'sticky' ? this.home(session, user) : this.anyNode();
      return;
    }
    if (topo === 'multi-leader') {
      const home = this.home(session, user);
      out.route = R_LOCAL;
      out.node = home;
      if (f !== F_READ) return;
      const rf = this.cfg.readFrom;
      if (rf === 'any') out.node = this.anyNode();
      else if (rf === 'bounded-lag') {
        out.node = this.anyNode();
        out.route = R_MAX_LAG;
        out.maxLagMs = this.cfg.maxLagMs;
      } else if ((rf === 'leader-after-write' || rf === 'owner-on-leader') && !this.leaderRead(session, user, key, nowMs)) out.node = this.anyNode();
      return;
    }
    // single-leader
    if (f !== F_READ) {
      out.node = this.leaderHint;
      out.route = R_LEADER;
      return;
    }
    switch (this.cfg.readFrom) {
      case 'leader':
        out.node = this.leaderHint;
        out.route = R_LEADER;
        return;
      case 'any':
        out.node = this.anyNode();
        out.route = R_LOCAL;
        return;
      case 'sticky':
        out.node = this.home(session, user);
        out.route = R_LOCAL;
        return;
      case 'read-your-writes':
        out.node = this.anyNode();
        out.route = R_MIN_INDEX;
        out.minIndex = this.positions.get(this.positionKey(session, user)) ?? 0;
        return;
      case 'bounded-lag':
        out.node = this.anyNode();
        out.route = R_MAX_LAG;
        out.maxLagMs = this.cfg.maxLagMs;
        return;
      case 'leader-after-write':
      case 'owner-on-leader':
        if (this.leaderRead(session, user, key, nowMs)) {
          out.node = this.leaderHint;
          out.route = R_LEADER;
        } else {
          out.node = this.anyNode();
          out.route = R_LOCAL;
        }
        return;
    }
  }

  /**
   * A write completed ok at log position pos (single-leader; 0 if none) at the host's time nowMs:
   * remember it for read-your-writes (positions) and leader-after-write (times).
   */
  wrote(session: string, user: string | undefined, pos: number, nowMs = 0): void {
    const rf = this.cfg.readFrom;
    if (rf === 'leader-after-write') {
      this.lastWriteMs.set(this.positionKey(session, user), nowMs);
      return;
    }
    if (pos <= 0 || rf !== 'read-your-writes') return;
    const k = this.positionKey(session, user);
    const cur = this.positions.get(k) ?? 0;
    if (pos > cur) this.positions.set(k, pos);
  }

  /**
   * A node redirected us to `hint`; -1: it knows no leader (or is a fenced leader), so try the
   * node after it (after the believed leader when `from` is not given). Returns where to retry.
   */
  redirected(hint: number, from?: number): number {
    if (hint >= 0) this.leaderHint = hint;
    else if (from === undefined || from === this.leaderHint) this.leaderHint = (this.leaderHint + 1) % this.n;
    else this.leaderHint = (from + 1) % this.n;
    return this.leaderHint;
  }

  /** A leader health check (a proxy polling every node) found `node` claiming leadership. */
  probed(node: number): void {
    this.leaderHint = node;
  }

  /** An attempt at `node` timed out: if it was our believed leader, try the next node next time. */
  timedOut(node: number): void {
    if (node === this.leaderHint) this.leaderHint = (node + 1) % this.n;
  }
}
