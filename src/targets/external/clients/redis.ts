// replcheck's built-in client for Redis 7 with Sentinel, on ioredis: append as RPUSH / LRANGE,
// register as GET / SET / a compare-and-set script; writes through Sentinel (following failovers) or
// to the first primary; leader discovery from Sentinel; the table of definite errors (DESIGN 13).

import { Redis, type RedisOptions } from 'ioredis';
import { UserError } from '../../../errors.js';
import type { ClientContext, ClientNode, ClientOp, ExternalClient, OpResult } from '../client-api.js';
import { batchWrite, type BatchedConnection } from './write-batch.js';

// ---------------------------------------------------------------------------------------------
// The error table
//
// Every connection runs without ioredis's offline queue (a command while not connected is rejected
// at once, never sent later), without re-sending in-flight commands after a reconnect, without
// retries (maxRetriesPerRequest 0), and with a timeout per command. So an error says exactly where
// the command was when it went wrong:
//
// | error                                                         | where the command was            | verdict |
// | ------------------------------------------------------------- | -------------------------------- | ------- |
// | "Stream isn't writeable and enableOfflineQueue ... false"     | never sent: no connection (refused, reconnecting, not ready) | fail |
// | "Connection is closed."                                       | never sent: the client is closed | fail    |
// | "Command timed out" (commandTimeout)                          | sent, no answer                  | info    |
// | MaxRetriesPerRequestError, "Command aborted due to connection close" | sent, the connection dropped before the answer | info |
// | reply READONLY (a replica), NOREPLICAS (min-replicas-to-write) | refused by the server           | fail    |
// | reply LOADING, MASTERDOWN, BUSY, OOM, MISCONF, NOSCRIPT, NOAUTH, NOPERM, WRONGTYPE, EXECABORT, CLUSTERDOWN, TRYAGAIN | refused before it ran | fail |
// | any other error reply to RPUSH / SET / GET / LRANGE           | a Redis command is atomic: an error reply changed nothing | fail |
// | any other error reply to the cas script                       | the script may have failed after writing | info |
// | anything else                                                 | unknown                          | info    |
//
// A read changed nothing, so a failed read is always `fail`.
//
// The commands the sessions send in one turn share socket writes (write-batch.ts): each is still
// sent on its own, answered on its own and timed out on its own, so the table is unchanged.

/** Error replies Redis gives to commands (and scripts) it refused before running them. */
const REFUSED_REPLIES = new Set(['READONLY', 'NOREPLICAS', 'LOADING', 'MASTERDOWN', 'BUSY', 'OOM', 'MISCONF', 'NOSCRIPT', 'NOAUTH', 'NOPERM', 'WRONGTYPE', 'EXECABORT', 'CLUSTERDOWN', 'TRYAGAIN']);
const NOT_SENT = /Stream isn't writeable|enableOfflineQueue|^Connection is closed/;
const TIMED_OUT = /^Command timed out/;
const DROPPED_IN_FLIGHT = /Reached the max retries per request|Command aborted due to connection close/;

export interface RedisVerdict {
  /** `fail`: certainly not applied; `info`: may have been applied. */
  type: 'fail' | 'info';
  error: string;
}

/** What kind of command failed: a read, a plain write (RPUSH / SET), or the cas script. */
export type CommandKind = 'read' | 'write' | 'script';

/** Maps an ioredis error to fail (definite) or info (may have applied). */
export function classifyRedisError(e: unknown, kind: CommandKind): RedisVerdict {
  const err = e as { name?: unknown; message?: unknown } | null;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  const maybe = (error: string): RedisVerdict => ({ type: kind === 'read' ? 'fail' : 'info', error });
  const definite = (error: string): RedisVerdict => ({ type: 'fail', error });
  if (err?.name === 'ReplyError') {
    const code = message.split(' ', 1)[0];
    if (REFUSED_REPLIES.has(code) || kind !== 'script') return definite(message);
    return maybe(message);
  }
  if (NOT_SENT.test(message)) return definite(`not connected, not sent (${message})`);
  if (TIMED_OUT.test(message)) return maybe('timeout');
  if (err?.name === 'MaxRetriesPerRequestError' || DROPPED_IN_FLIGHT.test(message)) return maybe(`connection lost with the command in flight (${message})`);
  return maybe(message);
}

