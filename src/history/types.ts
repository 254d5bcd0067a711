// The history model of SPEC section 4: raw events as written in JSONL, and paired operations.

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';
export type CompletionType = 'ok' | 'fail' | 'info';
export type ProcessId = number | 'nemesis';
/** `kv` (get / put / string append) comes only from the Porcupine kv importer, never from JSONL. */
export type WorkloadKind = 'append' | 'register' | 'kv';

/** One line of history.jsonl, exactly as SPEC section 4 defines it. */
export interface HistoryEvent {
  index: number;
  time: number;
  process: ProcessId;
  session?: string;
  user?: string;
  type: EventType;
  f: string;
  key?: string;
  value: unknown;
  node?: string;
  final?: boolean;
  error?: string;
  /** Optional, completions only: the serving node's replica state when it answered (docs/history.md). */
  served?: Served;
}

/**
 * What the node that served an op knew of itself when it answered, for targets that know it (an
 * extension of SPEC section 4: `"served":{"role":"leader","term":3,"pos":812}`; docs/history.md).
 */
export interface Served {
  /** `leader`, `follower`, `candidate` (single-leader), `leader` (multi-leader), `coordinator` (leaderless), or a client module's word. */
  role: string;
  /** The node's term (epoch) when it answered. */
  term?: number;
  /** The node's replication position: its applied log index (single-leader), the writes it has applied (multi-leader). */
  pos?: number;
}

/**
 * A client operation: an invoke paired with its completion. An invoke with no completion by the
 * end of the history is treated as `info` (indeterminate), with `completeIndex` = -1 and
 * `completeTime` = +Infinity. The ops of a history HistoryBuilder built are BuiltOps
 * (history/op.ts), whose fields are getters over columns: copy one with `{ ...plainOp(op), … }`,
 * never `{ ...op }` (a spread copies own fields only).
 */
export interface Op {
  /** Position of this op in History.ops. */
  id: number;
  process: number;
  session: string;
  user?: string;
  f: string;
  key: string;
  type: CompletionType;
  invokeIndex: number;
  completeIndex: number;
  invokeTime: number;
  completeTime: number;
  /** The value on the invoke event (append element, write value, cas [from,to], null for reads). */
  invokeValue: unknown;
  /** The value on the completion (read result for ok reads); the invoke value when not completed. */
  value: unknown;
  node?: string;
  final: boolean;
  error?: string;
  /** The serving node's replica state, from the completion (see Served). */
  served?: Served;
}

/** A nemesis event (process "nemesis"), kept for reports and timelines. */
export type NemesisEvent = HistoryEvent & { process: 'nemesis' };

export interface History {
  /** Where it came from (file path), for messages. */
  source?: string;
  /** Client operations in invoke order. */
  ops: Op[];
  /** Nemesis events in history order. */
  nemesis: NemesisEvent[];
  /** Number of events (lines) in the history. */
  eventCount: number;
  /** Time of the last event, ns. */
  endTime: number;
  /** Which workload the ops belong to (inferred from their `f`s). */
  workload: WorkloadKind;
  /** Whether any op is marked `final`. */
  hasFinalReads: boolean;
}

/** The history index by which an op is named in anomalies: its completion, or its invoke if none. */
export function opIndex(op: Op): number {
  return op.completeIndex >= 0 ? op.completeIndex : op.invokeIndex;
}

export const APPEND_FS = new Set(['append', 'read']);
export const REGISTER_FS = new Set(['write', 'read', 'cas']);
/** The kv workload's fs, accepted by the builder only when it is told the history is kv. */
export const KV_FS = new Set(['get', 'put', 'append']);
