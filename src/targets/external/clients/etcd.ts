// replcheck's built-in client for etcd 3.4 through its v3 JSON gateway (grpc-gateway): append as a
// read-modify-write txn on mod_revision, register as put / compare-and-put, leader discovery from
// /v3/maintenance/status, and the table of which etcd errors are definite (DESIGN.md principle 13).

import http from 'node:http';
import { requestJson } from '../../real/http-client.js';
import { UserError } from '../../../errors.js';
import type { ClientContext, ClientNode, ClientOp, ExternalClient, OpContext, OpResult } from '../client-api.js';

/** Keep-alive sockets per member (Node's agent limit is per host:port); above any run's concurrency. */
const SOCKETS_PER_MEMBER = 64;
/** Cap of one /v3/maintenance/status probe in leader(), ms. */
const LEADER_PROBE_TIMEOUT_MS = 500;
/** Upper bound on compare-and-put attempts of one append (the op's signal normally ends it first). */
const MAX_APPEND_ATTEMPTS = 10_000;

// ---------------------------------------------------------------------------------------------
// The error table

/** What went wrong with one gateway request: no answer (a socket error code), or an error answer. */
export type EtcdError =
  | { kind: 'network'; code: string; message?: string }
  | { kind: 'http'; status: number; body: unknown };

export interface EtcdVerdict {
  /** `fail`: certainly not applied; `info`: may have been applied. */
  type: 'fail' | 'info';
  error: string;
}

/** Connection-level errors raised before a request leaves: certainly not applied. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};
/** gRPC codes etcd gives only to requests it rejected before proposing them. */
const DEFINITE_GRPC_CODES = new Set([3, 5, 6, 7, 8, 9, 11, 12, 16]);
/** Messages of outcomes etcd may have applied (a proposal in flight when the wait ended). */
const MAYBE_APPLIED = /timed out|leader changed|deadline exceeded|context canceled/i;

/** The gateway's error body, e.g. `{"error":"etcdserver: request timed out","message":"...","code":14}`. */
function gatewayError(e: { status: number; body: unknown }): { text: string; code?: number } {
  const b = e.body;
  if (b !== null && typeof b === 'object') {
    const o = b as { error?: unknown; message?: unknown; code?: unknown };
    const text = typeof o.message === 'string' ? o.message : typeof o.error === 'string' ? o.error : undefined;
    const code = typeof o.code === 'number' ? o.code : undefined;
    return { text: text ?? `http ${e.status}`, code };
  }
  if (typeof b === 'string' && b.trim() !== '') return { text: `http ${e.status}: ${b.trim().slice(0, 200)}` };
  return { text: `http ${e.status}` };
}

/**
 * Maps an etcd error to fail (definite) or info (may have applied). A read changed nothing, so
 * every failed read is `fail`; a write is `info` unless etcd certainly rejected it.
 */
export function classifyEtcdError(e: EtcdError, write: boolean): EtcdVerdict {
  const maybe = (error: string): EtcdVerdict => ({ type: write ? 'info' : 'fail', error });
  const definite = (error: string): EtcdVerdict => ({ type: 'fail', error });
  if (e.kind === 'network') {
    const unreachable = UNREACHABLE[e.code];
    if (unreachable !== undefined) return definite(unreachable);
    if (e.code === 'ETIMEDOUT' || e.code === 'EABORTED') return maybe('timeout');
    if (e.code === 'ECONNRESET') return maybe('connection reset');
    return maybe(e.message ? `${e.code}: ${e.message}` : e.code);
  }
  const { text, code } = gatewayError(e);
  if (/no leader/i.test(text)) return definite(text);
  if (/too many requests/i.test(text)) return definite(text);
  if (code === 4 || code === 14 || e.status === 503 || e.status === 504 || MAYBE_APPLIED.test(text)) return maybe(text);
  if (code !== undefined && DEFINITE_GRPC_CODES.has(code)) return definite(text);
  // No gRPC code but a 4xx: the gateway's own mux refused it (404, 405): never reached etcd.
  if (code === undefined && e.status >= 400 && e.status < 500) return definite(text);
  return maybe(text);
}