// ---------------------------------------------------------------------------------------------
// Connections

/** How long a TCP connect may take (a dead node refuses at once; this bounds one that hangs). */
const CONNECT_TIMEOUT_MS = 1000;
/** Cap of one Sentinel question in leader() (a paused Sentinel must not hold it up). */
const SENTINEL_TIMEOUT_MS = 500;
/** How long open() waits for the first connections. */
const OPEN_TIMEOUT_MS = 10_000;
/** Backoff between reconnects, ms: 50, 100, ... up to this. */
const MAX_RECONNECT_DELAY_MS = 500;
/** How often open() checks whether the cluster has formed. */
const FORMED_POLL_MS = 100;

interface Server {
  node: ClientNode;
  port: number;
  /** A direct connection to this node's redis-server. */
  conn: Redis;
  /** A write to it got READONLY since its last ok write: it is a replica now (Sentinel demoted it). */
  readonly?: boolean;
  /** The highest Sentinel config epoch at which a Sentinel named this node primary (leader() polls). */
  epoch?: number;
  /** The last `served` handed out for this node, reused while role and term stay (no object per op). */
  served?: NonNullable<OpResult['served']>;
}

type Role = 'primary' | 'replica';

interface Client {
  workload: ClientContext['workload'];
  servers: Server[];
  /** Plain connections to each node's Sentinel (leader() asks them). */
  sentinels: Redis[];
  /** Where writes (and reads: primary) go: ioredis's Sentinel-mode connection, or n1's direct one. */
  primary: { conn: Redis; fixed?: Server; stream?: unknown; at?: Server };
  masterName: string;
  replicaReads: boolean;
  all: Redis[];
  /** The newest config epoch any Sentinel answered with (leader() polls). */
  epoch?: number;
  /** The node the Sentinels name primary at that epoch (leader()'s answer). */
  named?: Server;
}

const noop = (): void => undefined;

/** The options of every data connection: no offline queue, no re-sending, no retries, a timeout per command. */
export function connectionOptions(timeoutMs: number): RedisOptions {
  return {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (times: number) => Math.min(times * 50, MAX_RECONNECT_DELAY_MS),
    disableClientInfo: true,
    enableReadyCheck: true,
  };
}

/** Every ioredis client gets an error listener: connection errors surface on commands (the table), not on stderr. */
function track(c: Pick<Client, 'all'>, r: Redis): Redis {
  r.on('error', noop);
  c.all.push(r);
  return r;
}

function portOf(node: ClientNode, name: string): number {
  const port = Number(node.vars[name]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new UserError(`redis client: node ${node.name} needs a variable ${name} (got ${JSON.stringify(node.vars[name])})`, { field: `nodes.${node.name}.${name}` });
  }
  return port;
}

/** The node at a host:port (of a redis-server), if it is one of ours. */
function nodeAt(c: Pick<Client, 'servers'>, host: string | undefined, port: number | undefined): Server | undefined {
  if (host === undefined || port === undefined) return undefined;
  const h = host.replace(/^::ffff:/, '');
  return c.servers.find((s) => s.node.host === h && s.port === port);
}

/** The node the primary connection is connected to now (Sentinel mode: wherever Sentinel sent it). */
function primaryServer(c: Client): Server | undefined {
  const p = c.primary;
  if (p.fixed !== undefined) return p.fixed;
  if (p.conn.status !== 'ready') return undefined;
  // looked up once per socket (a failover or a reconnect makes a new one), not per op
  const s = p.conn.stream;
  if (s !== p.stream || p.at === undefined) {
    p.stream = s;
    p.at = nodeAt(c, s?.remoteAddress, s?.remotePort);
  }
  return p.at;
}

