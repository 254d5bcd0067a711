// The Target, Client and Capabilities roles (DESIGN.md): what the runner and the nemesis drive.
// Every target has setup, clients, final reads, teardown and its node names; each fault family is
// an optional capability (Jepsen's DB protocols), declared only where the target really has it.

import type { CrashKind } from '../config/types.js';
import type { Served } from '../history/types.js';

export type NodeId = string;

export interface SessionInfo {
  /** Client process id as recorded in the history. */
  process: number;
  session: string;
  user?: string;
}

export interface Invocation {
  f: string;
  key: string;
  value: unknown;
}

/** An op's outcome. Client errors become fail (certainly not applied) or info (may have applied). */
export interface Completion {
  type: 'ok' | 'fail' | 'info';
  value: unknown;
  node?: NodeId;
  error?: string;
  /** The serving node's role, term and replication position when it answered, if the target knows them. */
  served?: Served;
}

export interface FinalRead {
  node: NodeId;
  completion: Completion;
}

// ---------------------------------------------------------------------------------------------
// The runner's view: callback form. The simulator runs every client, fault and message on one
// virtual-time event queue, so the runner drives targets through callbacks on a Scheduler rather
// than promises (deterministic ordering, no microtask draining per event, >= 500k ops/s). A
// real-time target (HTTP) implements the same form with setTimeout and fetch.

export interface Timer {
  cancel(): void;
}

export interface Scheduler {
  /** Nanoseconds since the run started (virtual for the memory target). */
  nowNs(): number;
  /** Calls fn after delayNs (>= 0). Same-time callbacks run in the order they were scheduled. */
  after(delayNs: number, fn: () => void): Timer;
  /** Runs callbacks until none is left or stop() was called. */
  run(): Promise<void>;
  stop(): void;
  /**
   * True for a simulated clock (the run goes as fast as the CPU, so it builds its History as it
   * goes); a real-time scheduler's run keeps its events in columns and builds it at the end.
   */
  readonly virtual?: boolean;
}

export interface Client {
  /** Exactly one call of done per invoke (a timeout yields info; never throws). */
  invoke(op: Invocation, done: (c: Completion) => void): void;
}

export interface LagSample {
  timeNs: number;
  node: NodeId;
  /** How far behind the leader's log (or the newest write) this node is, ms. */
  lagMs: number;
}

/** The fault families a target may have; each is all-or-nothing. */
export interface Capabilities {
  /**
   * Crash a node (it answers nothing) and start it again with its durable state. `crashes`: the
   * crash kinds (SPEC 9) the target can honour, its default first; absent = ['process'] (a real
   * process kill: the kernel still delivers what the node wrote to its sockets).
   */
  kill: { kill(n: NodeId, crash?: CrashKind): void; restart(n: NodeId): void; crashes?: readonly CrashKind[] };
  /** Freeze a node (it answers nothing, loses nothing) and let it go on. */
  pause: { pause(n: NodeId): void; resume(n: NodeId): void };
  /** Cut the links between groups (within a group traffic flows; clients reach every node). */
  partition: { partition(groups: NodeId[][]): void; heal(): void };
  /** Move a node's clock by offsetMs (0 resets it). */
  clock: { skewClock(n: NodeId, offsetMs: number): void };
  /** The node that currently believes it leads (the newest term), if any. */
  leader: { leader(): NodeId | undefined };
  /** Replication lag samples taken so far. */
  lag: { lagSamples(): LagSample[] };
}

export type Capability = keyof Capabilities;

export const CAPABILITIES: readonly Capability[] = ['kill', 'pause', 'partition', 'clock', 'leader', 'lag'];

/** One line per capability, for `replcheck list` and error messages. */
export const CAPABILITY_TEXT: Record<Capability, string> = {
  kill: 'kill and restart nodes',
  pause: 'pause and resume nodes',
  partition: 'partition the network between nodes',
  clock: 'skew node clocks',
  leader: 'tell which node leads',
  lag: 'sample replication lag',
};

export interface Target {
  name: string;
  scheduler: Scheduler;
  /** The node names (n1, n2, ...), fixed for the run. */
  nodes(): NodeId[];
  setup(done: () => void): void;
  client(session: SessionInfo): Client;
  /** Only the fault families this target can really inject. */
  faults: Partial<Capabilities>;
  /** After setup: a few lines saying where the nodes are (addresses, namespaces, logs), for the terminal. */
  about?(): string[];
  /** Why a capability is missing, where the target can say (shown when a schedule needs it). */
  lacks?: Partial<Record<Capability, string>>;
  /** Reads `key` on every live node (after healing and settling), one FinalRead per node. */
  finalRead(key: string, done: (reads: FinalRead[]) => void): void;
  teardown(done: () => void): void;
}

/** The capabilities a target has, in CAPABILITIES order. */
export function capabilitiesOf(faults: Partial<Capabilities>): Capability[] {
  return CAPABILITIES.filter((c) => faults[c] !== undefined);
}

/** Every fault as one flat object (own targets implement them all), grouped by fullCapabilities. */
export interface FlatFaults {
  leader(): NodeId | undefined;
  kill(n: NodeId, crash?: CrashKind): void;
  restart(n: NodeId): void;
  partition(groups: NodeId[][]): void;
  heal(): void;
  skewClock(n: NodeId, offsetMs: number): void;
  pause(n: NodeId): void;
  resume(n: NodeId): void;
}

export function fullCapabilities(f: FlatFaults, lagSamples: () => LagSample[]): Capabilities {
  return {
    kill: { kill: f.kill, restart: f.restart },
    pause: { pause: f.pause, resume: f.resume },
    partition: { partition: f.partition, heal: f.heal },
    clock: { skewClock: f.skewClock },
    leader: { leader: f.leader },
    lag: { lagSamples },
  };
}
