// replcheck's built-in client for PostgreSQL 15 (pg 8, a pool per node): append as a jsonb-array
// upsert, register as read / upsert / compare-and-set UPDATE; writes go to the primary the lifecycle
// shares (`shared.primary`), reads to it or to a standby; which errors are definite (principle 13).
//
// Append is `INSERT ... ON CONFLICT (k) DO UPDATE SET v = v || [element]` on one row per key, not one
// row per element ordered by a sequence: the row lock orders a key's appends in commit order, so every
// committed version of the list extends the one before. Sequence values are taken before commit, so
// with rows per element two concurrent appends can commit in the other order than their sequence
// numbers, and a read between the commits would show a list that is not a prefix of later ones.
// The tables (`lists`, `registers`) are made by the postgres lifecycle before it clones the standbys.

import pg from 'pg';
import { UserError } from '../../../errors.js';
import type { ClientContext, ClientNode, ClientOp, ExternalClient, OpContext, OpResult } from '../client-api.js';

// ---------------------------------------------------------------------------------------------
// The error table

/** Where an error happened: before the statement was sent (getting a connection), or after. */
export type PgPhase = 'connect' | 'query';

export interface PgVerdict {
  /** `fail`: certainly not applied; `info`: may have been applied. */
  type: 'fail' | 'info';
  error: string;
}

/** SQLSTATEs the server gives only to statements it did not (or could not) carry out. */
const DEFINITE_SQLSTATES: Record<string, string> = {
  '25006': 'read-only transaction (not the primary)',
  '57P03': 'the server does not accept connections now (starting up, shutting down or in recovery)',
  '40001': 'serialization failure',
  '40P01': 'deadlock detected',
  '53300': 'too many connections',
  '55000': 'object not in prerequisite state',
};
/** SQLSTATE classes of statements rejected before anything changed: data, integrity, syntax/access, auth, database. */
const DEFINITE_CLASSES = new Set(['22', '23', '42', '28', '3D', '0A']);
/** Socket errors before a connection exists: nothing was sent. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};
/** pg's own words for a client that never sent the statement. */
const NOT_SENT = /is not queryable|Client was closed/i;

function sqlstate(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  // (five characters, but not an errno name such as EPIPE: PostgreSQL has no SQLSTATE class E*)
  return typeof code === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code) ? code : undefined;
}

function text(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown } | null;
  const message = typeof err?.message === 'string' && err.message !== '' ? err.message : String(e);
  const code = typeof err?.code === 'string' ? err.code : undefined;
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * Maps a pg error to fail (definite) or info (may have been applied). A read changed nothing, so a
 * failed read is always `fail`. Whatever goes wrong while getting a connection (refused, timed
 * out, 57P03, too many connections) is `fail`: the statement was never sent. Once it was sent, a
 * timeout (statement_timeout 57014, query_timeout, replcheck's deadline), a lost connection (reset,
 * terminated, 57P01 / 57P02: the server may have committed before it went) or anything unknown is
 * `info` for a write; the server's definite refusals (25006 read-only, 57P03, 40001 serialization,
 * 40P01 deadlock, classes 22/23/42/28/3D/0A) are `fail`.
 */
export function classifyPgError(e: unknown, phase: PgPhase, write: boolean): PgVerdict {
  const definite = (error: string): PgVerdict => ({ type: 'fail', error });
  const maybe = (error: string): PgVerdict => ({ type: write ? 'info' : 'fail', error });
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof Aborted) return phase === 'connect' ? definite('timeout while connecting') : maybe('timeout');
  if (typeof code === 'string' && UNREACHABLE[code] !== undefined) return definite(UNREACHABLE[code]);
  if (phase === 'connect') return definite(text(e));
  const state = sqlstate(e);
  if (state !== undefined) {
    if (DEFINITE_SQLSTATES[state] !== undefined) return definite(text(e));
    if (DEFINITE_CLASSES.has(state.slice(0, 2))) return definite(text(e));
    return maybe(text(e));
  }
  if (NOT_SENT.test(text(e))) return definite(text(e));
  if (/Query read timeout/i.test(text(e))) return maybe('timeout (query_timeout)');
  return maybe(text(e));
}

// ---------------------------------------------------------------------------------------------
// Transport: a pool per node, one statement under replcheck's signal

/** Connections per node's pool: above any run's concurrency. */
const POOL_MAX = 32;
/** A leader() probe of one node, ms. */
const LEADER_PROBE_MS = 500;
/** How long close() waits for the pools, ms. */
const CLOSE_WAIT_MS = 1000;

/** replcheck's deadline passed (the op's signal aborted). */
class Aborted extends Error {}