/** A replica chosen per read: any node but the primary (real-time adapter: Math.random). */
function replicaServer(c: Client): Server {
  const primary = primaryServer(c) ?? c.servers[0];
  const others = c.servers.filter((s) => s !== primary);
  return others[Math.floor(Math.random() * others.length)] ?? primary;
}

// ---------------------------------------------------------------------------------------------
// Encoding: list elements and register values are JSON text

class BadValue extends Error {}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadValue(`bad value: not JSON: ${text.slice(0, 80)}`);
  }
}

const decodeList = (items: string[]): unknown[] => items.map(parse);
const decodeRegister = (text: string | null): unknown => (text === null ? null : parse(text));

/** compare-and-set: ARGV[1] '1' means "expect the key absent", else expect the value ARGV[2]; sets ARGV[3]. */
export const CAS_SCRIPT = `local v = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if v then return 0 end
elseif v ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1`;

// ---------------------------------------------------------------------------------------------
// Operations

/** How a key is read in each workload: the command, and the decoder of its reply. */
interface KeyReader {
  send(conn: Redis, key: string): Promise<unknown>;
  decode(reply: unknown): unknown;
}

const READERS: Record<ClientContext['workload'], KeyReader> = {
  append: { send: (conn, key) => conn.lrange(key, 0, -1), decode: (items) => decodeList(items as string[]) },
  register: { send: (conn, key) => conn.get(key), decode: (text) => decodeRegister(text as string | null) },
};

async function readValue(c: Client, conn: Redis, key: string): Promise<unknown> {
  const reader = READERS[c.workload];
  return reader.decode(await reader.send(conn, key));
}

/**
 * What the client knows of the server that answered, for free: its role (see `read` and `written`)
 * and term: the Sentinel config epoch at which the node was last named primary (for a primary) or
 * the newest epoch (for a replica), when a Sentinel has said one (leader()'s polling).
 */
function servedBy(c: Client, at: Server, role: Role): NonNullable<OpResult['served']> {
  const term = role === 'primary' ? at.epoch : c.epoch;
  const last = at.served;
  if (last !== undefined && last.role === role && last.term === term) return last;
  // frozen: the driver checks a frozen served once (asServed), not on every op
  return (at.served = Object.freeze(term === undefined ? { role } : { role, term }));
}

/** The result of an answered command (made by the caller for it), with the answering node and its `served`. */
function answered(c: Client, at: Server | undefined, role: Role, r: OpResult): OpResult {
  if (at === undefined) return r;
  r.node = at.node.name;
  r.served = servedBy(c, at, role);
  return r;
}

/** What a failed command (or a reply that is not our JSON) says: the error table's verdict. */
function failed(kind: CommandKind, node: Server | undefined, e: unknown): OpResult {
  if (e instanceof BadValue) return { type: 'fail', error: e.message };
  const v = classifyRedisError(e, kind);
  // A replica refuses writes: the node is one now (Sentinel demoted it, or it never was primary).
  if (node !== undefined && kind !== 'read' && /^READONLY/.test(v.error)) node.readonly = true;
  return node === undefined ? v : { ...v, node: node.node.name };
}

/**
 * One command and its outcome, in one promise step: `ok` of the reply, or the error table's verdict
 * of whatever went wrong (sending, the reply, or decoding it). No async function per op: each costs
 * a promise and a microtask more on the path between an answer and the session's next op.
 */
function outcome<T>(kind: CommandKind, node: Server | undefined, send: () => Promise<T>, ok: (reply: T) => OpResult): Promise<OpResult> {
  let p: Promise<T>;
  try {
    p = send();
  } catch (e) {
    return Promise.resolve(failed(kind, node, e));
  }
  return p.then(
    (reply) => {
      try {
        return ok(reply);
      } catch (e) {
        return failed(kind, node, e);
      }
    },
    (e: unknown) => failed(kind, node, e),
  );
}

/**
 * A read's role is the connection's: `primary` for the primary connection (`replica` once its node
 * answered a write with READONLY), `replica` for a replica's (`primary` if Sentinel now names it).
 */
