// The client-module interface of external targets (SPEC section 7): what a built-in client or a
// user's own ESM module exports. replcheck owns timeouts and the history; a module only talks to
// the system under test and says, per op, ok / fail (certainly not applied) / info (may have).

/** One node of the system under test, as the client sees it. */
export interface ClientNode {
  /** The node's name in the target file (n1, n2, ...); histories record it as `node`. */
  name: string;
  /** The address the runner reaches the node at (its namespace address, or 127.0.0.1). */
  host: string;
  /** The node's variables after substitution (ports, names, ...), as strings. */
  vars: Record<string, string>;
}

/** Handed to `open` once per run. */
export interface ClientContext {
  nodes: ClientNode[];
  /** Which workload runs: the values a key holds (a list for append, a value for register). */
  workload: 'append' | 'register';
  /** The target file's `client:` section without `module` (e.g. `{ reads: 'serializable' }`). */
  options: Record<string, unknown>;
  /** replcheck's deadline for one op, ms (after it the op is recorded as timed out). */
  timeoutMs: number;
  /** State shared with the target's lifecycle module, if it has one (e.g. `shared.primary`, set on failover). */
  shared: Record<string, unknown>;
}

/** One client operation (SPEC section 4): append/read on the append workload, read/write/cas on register. */
export interface ClientOp {
  f: 'append' | 'read' | 'write' | 'cas';
  key: string;
  /** append: the element; write: the value; cas: [expected, new]; read: null. */
  value: unknown;
}

/** Who issues an op: the history's process and session (a user's device), and the user. */
export interface OpContext {
  process: number;
  session: string;
  user?: string;
  /** Aborted when replcheck's deadline for the op passes; stop waiting then. */
  signal: AbortSignal;
}

/**
 * An op's outcome. `ok`: it happened (value: what a read returned, or the element an append
 * stored); `fail`: it certainly did not happen; `info`: it may or may not have (a timeout).
 */
export interface OpResult {
  type: 'ok' | 'fail' | 'info';
  value?: unknown;
  /** The node that served it. */
  node?: string;
  error?: string;
  /**
   * Optional: what the serving node said of itself when it answered, if the client sees it (e.g.
   * a response header with the node's term and revision): `role` (leader, follower, primary,
   * replica, ...), `term` (its term or epoch) and `pos` (its replication position: log index,
   * revision, LSN), non-negative integers. Recorded as the completion's `served`; a malformed one
   * is left out. See docs/history.md.
   */
  served?: { role: string; term?: number; pos?: number };
}

/** What `open` resolves to: one object serving every session of the run. */
export interface ExternalClient {
  /**
   * Performs one op. A thrown error is `info` (a read: `fail`), unless the error has
   * `definite: true` (then `fail`): only a module knows which of its errors are definite.
   */
  invoke(op: ClientOp, ctx: OpContext): Promise<OpResult>;
  /** The key's value on this node, read locally (after healing and settling): [] / null when absent. */
  finalRead(key: string, node: string, ctx: { signal: AbortSignal }): Promise<unknown>;
  /** The node that currently leads, if the system has one (enables kill-leader, pause-leader, isolate-leader). */
  leader?(ctx: { signal: AbortSignal }): Promise<string | undefined>;
  /** Called once at the end of the run (close connections). */
  close?(): Promise<void>;
}

/** A client module: `export async function open(ctx) { ... }` (or a default export with `open`). */
export interface ClientModule {
  open(ctx: ClientContext): Promise<ExternalClient>;
}

/** An error a module throws for an outcome it knows did not happen (e.g. connection refused). */
export class DefiniteError extends Error {
  readonly definite = true;
}