/** An error with the phase it happened in. */
class PgFailure extends Error {
  constructor(
    readonly phase: PgPhase,
    readonly reason: unknown,
  ) {
    super(text(reason));
  }
}

/** What one connection's server said of itself when the client last asked (once per connection and failover). */
interface ConnState {
  /** Its timeline ID then. */
  tli?: number;
  standby: boolean;
  /** The primary the lifecycle named then: after a failover, every standby follows a new timeline. */
  primary: string;
}

interface Client {
  nodes: ClientNode[];
  pools: Map<string, pg.Pool>;
  /** Per connection: its server's timeline, read at its first use and again after a failover. */
  states: WeakMap<pg.PoolClient, ConnState>;
  /** Every connection the pools opened and still hold. */
  conns: Set<pg.PoolClient>;
  workload: ClientContext['workload'];
  standbyReads: boolean;
  shared: Record<string, unknown>;
}

function untilAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Aborted('timeout'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Aborted('timeout'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * The timeline of the server a connection is on: the primary's current one (the first 8 hex digits
 * of its WAL file name), a standby's the one it receives (or replays, when its receiver is down).
 */
const TIMELINE = `SELECT pg_is_in_recovery() AS standby, CASE WHEN pg_is_in_recovery()
  THEN COALESCE((SELECT received_tli FROM pg_stat_wal_receiver), (SELECT timeline_id FROM pg_control_checkpoint()))
  ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS tli`;

/** One statement's rows, and the timeline of the server that ran it (when known). */
interface Answer {
  result: pg.QueryResult;
  tli?: number;
}

/** The statement was not sent (the timeline query before it failed, or the deadline came first). */
class NotSent extends Error {
  constructor(readonly reason: unknown) {
    super(text(reason));
  }
}

/** The connection's timeline: known, or asked once (at its first use, and after a failover: not per op). */
async function timelineOf(c: Client, conn: pg.PoolClient): Promise<ConnState> {
  const known = c.states.get(conn);
  const p = primary(c);
  if (known !== undefined && known.primary === p) return known;
  let row: { standby?: unknown; tli?: unknown } | undefined;
  try {
    row = (await conn.query(TIMELINE)).rows[0] as typeof row;
  } catch (e) {
    throw new NotSent(e);
  }
  const tli = Number(row?.tli);
  const state: ConnState = { standby: row?.standby === true, primary: p, tli: Number.isSafeInteger(tli) && tli >= 0 ? tli : undefined };
  c.states.set(conn, state);
  return state;
}

/** Takes a connection from the node's pool under the signal (a late one goes back). */
async function checkout(c: Client, node: string, signal: AbortSignal): Promise<pg.PoolClient> {
  const pool = c.pools.get(node);
  if (pool === undefined) throw new PgFailure('connect', new Error(`no node ${node}`));
  const connecting = pool.connect();
  try {
    return await untilAbort(connecting, signal);
  } catch (e) {
    if (e instanceof Aborted) connecting.then((late) => late.release(), () => undefined);
    throw new PgFailure('connect', e);
  }
}

/** Names of the statements sent: each connection parses and plans a named statement once, not per op. */
const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) statementNames.set(sql, (name = `replcheck_${statementNames.size}`));
  return name;
}

/**
 * Runs one statement on a node's pool (after the connection's timeline query, when it has none
 * yet). Abandoned work (after the signal) still finishes in the background and gives its connection
 * back, but never sends the statement once the signal has aborted; a connection that saw any error
 * is closed, never reused.
 */
async function query(c: Client, node: string, sql: string, params: unknown[], signal: AbortSignal): Promise<Answer> {
  const conn = await checkout(c, node, signal);
  let sent = false;
  const running = (async (): Promise<Answer> => {
    const state = await timelineOf(c, conn);
    if (signal.aborted) throw new NotSent(new Aborted('timeout'));
    sent = true;
    const result = await conn.query({ name: statementName(sql), text: sql, values: params });
    // A server that changed sides since (a promoted standby) is asked again at the connection's next use.
    const standby = (result.rows[0] as { standby?: unknown } | undefined)?.standby;
    if (typeof standby === 'boolean' && standby !== state.standby) c.states.delete(conn);
    return { result, tli: state.tli };
  })();
  running.then(
    () => conn.release(),
    // (given up on before sending, the connection is fine: back to the pool)
    (e: unknown) => conn.release(e instanceof NotSent && e.reason instanceof Aborted ? undefined : e instanceof Error ? e : true),
  );
  try {
    return await untilAbort(running, signal);
  } catch (e) {
    if (e instanceof NotSent) throw new PgFailure('connect', e.reason);
    throw new PgFailure(e instanceof Aborted && !sent ? 'connect' : 'query', e);
  }
}

