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
