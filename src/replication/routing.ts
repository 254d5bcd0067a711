// Client-side routing (the "smart client" / proxy in front of the cluster): which node an op goes
// to under each readFrom policy, the believed leader, and read-your-writes positions per session
// or per user. Pure logic over a seeded Rng; shared by all clients of one target.

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

export class Router {
  /** The node clients believe leads (single-leader). */
  leaderHint = 0;
  private readonly positions = new Map<string, number>();
  private readonly userScope: boolean;

  constructor(
    private readonly cfg: ReplicaConfig,
    private readonly n: number,
    private readonly rng: Rng,
  ) {
    this.userScope = cfg.readYourWritesScope === 'user';
  }

  /** The session's home node (sticky reads; multi-leader writes). */
  home(session: string, user: string | undefined): number {
    const id = this.userScope && user !== undefined && this.cfg.readFrom === 'read-your-writes' ? user : session;
    return hashString(id) % this.n;
  }

  private positionKey(session: string, user: string | undefined): string {
    return this.userScope && user !== undefined ? user : session;
  }

  /** The first attempt's route for an op. */
  route(f: number, session: string, user: string | undefined, out: Route): void {
    out.minIndex = 0;
    out.maxLagMs = 0;
    const topo = this.cfg.topology;
    if (topo === 'leaderless') {
      out.route = R_LOCAL;
      out.node = this.cfg.readFrom === 'sticky' ? this.home(session, user) : this.rng.int(0, this.n - 1);
      return;
    }
    if (topo === 'multi-leader') {
      const home = this.home(session, user);
      out.route = R_LOCAL;
      out.node = home;
      if (f !== F_READ) return;
      if (this.cfg.readFrom === 'any') out.node = this.rng.int(0, this.n - 1);
      else if (this.cfg.readFrom === 'bounded-lag') {
        out.node = this.rng.int(0, this.n - 1);
        out.route = R_MAX_LAG;
        out.maxLagMs = this.cfg.maxLagMs;
      }
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
        out.node = this.rng.int(0, this.n - 1);
        out.route = R_LOCAL;
        return;
      case 'sticky':
        out.node = this.home(session, user);
        out.route = R_LOCAL;
        return;
      case 'read-your-writes':
        out.node = this.rng.int(0, this.n - 1);
        out.route = R_MIN_INDEX;
        out.minIndex = this.positions.get(this.positionKey(session, user)) ?? 0;
        return;
      case 'bounded-lag':
        out.node = this.rng.int(0, this.n - 1);
        out.route = R_MAX_LAG;
        out.maxLagMs = this.cfg.maxLagMs;
        return;
    }
  }

  /** A write completed ok at log position pos (single-leader): remember it for read-your-writes. */
  wrote(session: string, user: string | undefined, pos: number): void {
    if (pos <= 0 || this.cfg.readFrom !== 'read-your-writes') return;
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