function primary(c: Client): string {
  const p = c.shared.primary;
  return typeof p === 'string' ? p : c.nodes[0].name;
}

/** A standby (any node but the primary) chosen at random per read (real-time adapter). */
function aStandby(c: Client): string {
  const p = primary(c);
  const others = c.nodes.filter((n) => n.name !== p);
  if (others.length === 0) return p;
  return others[Math.floor(Math.random() * others.length)].name;
}

// ---------------------------------------------------------------------------------------------
// Operations

const json = (v: unknown): string => JSON.stringify(v);

// Every statement also says, at no extra round trip, whether its server is a standby and its WAL
// position: a read, how far a standby has replayed (the primary: its WAL insert position); a write,
// the primary's insert position just after the write's change (its commit record follows).
const SERVER = `(SELECT pg_is_in_recovery() AS standby) AS s`;
const READ_LSN = `(CASE WHEN s.standby THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END - '0/0'::pg_lsn)::int8 AS lsn`;
const WRITE_LSN = `RETURNING false AS standby, (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::int8 AS lsn`;
const READ_LIST = `SELECT l.v, s.standby, ${READ_LSN} FROM ${SERVER} LEFT JOIN lists l ON l.k = $1`;
const READ_REGISTER = `SELECT r.v, s.standby, ${READ_LSN} FROM ${SERVER} LEFT JOIN registers r ON r.k = $1`;
const APPEND = `INSERT INTO lists AS l (k, v) VALUES ($1, jsonb_build_array($2::jsonb)) ON CONFLICT (k) DO UPDATE SET v = l.v || excluded.v ${WRITE_LSN}`;
const WRITE = `INSERT INTO registers AS r (k, v) VALUES ($1, $2::jsonb) ON CONFLICT (k) DO UPDATE SET v = excluded.v ${WRITE_LSN}`;
const CAS = `UPDATE registers SET v = $3::jsonb WHERE k = $1 AND v = $2::jsonb ${WRITE_LSN}`;
const CREATE_IF_ABSENT = `INSERT INTO registers (k, v) VALUES ($1, $2::jsonb) ON CONFLICT (k) DO NOTHING ${WRITE_LSN}`;
/** The register statements as sent (the bench's plain loop runs them too, to time the same SQL). */
export const REGISTER_STATEMENTS = { read: READ_REGISTER, write: WRITE, cas: CAS } as const;

function valueOf(c: Client, r: pg.QueryResult): unknown {
  const v = (r.rows[0] as { v?: unknown } | undefined)?.v;
  if (v === undefined || v === null) return c.workload === 'append' ? [] : null;
  return v;
}

/**
 * The server's own word in the answer: standby or primary (a write that ran was on a primary),
 * term = the connection's timeline ID, pos = the statement's LSN (bytes), when the answer has it.
 */
function servedOf(a: Answer): NonNullable<OpResult['served']> {
  const row = a.result.rows[0] as { standby?: unknown; lsn?: unknown } | undefined;
  const served: NonNullable<OpResult['served']> = { role: row?.standby === true ? 'standby' : 'primary' };
  if (a.tli !== undefined) served.term = a.tli;
  const lsn = typeof row?.lsn === 'string' || typeof row?.lsn === 'number' ? Number(row.lsn) : NaN;
  if (Number.isSafeInteger(lsn) && lsn >= 0) served.pos = lsn;
  return served;
}

async function perform(c: Client, op: ClientOp, ctx: OpContext): Promise<OpResult> {
  const write = op.f !== 'read';
  const node = write ? primary(c) : c.standbyReads ? aStandby(c) : primary(c);
  const ok = (a: Answer, value: unknown): OpResult => ({ type: 'ok', value, node, served: servedOf(a) });
  try {
    if (op.f === 'read') {
      const a = await query(c, node, c.workload === 'append' ? READ_LIST : READ_REGISTER, [op.key], ctx.signal);
      return ok(a, valueOf(c, a.result));
    }
    if (c.workload === 'append' && op.f === 'append') return ok(await query(c, node, APPEND, [op.key, json(op.value)], ctx.signal), op.value);
    if (c.workload === 'register' && op.f === 'write') return ok(await query(c, node, WRITE, [op.key, json(op.value)], ctx.signal), op.value);
    if (c.workload === 'register' && op.f === 'cas') {
      if (!Array.isArray(op.value) || op.value.length !== 2) return { type: 'fail', error: 'cas value must be [expected, new]' };
      const [expected, next] = op.value as [unknown, unknown];
      const a =
        expected === null
          ? await query(c, node, CREATE_IF_ABSENT, [op.key, json(next)], ctx.signal)
          : await query(c, node, CAS, [op.key, json(expected), json(next)], ctx.signal);
      if (a.result.rowCount !== 1) return { type: 'fail', error: 'compare failed', node, served: servedOf(a) };
      return ok(a, op.value);
    }
    return { type: 'fail', error: `op ${op.f} is not part of the ${c.workload} workload` };
  } catch (e) {
    if (!(e instanceof PgFailure)) throw e;
    return { ...classifyPgError(e.reason, e.phase, write), node };
  }
}

