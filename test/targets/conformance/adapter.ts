// What the conformance suite needs from each target type: how to build a fresh target, and how to
// observe it from outside its own bookkeeping (adapters know the internals; the suite does not).

import type { Capability, NodeId, Target } from '../../../src/targets/types.js';
import type { Harness } from './harness.js';

export type WorkloadKind = 'append' | 'register';

/** One node as seen from outside the target, right now. */
export interface NodeView {
  /** An application-level request sent to this very node (not routed elsewhere) got an ok answer within the probe window. */
  answers: boolean;
  /** Real processes: the node's OS process as last seen (undefined for simulated nodes). */
  pid?: number;
  /** Real processes: that PID's state in /proc (R/S/D... running, T stopped, gone: no such process or a zombie). */
  process?: 'running' | 'stopped' | 'gone';
  /** Real processes: a TCP connect to the node's client port from the host is refused. */
  portRefused?: boolean;
  /** Simulated nodes: the node's state machine exists (it is not crashed). */
  replica?: boolean;
}

/** The outside view of one built target. */
export interface Observer {
  /** Learns what the target created so far (PIDs, temp dirs, namespaces, ports) for the teardown check; call after setup and after restarts. */
  record(h: Harness): Promise<void>;
  /** The node from outside; answerWithinMs bounds the application-level probe. */
  view(h: Harness, node: NodeId, answerWithinMs: number): Promise<NodeView>;
  /** Whether node-to-node traffic from a to b gets through now (a real connection, a link matrix). */
  flows(h: Harness, a: NodeId, b: NodeId): Promise<boolean>;
  /** The node that really leads now, by the system's own account (undefined: none does). */
  leader(h: Harness): Promise<NodeId | undefined>;
  /** The node's clock offset as the node itself applies it, ms (targets with the clock capability). */
  clockOffsetMs?(h: Harness, node: NodeId): Promise<number>;
  /** After teardown: what of everything record() saw is still there (empty when clean). */
  leftovers(h: Harness): Promise<string[]>;
}

export interface Built {
  target: Target;
  observer: Observer;
}

export interface ConformanceAdapter {
  /** The target's name in test titles. */
  name: string;
  /** The simulator's virtual clock (the scheduler runs only while the test waits on it). */
  virtualTime: boolean;
  /** Nodes are OS processes: views must carry their PID, /proc state and client-port refusal (else a replica). */
  processes: boolean;
  /** Exactly the capabilities the target must declare, in CAPABILITIES order. */
  capabilities: Capability[];
  /** Bounds, ms of the target's clock: final reads agree within settleMs after healing; a restarted node answers within restartWithinMs; a fault applied in the background shows within faultWithinMs. */
  settleMs: number;
  restartWithinMs: number;
  faultWithinMs: number;
  /** A fresh target (not set up) holding the workload's values, with its observer. */
  build(workload: WorkloadKind): Built;
  /** Once after the target's tests (e.g. removes a private copy of dist). */
  dispose?(): void;
}