function isUnreachable(e: EtcdError): boolean {
  return e.kind === 'network' && UNREACHABLE[e.code] !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Transport: members, session routing, one request

interface Member {
  node: ClientNode;
  port: number;
}

interface Client {
  members: Member[];
  workload: ClientContext['workload'];
  serializableReads: boolean;
  agent: http.Agent;
  timeoutMs: number;
  /** Per session: how many members it moved past after refused connections. */
  shifts: Map<string, number>;
  /** etcd member id (decimal string) -> node name, learnt from status answers and response headers. */
  memberIds: Map<string, string>;
  /** raft term (decimal string) -> the member id that leads it, learnt from leader()'s status answers. */
  termLeaders: Map<string, string>;
  /** A leader() asked because an answer named a term of unknown leader is under way; when the last began. */
  refresh: { running: boolean; lastMs: number; closed: boolean };
}

/** Where one request goes; `session` is set when the member is the session's own. */
interface Route {
  member: Member;
  session?: string;
}

type Call = { ok: true; body: Record<string, unknown> } | { ok: false; error: EtcdError };

/** How many terms' leaders termLeaders keeps (the newest; older answers name older terms). */
const TERMS_KEPT = 64;
/** At most one leader() of servedOf's own every this many ms (a member campaigning alone names new terms with no leader). */
const REFRESH_MIN_MS = 100;

/** etcd's 64-bit decimal strings as numbers, when exact. */
function safeNumber(s: unknown): number | undefined {
  if (typeof s !== 'string' || !/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * What the member that answered said of itself in the response header (no extra request): term =
 * its raft_term, pos = the store's revision when it answered (the revision a write created; the
 * one a read saw), role = leader / follower by the leader the client learnt for that term (from
 * leader()'s status answers), `member` while it has not learnt it yet.
 */
function servedOf(c: Client, route: Route, body: Record<string, unknown>): OpResult['served'] {
  const h = body.header as { member_id?: unknown; raft_term?: unknown; revision?: unknown } | undefined;
  if (h === undefined || typeof h.member_id !== 'string' || typeof h.raft_term !== 'string') return undefined;
  c.memberIds.set(h.member_id, route.member.node.name);
  const lead = c.termLeaders.get(h.raft_term);
  if (lead === undefined) refreshLeaders(c);
  const served: NonNullable<OpResult['served']> = { role: lead === undefined ? 'member' : lead === h.member_id ? 'leader' : 'follower' };
  const term = safeNumber(h.raft_term);
  const pos = safeNumber(h.revision);
  if (term !== undefined) served.term = term;
  if (pos !== undefined) served.pos = pos;
  return served;
}

/**
 * A term the client has not seen a leader of: asks the members now (in the background, off the op's
 * path) rather than at the leader watch's next poll, so that few answers go out as `member`.
 */
function refreshLeaders(c: Client): void {
  const r = c.refresh;
  const now = Date.now();
  if (r.running || r.closed || now - r.lastMs < REFRESH_MIN_MS) return;
  r.running = true;
  r.lastMs = now;
  leader(c, AbortSignal.timeout(LEADER_PROBE_TIMEOUT_MS))
    .catch(() => undefined)
    .finally(() => (r.running = false));
}

/** An answered op: ok or fail with the answering member's name and its `served`. */
function answered(c: Client, route: Route, body: Record<string, unknown>, r: Omit<OpResult, 'node' | 'served'>): OpResult {
  const served = servedOf(c, route, body);
  const out: OpResult = { ...r, node: route.member.node.name };
  if (served !== undefined) out.served = served;
  return out;
}

/** 32-bit FNV-1a: a stable hash so a session maps to the same member in every run. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function sessionRoute(c: Client, session: string): Route {
  const n = c.members.length;
  const index = (fnv1a(session) + (c.shifts.get(session) ?? 0)) % n;
  return { member: c.members[index]!, session };
}

const HAS_LEADER = { 'grpc-metadata-hasleader': 'true' };

/** A member chosen at random per op (serializable reads "from any member"; real-time adapter). */
function anyRoute(c: Client): Route {
  return { member: c.members[Math.floor(Math.random() * c.members.length)]! };
}

/**
 * One gateway request. A range (a read) that met a reset connection is sent once more: a keep-alive
 * socket to a member that just died is reset when written to before its close is noticed, and a
 * read changed nothing, so the second try tells refused (the member is down: the session moves on)
 * from a reset of a live member. Writes are never re-sent: a reset one may have been applied.
 */
async function call(c: Client, route: Route, path: string, body: unknown, signal: AbortSignal): Promise<Call> {
  const r = await callOnce(c, route, path, body, signal);
  if (r.ok || path !== '/v3/kv/range' || r.error.kind !== 'network' || r.error.code !== 'ECONNRESET' || signal.aborted) return r;
  return callOnce(c, route, path, body, signal);
}

async function callOnce(c: Client, route: Route, path: string, body: unknown, signal: AbortSignal): Promise<Call> {
  const { node, port } = route.member;
  let answer;
  try {
    // A member without a leader then refuses at once ("etcdserver: no leader", definite) instead of
    // holding the request until it times out; serializable reads are local and need no leader.
    const local = (body as { serializable?: boolean } | undefined)?.serializable === true;
    const headers = local ? undefined : HAS_LEADER;
    answer = await requestJson({ agent: c.agent, host: node.host, port, method: 'POST', path, body, timeoutMs: c.timeoutMs, signal, headers });
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    const code = typeof err.code === 'string' ? err.code : 'EUNKNOWN';
    const error: EtcdError = { kind: 'network', code, message: typeof err.message === 'string' ? err.message : undefined };
    if (route.session !== undefined && isUnreachable(error)) {
      c.shifts.set(route.session, (c.shifts.get(route.session) ?? 0) + 1);
    }
    return { ok: false, error };
  }
  const b = answer.body;
  if (answer.status === 200 && b !== null && typeof b === 'object' && !('error' in b)) {
    return { ok: true, body: b as Record<string, unknown> };
  }
  return { ok: false, error: { kind: 'http', status: answer.status, body: b } };
}

// ---------------------------------------------------------------------------------------------
// Encoding: base64 keys and values, JSON-encoded values, range answers

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The key's current value (JSON text) and mod_revision, or undefined when absent. */
interface Kv {
  text: string;
  modRevision: string;
}

function firstKv(rangeBody: unknown): Kv | undefined {
  const kvs = (rangeBody as { kvs?: Array<{ value?: string; mod_revision?: string }> } | undefined)?.kvs;
  const kv = kvs?.[0];
  if (kv === undefined) return undefined;
  return { text: Buffer.from(kv.value ?? '', 'base64').toString('utf8'), modRevision: kv.mod_revision ?? '0' };
}

/** The failure branch's range answer of a txn. */
function failureKv(txnBody: Record<string, unknown>): Kv | undefined {
  const responses = txnBody.responses as Array<{ response_range?: unknown }> | undefined;
  return firstKv(responses?.[0]?.response_range);
}

class BadValue extends Error {}

function decodeList(kv: Kv | undefined): unknown[] {
  if (kv === undefined) return [];
  let v: unknown;
  try {
    v = JSON.parse(kv.text);
  } catch {
    throw new BadValue(`bad value: not JSON: ${kv.text.slice(0, 80)}`);
  }
  if (!Array.isArray(v)) throw new BadValue(`bad value: not a list: ${kv.text.slice(0, 80)}`);
  return v;
}

function decodeRegister(kv: Kv | undefined): unknown {
  if (kv === undefined) return null;
  try {
    return JSON.parse(kv.text) as unknown;
  } catch {
    throw new BadValue(`bad value: not JSON: ${kv.text.slice(0, 80)}`);
  }
}

const decode = (c: Client, kv: Kv | undefined): unknown => (c.workload === 'append' ? decodeList(kv) : decodeRegister(kv));

// ---------------------------------------------------------------------------------------------
// Operations

function failed(error: EtcdError, write: boolean): OpResult {
  return classifyEtcdError(error, write);
}

async function read(c: Client, op: ClientOp, ctx: OpContext): Promise<OpResult> {
  const route = c.serializableReads ? anyRoute(c) : sessionRoute(c, ctx.session);
  const body = c.serializableReads ? { key: b64(op.key), serializable: true } : { key: b64(op.key) };
  const r = await call(c, route, '/v3/kv/range', body, ctx.signal);
  if (!r.ok) return failed(r.error, false);
  return answered(c, route, r.body, { type: 'ok', value: decode(c, firstKv(r.body)) });
}

/**
 * Read-modify-write: a range, then a txn putting list+[elem] if mod_revision is unchanged, else
 * ranging the key (the next attempt starts from that, no extra round trip). Lost races are retried
 * until ok or the signal aborts; only a txn with an unknown outcome makes the append `info`.
 */
async function append(c: Client, op: ClientOp, ctx: OpContext): Promise<OpResult> {
  const route = sessionRoute(c, ctx.session);
  const key = b64(op.key);
  const first = await call(c, route, '/v3/kv/range', { key }, ctx.signal);
  if (!first.ok) return failed(first.error, false);
  let kv = firstKv(first.body);
  for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
    if (ctx.signal.aborted) return { type: 'fail', error: attempt === 0 ? 'timeout' : 'contention' };
    const list = decodeList(kv);
    const txn = {
      compare: [{ key, target: 'MOD', result: 'EQUAL', mod_revision: kv?.modRevision ?? '0' }],
      success: [{ request_put: { key, value: b64(JSON.stringify([...list, op.value])) } }],
      failure: [{ request_range: { key } }],
    };
    const r = await call(c, route, '/v3/kv/txn', txn, ctx.signal);
    if (!r.ok) return failed(r.error, true);
    if (r.body.succeeded === true) return answered(c, route, r.body, { type: 'ok', value: op.value });
    kv = failureKv(r.body);
  }
  return { type: 'fail', error: 'contention' };
}

async function write(c: Client, op: ClientOp, ctx: OpContext): Promise<OpResult> {
  const route = sessionRoute(c, ctx.session);
  const put = { key: b64(op.key), value: b64(JSON.stringify(op.value)) };
  const r = await call(c, route, '/v3/kv/put', put, ctx.signal);
  if (!r.ok) return failed(r.error, true);
  return answered(c, route, r.body, { type: 'ok', value: op.value });
}

/** cas [expected, new]: put new if the value equals JSON(expected); expected null = the key is absent. */
async function cas(c: Client, op: ClientOp, ctx: OpContext): Promise<OpResult> {
  if (!Array.isArray(op.value) || op.value.length !== 2) return { type: 'fail', error: 'cas value must be [expected, new]' };
  const [expected, next] = op.value as [unknown, unknown];
  const route = sessionRoute(c, ctx.session);
  const key = b64(op.key);
  const compare =
    expected === null
      ? { key, target: 'CREATE', result: 'EQUAL', create_revision: '0' }
      : { key, target: 'VALUE', result: 'EQUAL', value: b64(JSON.stringify(expected)) };
  const txn = { compare: [compare], success: [{ request_put: { key, value: b64(JSON.stringify(next)) } }] };
  const r = await call(c, route, '/v3/kv/txn', txn, ctx.signal);
  if (!r.ok) return failed(r.error, true);
  if (r.body.succeeded !== true) return answered(c, route, r.body, { type: 'fail', error: 'compare failed' });
  return answered(c, route, r.body, { type: 'ok', value: op.value });
}

async function invoke(c: Client, op: ClientOp, ctx: OpContext): Promise<OpResult> {
  try {
    if (op.f === 'read') return await read(c, op, ctx);
    if (c.workload === 'append') {
      if (op.f === 'append') return await append(c, op, ctx);
    } else if (op.f === 'write') return await write(c, op, ctx);
    else if (op.f === 'cas') return await cas(c, op, ctx);
    return { type: 'fail', error: `op ${op.f} is not part of the ${c.workload} workload` };
  } catch (e) {
    // Decoding happens before any txn is sent or after one that certainly did not apply.
    if (e instanceof BadValue) return { type: 'fail', error: e.message };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Final reads, leader discovery, open

async function finalRead(c: Client, key: string, node: string, signal: AbortSignal): Promise<unknown> {
  const member = c.members.find((m) => m.node.name === node);
  if (member === undefined) throw new Error(`etcd client: unknown node ${node}`);
  const r = await call(c, { member }, '/v3/kv/range', { key: b64(key), serializable: true }, signal);
  if (!r.ok) throw new Error(`final read of ${key} on ${node}: ${classifyEtcdError(r.error, false).error}`);
  return decode(c, firstKv(r.body));
}

/** Raft allows one leader per term: any member naming the leader of a term is right for good. */
function learnLeader(c: Client, term: string, leaderId: string): void {
  if (c.termLeaders.get(term) === leaderId) return;
  c.termLeaders.set(term, leaderId);
  if (c.termLeaders.size <= TERMS_KEPT) return;
  const oldest = [...c.termLeaders.keys()].reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b));
  c.termLeaders.delete(oldest);
}

interface StatusAnswer {
  memberId: string;
  leader?: string;
  raftTerm: bigint;
}

async function status(c: Client, m: Member, signal: AbortSignal): Promise<StatusAnswer | undefined> {
  try {
    const timeoutMs = Math.min(LEADER_PROBE_TIMEOUT_MS, c.timeoutMs);
    const a = await requestJson({ agent: c.agent, host: m.node.host, port: m.port, method: 'POST', path: '/v3/maintenance/status', body: {}, timeoutMs, signal });
    const b = a.body as { header?: { member_id?: string }; leader?: string; raftTerm?: string } | undefined;
    const memberId = b?.header?.member_id;
    if (a.status !== 200 || memberId === undefined) return undefined;
    c.memberIds.set(memberId, m.node.name);
    if (b?.leader !== undefined && b.leader !== '0' && b.raftTerm !== undefined) learnLeader(c, b.raftTerm, b.leader);
    return { memberId, leader: b?.leader, raftTerm: BigInt(b?.raftTerm ?? '0') };
  } catch {
    return undefined;
  }
}

/** The node whose member id the answer with the highest raft term names as leader. */
async function leader(c: Client, signal: AbortSignal): Promise<string | undefined> {
  const answers = await Promise.all(c.members.map((m) => status(c, m, signal)));
  let best: StatusAnswer | undefined;
  for (const a of answers) {
    if (a?.leader === undefined) continue;
    if (best === undefined || a.raftTerm > best.raftTerm) best = a;
  }
  return best?.leader === undefined ? undefined : c.memberIds.get(best.leader);
}

function membersOf(nodes: ClientNode[]): Member[] {
  if (nodes.length === 0) throw new UserError('etcd client: the target has no nodes');
  return nodes.map((node) => {
    const port = Number(node.vars.clientPort);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new UserError(`etcd client: node ${node.name} needs a variable clientPort (got ${JSON.stringify(node.vars.clientPort)})`, { field: `nodes.${node.name}.clientPort` });
    }
    return { node, port };
  });
}

function readsOption(options: Record<string, unknown>): boolean {
  const reads = options.reads ?? 'linearizable';
  if (reads !== 'linearizable' && reads !== 'serializable') {
    throw new UserError(`etcd client: reads must be linearizable or serializable (got ${JSON.stringify(reads)})`, { field: 'client.reads' });
  }
  return reads === 'serializable';
}

/** Opens the client for one run: one keep-alive agent shared by every session. */
export async function open(ctx: ClientContext): Promise<ExternalClient> {
  const c: Client = {
    members: membersOf(ctx.nodes),
    workload: ctx.workload,
    serializableReads: readsOption(ctx.options),
    agent: new http.Agent({ keepAlive: true, maxSockets: SOCKETS_PER_MEMBER, maxFreeSockets: SOCKETS_PER_MEMBER }),
    timeoutMs: ctx.timeoutMs,
    shifts: new Map(),
    memberIds: new Map(),
    termLeaders: new Map(),
    refresh: { running: false, lastMs: 0, closed: false },
  };
  // Learn who leads now, so that the first ops' `served` says leader or follower (replcheck's
  // leader watch then polls leader() every 250 ms, and a new term makes servedOf ask at once).
  await leader(c, AbortSignal.timeout(LEADER_PROBE_TIMEOUT_MS * 2)).catch(() => undefined);
  return {
    invoke: (op, opCtx) => invoke(c, op, opCtx),
    finalRead: (key, node, { signal }) => finalRead(c, key, node, signal),
    leader: ({ signal }) => leader(c, signal),
    close: async () => {
      c.refresh.closed = true;
      c.agent.destroy();
    },
  };
}