// ---------------------------------------------------------------------------------------------
// Final reads, leader, open

async function finalRead(c: Client, key: string, node: string, signal: AbortSignal): Promise<unknown> {
  if (!c.pools.has(node)) throw new Error(`postgres client: unknown node ${node}`);
  try {
    return valueOf(c, (await query(c, node, c.workload === 'append' ? READ_LIST : READ_REGISTER, [key], signal)).result);
  } catch (e) {
    throw new Error(`final read of ${key} on ${node}: ${e instanceof PgFailure ? classifyPgError(e.reason, e.phase, false).error : text(e)}`);
  }
}

/** The primary the lifecycle names; without one (another client instance), the one node not in recovery. */
async function leader(c: Client, signal: AbortSignal): Promise<string | undefined> {
  if (typeof c.shared.primary === 'string') return c.shared.primary;
  const probe = AbortSignal.any([signal, AbortSignal.timeout(LEADER_PROBE_MS)]);
  const answers = await Promise.all(
    c.nodes.map(async (n) => {
      try {
        const r = (await query(c, n.name, 'SELECT pg_is_in_recovery() AS recovery', [], probe)).result;
        return (r.rows[0] as { recovery?: boolean } | undefined)?.recovery === false ? n.name : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  const primaries = answers.filter((a): a is string => a !== undefined);
  return primaries.length === 1 ? primaries[0] : undefined;
}

function readsOption(options: Record<string, unknown>): boolean {
  const reads = options.reads ?? 'primary';
  if (reads !== 'primary' && reads !== 'standby') {
    throw new UserError(`postgres client: reads must be primary or standby (got ${JSON.stringify(reads)})`, { field: 'client.reads' });
  }
  return reads === 'standby';
}

function poolFor(n: ClientNode, timeoutMs: number, conns: Set<pg.PoolClient>): pg.Pool {
  const port = Number(n.vars.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new UserError(`postgres client: node ${n.name} needs a variable port (got ${JSON.stringify(n.vars.port)})`, { field: `nodes.${n.name}.port` });
  }
  const pool = new pg.Pool({
    host: n.host,
    port,
    user: 'postgres',
    database: 'postgres',
    application_name: 'replcheck',
    max: POOL_MAX,
    idleTimeoutMillis: 10_000,
    // A paused server accepts TCP (the kernel does) but never answers: give up well inside the op's deadline.
    connectionTimeoutMillis: Math.max(250, Math.min(1000, Math.floor(timeoutMs / 2))),
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs,
    keepAlive: true,
    allowExitOnIdle: true,
  });
  // An idle connection whose server died reports here; the pool drops it.
  pool.on('error', () => undefined);
  // pg also emits 'error' on a checked-out client whose connection ends (after failing its query):
  // the query's own error is what counts, and without a listener the event would crash the run.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    conns.add(client);
  });
  pool.on('remove', (client) => conns.delete(client));
  return pool;
}

/** Ends the pools; a connection that did not close in time (its server stopped, say) is dropped. */
async function closePools(c: Client): Promise<void> {
  const ended = Promise.all([...c.pools.values()].map((p) => p.end().catch(() => undefined)));
  await Promise.race([ended, new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref())]);
  for (const client of c.conns) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  c.conns.clear();
}

/** Opens the client for one run: a pool per node, no connection until the first op. */
export async function open(ctx: ClientContext): Promise<ExternalClient> {
  if (ctx.nodes.length === 0) throw new UserError('postgres client: the target has no nodes');
  const conns = new Set<pg.PoolClient>();
  const c: Client = {
    nodes: ctx.nodes,
    pools: new Map(ctx.nodes.map((n) => [n.name, poolFor(n, ctx.timeoutMs, conns)])),
    states: new WeakMap(),
    conns,
    workload: ctx.workload,
    standbyReads: readsOption(ctx.options),
    shared: ctx.shared ?? {},
  };
  return {
    invoke: (op, opCtx) => perform(c, op, opCtx),
    finalRead: (key, node, { signal }) => finalRead(c, key, node, signal),
    leader: ({ signal }) => leader(c, signal),
    close: () => closePools(c),
  };
}