function read(c: Client, op: ClientOp): Promise<OpResult> {
  const server = c.replicaReads ? replicaServer(c) : undefined;
  const conn = server?.conn ?? c.primary.conn;
  batchWrite(conn as BatchedConnection);
  const at = server ?? primaryServer(c);
  const role: Role = server !== undefined ? (c.named === server ? 'primary' : 'replica') : at?.readonly === true ? 'replica' : 'primary';
  const reader = READERS[c.workload];
  return outcome('read', at, () => reader.send(conn, op.key), (reply) => answered(c, at, role, { type: 'ok', value: reader.decode(reply) }));
}

/** A write acknowledged by the primary connection's node: it is a primary (a replica says READONLY). */
function acknowledged(c: Client, at: Server | undefined, op: ClientOp): OpResult {
  if (at !== undefined) at.readonly = false;
  return answered(c, at, 'primary', { type: 'ok', value: op.value });
}

function invoke(c: Client, op: ClientOp): Promise<OpResult> {
  if (op.f === 'read') return read(c, op);
  const conn = c.primary.conn;
  batchWrite(conn as BatchedConnection);
  const at = primaryServer(c);
  if (c.workload === 'append' && op.f === 'append') {
    return outcome('write', at, () => conn.rpush(op.key, JSON.stringify(op.value)), () => acknowledged(c, at, op));
  }
  if (c.workload === 'register' && op.f === 'write') {
    return outcome('write', at, () => conn.set(op.key, JSON.stringify(op.value)), () => acknowledged(c, at, op));
  }
  if (c.workload === 'register' && op.f === 'cas') {
    if (!Array.isArray(op.value) || op.value.length !== 2) return Promise.resolve({ type: 'fail', error: 'cas value must be [expected, new]' });
    const [expected, next] = op.value as [unknown, unknown];
    const absent = expected === null;
    const send = (): Promise<unknown> => conn.eval(CAS_SCRIPT, 1, op.key, absent ? '1' : '0', absent ? '' : JSON.stringify(expected), JSON.stringify(next));
    // (the script ran: only a primary runs a script that may write, a replica says READONLY)
    return outcome('script', at, send, (done) =>
      done === 1 ? acknowledged(c, at, op) : answered(c, at, 'primary', { type: 'fail', error: 'compare failed', node: at?.node.name }),
    );
  }
  return Promise.resolve({ type: 'fail', error: `op ${op.f} is not part of the ${c.workload} workload` });
}

/** Rejects when the signal aborts (ioredis commands take no signal; their own timeout ends them later). */
function bounded<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('timeout'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('timeout'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e as Error)),
    );
  });
}

