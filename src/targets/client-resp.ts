// What a client does with a node's answer, shared by the memory and http targets: complete the op
// (ok / fail), or re-route it after a redirect. Both targets must behave alike (DESIGN principle 5).

import { C_FAIL, C_OK, C_REDIRECT, F_APPEND, F_READ, R_LEADER, R_LOCAL, type ClientResp, type Route, type Router } from '../replication/index.js';
import type { Completion } from './types.js';

/** The client-side state of an op in flight that the answer updates. */
export interface RoutedOp extends Route {
  f: number;
  value: unknown;
  session: string;
  user: string | undefined;
  hops: number;
}

export interface RespContext {
  router: Router;
  topology: 'single-leader' | 'multi-leader' | 'leaderless';
  maxRedirects: number;
  /** The node's name, for the completion. */
  nodeName: string;
  /** How a read's value looks to the history (e.g. an absent key as [] or null). */
  visible(v: unknown): unknown;
  /** The client's clock, ms (leader-after-write remembers when a write completed); absent: 0. */
  nowMs?(): number;
}

/**
 * The completion an answer settles, or undefined when the op was re-routed (p.node / p.route
 * updated) and must be sent again.
 */
export function completionFor(r: ClientResp, p: RoutedOp, ctx: RespContext): Completion | undefined {
  const c = settled(r, p, ctx);
  // The node's own account of its state as it answered (role, term, position), for the history.
  if (c !== undefined && r.served !== undefined && (r.c === C_OK || r.c === C_FAIL)) c.served = r.served;
  return c;
}

function settled(r: ClientResp, p: RoutedOp, ctx: RespContext): Completion | undefined {
  const node = ctx.nodeName;
  if (r.c === C_OK) {
    if (p.f === F_READ) return { type: 'ok', value: ctx.visible(r.value), node };
    ctx.router.wrote(p.session, p.user, r.pos, ctx.nowMs?.() ?? 0);
    // An append's element may have been computed by the node (nondeterministic statements).
    return { type: 'ok', value: p.f === F_APPEND ? r.value : p.value, node };
  }
  if (r.c === C_FAIL) return { type: 'fail', value: p.value, node, error: r.error ?? 'failed' };
  if (r.c === C_REDIRECT) {
    // Redirects are answered before anything is applied, so giving up is a certain fail.
    if (p.hops >= ctx.maxRedirects) return { type: 'fail', value: p.value, node, error: r.error ?? 'too many redirects' };
    p.hops++;
    if (ctx.topology === 'single-leader') {
      p.node = ctx.router.redirected(r.redirect, r.node);
      p.route = R_LEADER;
    } else {
      p.node = ctx.router.home(p.session, p.user);
      p.route = R_LOCAL;
    }
    return undefined;
  }
  return { type: p.f === F_READ ? 'fail' : 'info', value: p.value, node, error: `unexpected completion code ${String(r.c)}` };
}
