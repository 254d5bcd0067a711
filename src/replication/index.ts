// The replicated store's logic, free of I/O: node state machines per topology, routing, and the
// wire protocol. createNode picks the state machine a DesignConfig asks for.

import type { NodeEnv, ReplicaConfig, ReplicaNode } from './types.js';
import { SingleLeaderNode, type SingleLeaderDurable } from './single-leader.js';
import { LeaderlessNode, MultiLeaderNode, type LwwDurable, type MultiLeaderDurable } from './lww.js';

export * from './types.js';
export { SingleLeaderNode, heartbeatMs } from './single-leader.js';
export type { SingleLeaderDurable } from './single-leader.js';
export { LeaderlessNode, MultiLeaderNode, newer } from './lww.js';
export type { LwwDurable, MultiLeaderDurable } from './lww.js';
export { Router, hashString, type Route } from './routing.js';
export { applyWrite, readValue, valueEquals, ndKind, makeElement } from './store.js';

/** A node of the configured topology; `durable` is what a crashed predecessor left behind. */
export function createNode(cfg: ReplicaConfig, env: NodeEnv, durable?: unknown): ReplicaNode {
  switch (cfg.topology) {
    case 'single-leader':
      return new SingleLeaderNode(cfg, env, durable as SingleLeaderDurable | undefined);
    case 'leaderless':
      return new LeaderlessNode(cfg, env, durable as LwwDurable | undefined);
    case 'multi-leader':
      return new MultiLeaderNode(cfg, env, durable as MultiLeaderDurable | undefined);
  }
}