async function finalRead(c: Client, key: string, node: string, signal: AbortSignal): Promise<unknown> {
  const server = c.servers.find((s) => s.node.name === node);
  if (server === undefined) throw new Error(`redis client: unknown node ${node}`);
  try {
    return await bounded(readValue(c, server.conn, key), signal);
  } catch (e) {
    throw new Error(`final read of ${key} on ${node}: ${e instanceof BadValue ? e.message : classifyRedisError(e, 'read').error}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Leader discovery: Sentinel's view

interface MasterAnswer {
  host: string;
  port: number;
  epoch: number;
  /**
   * A failover is under way: the promoted replica has taken the new config epoch while the answer
   * still names the old primary (until the Sentinel switches), so the pair is not one config.
   */
  failingOver: boolean;
}

/** One Sentinel's `SENTINEL MASTER name` answer, as fields. */
async function sentinelMaster(c: Client, s: Redis): Promise<Record<string, string>> {
  const flat = (await s.call('SENTINEL', 'MASTER', c.masterName)) as unknown;
  const f: Record<string, string> = {};
  if (Array.isArray(flat)) for (let i = 0; i + 1 < flat.length; i += 2) f[String(flat[i])] = String(flat[i + 1]);
  return f;
}

/** One Sentinel's view: the primary's address and the config epoch that put it there. */
async function askSentinel(c: Client, s: Redis): Promise<MasterAnswer | undefined> {
  try {
    const f = await sentinelMaster(c, s);
    const port = Number(f.port);
    const epoch = Number(f['config-epoch'] ?? 0);
    if (f.ip === undefined || !Number.isInteger(port)) return undefined;
    return { host: f.ip, port, epoch: Number.isFinite(epoch) ? epoch : 0, failingOver: /failover_in_progress/.test(f.flags ?? '') };
  } catch {
    return undefined;
  }
}

/** What the Sentinels' answers tell of the servers (leader()'s polling, no extra question): each named node's config epoch as primary. */
function learnEpochs(c: Client, answers: MasterAnswer[], newest: number): void {
  c.epoch = Math.max(c.epoch ?? newest, newest);
  for (const a of answers) {
    if (a.failingOver) continue;
    const s = nodeAt(c, a.host, a.port);
    if (s !== undefined && (s.epoch === undefined || a.epoch > s.epoch)) s.epoch = a.epoch;
  }
}

/**
 * The node the Sentinels name as primary: among the answers with the newest config epoch (a Sentinel
 * cut off from the others may still name the old one, at an older epoch), the most common.
 */
async function leader(c: Client, signal: AbortSignal): Promise<string | undefined> {
  const answers = (await bounded(Promise.all(c.sentinels.map((s) => askSentinel(c, s))), signal)).filter((a): a is MasterAnswer => a !== undefined);
  if (answers.length === 0) return undefined;
  const newest = Math.max(...answers.map((a) => a.epoch));
  learnEpochs(c, answers, newest);
  const votes = new Map<string, number>();
  for (const a of answers) {
    if (a.epoch !== newest) continue;
    const name = nodeAt(c, a.host, a.port)?.node.name;
    if (name !== undefined) votes.set(name, (votes.get(name) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [name, n] of votes) if (best === undefined || n > votes.get(best)!) best = name;
  if (newest >= (c.epoch ?? 0)) c.named = c.servers.find((s) => s.node.name === best);
  return best;
}

// ---------------------------------------------------------------------------------------------
// open

function option<T extends string>(options: Record<string, unknown>, name: string, values: readonly T[]): T {
  const v = options[name] ?? values[0];
  if (!values.includes(v as T)) {
    throw new UserError(`redis client: ${name} must be ${values.join(' or ')} (got ${JSON.stringify(v)})`, { field: `client.${name}` });
  }
  return v as T;
}

/** Resolves once the connection is ready, or after ms (ops then fail, definitely, until it is). */
function ready(r: Redis, ms: number): Promise<boolean> {
  if (r.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => (r.off('ready', on), resolve(false)), ms);
    const on = (): void => (clearTimeout(t), resolve(true));
    r.once('ready', on);
  });
}

/**
 * connect: sentinel follows failovers: ioredis asks a Sentinel for the primary whenever it
 * (re)connects and checks the node's role; on a +switch-master from any Sentinel, or a READONLY
 * answer (the primary was demoted), it drops the connection and asks again. (These subscriptions
 * are ioredis's failoverDetector, with error listeners of their own.)
 */
function sentinelPrimary(c: Client, nodes: ClientNode[], timeoutMs: number): Redis {
  const conn = track(
    c,
    new Redis({
      ...connectionOptions(timeoutMs),
      sentinels: nodes.map((n) => ({ host: n.host, port: portOf(n, 'sentinelPort') })),
      name: c.masterName,
      role: 'master',
      sentinelCommandTimeout: SENTINEL_TIMEOUT_MS,
      sentinelRetryStrategy: (times: number) => Math.min(times * 100, 1000),
      updateSentinels: false,
      failoverDetector: false,
      reconnectOnError: (err: Error) => (/^READONLY/.test(err.message) ? 1 : false),
    }),
  );
  for (const n of nodes) {
    const sub = track(c, new Redis({ host: n.host, port: portOf(n, 'sentinelPort'), connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: connectionOptions(timeoutMs).retryStrategy, disableClientInfo: true, enableReadyCheck: false }));
    sub.subscribe('+switch-master').catch(noop);
    sub.on('message', (_channel: string, message: string) => {
      // "<name> <old ip> <old port> <new ip> <new port>": reconnect unless already there.
      const [name, , , ip, port] = message.split(' ');
      if (name !== c.masterName) return;
      const now = primaryServer(c);
      if (now !== undefined && now === nodeAt(c, ip, Number(port))) return;
      conn.disconnect(true);
    });
  }
  return conn;
}

/** The `field:value` lines of an INFO section. */
function fields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/** Whether the cluster has formed: every replica's link to its primary is up, every Sentinel knows the others and both replicas. */
async function formed(c: Client): Promise<boolean> {
  const n = c.servers.length;
  const servers = c.servers.map(async (s) => {
    const f = fields(await s.conn.info('replication'));
    return f.role === 'master' || f.master_link_status === 'up';
  });
  const sentinels = c.sentinels.map(async (s) => {
    const f = await sentinelMaster(c, s);
    return Number(f['num-other-sentinels']) === n - 1 && Number(f['num-slaves']) === n - 1;
  });
  try {
    return (await Promise.all([...servers, ...sentinels])).every(Boolean);
  } catch {
    return false;
  }
}

/**
 * Waits (bounded) until the cluster has formed, so that a run starts from the steady state: a
 * replica connects to its primary up to 1 s after it starts, Sentinels find each other within 2 s.
 */
async function untilFormed(c: Client, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !(await formed(c))) await new Promise((r) => setTimeout(r, FORMED_POLL_MS));
}

/** Opens the client for one run: a connection per redis-server and per Sentinel, shared by every session. */
export async function open(ctx: ClientContext): Promise<ExternalClient> {
  if (ctx.nodes.length === 0) throw new UserError('redis client: the target has no nodes');
  const connect = option(ctx.options, 'connect', ['sentinel', 'direct'] as const);
  const reads = option(ctx.options, 'reads', ['primary', 'replica'] as const);
  const masterName = ctx.nodes[0].vars.masterName ?? 'replcheck';
  const all: Redis[] = [];
  const base = connectionOptions(ctx.timeoutMs);
  const c: Client = {
    workload: ctx.workload,
    servers: [],
    sentinels: [],
    primary: undefined as unknown as Client['primary'],
    masterName,
    replicaReads: reads === 'replica',
    all,
  };
  c.servers = ctx.nodes.map((node) => {
    const port = portOf(node, 'redisPort');
    return { node, port, conn: track(c, new Redis({ ...base, host: node.host, port })) };
  });
  c.sentinels = ctx.nodes.map((n) => track(c, new Redis({ ...base, host: n.host, port: portOf(n, 'sentinelPort'), commandTimeout: SENTINEL_TIMEOUT_MS, enableReadyCheck: false })));
  await Promise.all([...c.servers.map((s) => ready(s.conn, OPEN_TIMEOUT_MS)), ...c.sentinels.map((s) => ready(s, OPEN_TIMEOUT_MS))]);
  await untilFormed(c, OPEN_TIMEOUT_MS);
  // The primary the client first knew: Sentinel's answer now (n1 on a fresh cluster), with its epoch.
  const first = await leader(c, AbortSignal.timeout(OPEN_TIMEOUT_MS)).catch(() => undefined);
  if (connect === 'sentinel') {
    c.primary = { conn: sentinelPrimary(c, ctx.nodes, ctx.timeoutMs) };
  } else {
    // (direct: kept for good)
    const fixed = c.servers.find((s) => s.node.name === first) ?? c.servers[0];
    c.primary = { conn: fixed.conn, fixed };
  }
  if (!(await ready(c.primary.conn, OPEN_TIMEOUT_MS))) {
    await Promise.all(all.map((r) => r.disconnect()));
    throw new UserError(`redis client: no connection to the primary within ${OPEN_TIMEOUT_MS} ms (connect: ${connect})`, { field: 'target.client' });
  }
  return {
    invoke: (op) => invoke(c, op),
    finalRead: (key, node, { signal }) => finalRead(c, key, node, signal),
    leader: ({ signal }) => leader(c, signal),
    close: async () => {
      for (const r of all) r.disconnect();
    },
  };
}
