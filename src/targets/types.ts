// The Target, Client and Faults roles (DESIGN.md): what the runner and the nemesis drive.

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
}

export interface Client {
  invoke(op: Invocation): Promise<Completion>;
}

export interface FinalRead {
  node: NodeId;
  completion: Completion;
}

export interface Faults {
  nodes(): NodeId[];
  leader(): Promise<NodeId | undefined>;
  kill(n: NodeId): Promise<void>;
  restart(n: NodeId): Promise<void>;
  partition(groups: NodeId[][]): Promise<void>;
  heal(): Promise<void>;
  skewClock(n: NodeId, offsetMs: number): Promise<void>;
  pause(n: NodeId): Promise<void>;
  resume(n: NodeId): Promise<void>;
}

export interface Target {
  name: string;
  setup(): Promise<void>;
  client(session: SessionInfo): Client;
  faults: Faults;
  finalRead(key: string): Promise<FinalRead[]>;
  teardown(): Promise<void>;
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
}

export interface CbClient {
  /** Exactly one call of done per invoke (a timeout yields info; never throws). */
  invoke(op: Invocation, done: (c: Completion) => void): void;
}

export interface CbFaults {
  nodes(): NodeId[];
  /** The node that currently believes it leads (the newest term), if any. */
  leader(): NodeId | undefined;
  kill(n: NodeId): void;
  restart(n: NodeId): void;
  partition(groups: NodeId[][]): void;
  heal(): void;
  skewClock(n: NodeId, offsetMs: number): void;
  pause(n: NodeId): void;
  resume(n: NodeId): void;
}

export interface LagSample {
  timeNs: number;
  node: NodeId;
  /** How far behind the leader's log (or the newest write) this node is, ms. */
  lagMs: number;
}

export interface CbTarget {
  name: string;
  scheduler: Scheduler;
  setup(done: () => void): void;
  client(session: SessionInfo): CbClient;
  faults: CbFaults;
  /** Reads `key` on every live node (after healing and settling), one FinalRead per node. */
  finalRead(key: string, done: (reads: FinalRead[]) => void): void;
  /** Replication lag samples taken so far, where the target knows them. */
  lagSamples?(): LagSample[];
  teardown(done: () => void): void;
}
