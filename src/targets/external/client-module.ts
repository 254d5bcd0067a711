// Loads an external target's client (a built-in by name, or the user's ESM module by path) and
// adapts it to the runner's callback Client: a deadline per op, exactly one completion, thrown
// errors mapped to fail (definite) or info (may have happened; a read is then fail).

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../../errors.js';
import { asServed } from '../../history/served.js';
import type { Completion, Invocation, SessionInfo } from '../types.js';
import type { ClientContext, ClientModule, ClientOp, ExternalClient, OpContext, OpResult } from './client-api.js';

/** Built-in clients by name (the module next to this file in clients/). */
export const BUILTIN_CLIENTS = ['etcd', 'redis', 'postgres'];

/** Errors past this many characters are cut (a stack or an HTML page is not an error message). */
const MAX_ERROR_CHARS = 300;

function isBuiltin(module: string): boolean {
  return BUILTIN_CLIENTS.includes(module);
}

/** Where the client module is, or a UserError; checked before anything starts. */
export function clientModuleUrl(module: string, field: string): string {
  if (isBuiltin(module)) return new URL(`./clients/${module}.js`, import.meta.url).href;
  if (!module.includes('/') && !module.includes('\\') && !/\.[cm]?js$/.test(module)) {
    throw new UserError(`unknown client ${JSON.stringify(module)}; expected a built-in (${BUILTIN_CLIENTS.join(', ')}) or a path to an ESM module`, { field });
  }
  const abs = path.resolve(module);
  if (!fs.existsSync(abs)) throw new UserError(`client module not found: ${abs}`, { field });
  return pathToFileURL(abs).href;
}

/** Imports the module and opens its client for this run. */
export async function openClient(module: string, ctx: ClientContext, field: string): Promise<ExternalClient> {
  const url = clientModuleUrl(module, field);
  let mod: Partial<ClientModule> & { default?: Partial<ClientModule> };
  try {
    mod = (await import(url)) as typeof mod;
  } catch (e) {
    throw new UserError(`client module ${module} failed to load: ${(e as Error).message}`, { field });
  }
  const open = mod.open ?? mod.default?.open;
  if (typeof open !== 'function') throw new UserError(`client module ${module} exports no open(ctx) function`, { field });
  const client = await open(ctx);
  if (client === null || typeof client !== 'object' || typeof client.invoke !== 'function' || typeof client.finalRead !== 'function') {
    throw new UserError(`client module ${module}: open(ctx) must resolve to an object with invoke(op, ctx) and finalRead(key, node, ctx)`, { field });
  }
  return client;
}

function errorText(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.length > MAX_ERROR_CHARS ? `${s.slice(0, MAX_ERROR_CHARS)}...` : s;
}

/** The completion of a result a module returned; anything malformed is indeterminate. */
export function completionOf(op: ClientOp, r: unknown): Completion {
  const res = r as OpResult | undefined;
  if (res === null || typeof res !== 'object' || (res.type !== 'ok' && res.type !== 'fail' && res.type !== 'info')) {
    return uncertain(op, `client module returned ${JSON.stringify(r)?.slice(0, 80)}, expected { type: ok | fail | info }`);
  }
  if (res.type === 'ok' && op.f === 'read' && res.value === undefined) return uncertain(op, 'client module returned an ok read without a value');
  const c: Completion = { type: res.type, value: res.value ?? (op.f === 'read' ? null : op.value) };
  if (typeof res.node === 'string') c.node = res.node;
  const served = res.served !== undefined ? asServed(res.served) : undefined;
  if (served !== undefined) c.served = served;
  if (res.error !== undefined && res.type !== 'ok') c.error = errorText(res.error);
  return c;
}

/** A thrown error: definite ones failed; others may have happened, except that a read changed nothing. */
export function thrownCompletion(op: ClientOp, e: unknown): Completion {
  const definite = (e as { definite?: unknown } | null)?.definite === true;
  if (definite) return { type: 'fail', value: op.f === 'read' ? null : op.value, error: errorText(e) };
  return uncertain(op, errorText(e));
}

function uncertain(op: ClientOp, error: string): Completion {
  if (op.f === 'read') return { type: 'fail', value: null, error };
  return { type: 'info', value: op.value, error };
}

export interface InvokeEnv {
  client: ExternalClient;
  /** The deadlines of every session's op in flight (one per target, of its clientTimeoutMs). */
  deadlines: Deadlines;
  /** Called when an op begins and ends (the scheduler's hold). */
  hold(): () => void;
  /** Runs fn on the scheduler: at once when nothing of it is running (the scheduler's callNow), else next. */
  later(fn: () => void): void;
}

/**
 * What a module sees of its op (OpContext). A class, not a literal with a getter: see ExternalSession.
 * The AbortController is made only if the module reads `signal` (one costs about a microsecond, as
 * much as the rest of the op's bookkeeping); a deadline that passes aborts it if it exists.
 */
class OpCtx implements OpContext {
  readonly process: number;
  readonly session: string;
  readonly user?: string;
  #ctl: AbortController | undefined;
  #timedOut = false;

  constructor(s: SessionInfo) {
    this.process = s.process;
    this.session = s.session;
    if (s.user !== undefined) this.user = s.user;
  }

  get signal(): AbortSignal {
    this.#ctl ??= new AbortController();
    // (read only after the deadline passed: it is aborted, as it would be had it been read before)
    if (this.#timedOut && !this.#ctl.signal.aborted) this.#ctl.abort();
    return this.#ctl.signal;
  }

  timeOut(): void {
    this.#timedOut = true;
    this.#ctl?.abort();
  }
}

/** One op in flight: the first of its answer and its deadline completes it. */
class InFlight {
  private finished = false;
  readonly ctx: OpCtx;

  constructor(
    private readonly owner: ExternalSession,
    readonly op: ClientOp,
    private readonly done: (c: Completion) => void,
    private readonly release: () => void,
  ) {
    this.ctx = new OpCtx(owner.session);
  }

  finish(c: Completion): void {
    if (this.finished) return;
    this.finished = true;
    this.owner.settled(this);
    const done = this.done;
    this.owner.env.later(() => done(c));
    this.release();
  }

  expire(): void {
    this.ctx.timeOut();
    this.finish(uncertain(this.op, 'timeout'));
  }
}

/** Ticks of the deadlines' timer per timeout: an op ends at most 1/TICKS of the timeout late. */
const TICKS = 8;

/**
 * The deadline of each session's op in flight, all on one timer: no timer is set, refreshed or
 * cleared per op (a refresh is a timer-list insert per op, beside the client library's own
 * timers). While an op is in flight it ticks TICKS times per timeout;
 * an op begun at tick b ends at tick b + TICKS + 1, so never before its timeout and at most
 * 1/TICKS of it after. With nothing in flight it stops, so nothing is left to close.
 */
export class Deadlines {
  private tick = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly sessions = new Set<ExternalSession>();

  constructor(readonly timeoutMs: number) {}

  /** Whether its timer runs (an op is in flight, or was at the last tick). */
  get ticking(): boolean {
    return this.timer !== undefined;
  }

  /** The tick an op of `s` begins at (the timer is started if it is not running). */
  begin(s: ExternalSession): number {
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.expire(), Math.max(1, this.timeoutMs / TICKS));
      this.timer.unref(); // what keeps a run alive is the scheduler's hold on the op
    }
    this.sessions.add(s);
    return this.tick;
  }

  /** A tick: ops due end; sessions with nothing in flight leave the set (an op's begin adds its own again). */
  private expire(): void {
    const due = ++this.tick - TICKS - 1;
    for (const s of this.sessions) if (!s.expireBegunBefore(due)) this.sessions.delete(s);
    if (this.sessions.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * One client session's ops through the module, each with a deadline (Deadlines): exactly one call
 * of done per op. The runner has at most one op of a session in flight. No timer, and no context
 * literal with a getter, is made per op: each kept the driver's short-lived garbage alive into the
 * old generation (measured: 600 bytes per op, a third of its time in the GC).
 */
export class ExternalSession {
  private current: InFlight | undefined;
  /** The deadlines' tick the op in flight began at. */
  private begunAt = 0;

  constructor(
    readonly env: InvokeEnv,
    readonly session: SessionInfo,
  ) {}

  invoke(op: Invocation, done: (c: Completion) => void): void {
    const fly = new InFlight(this, op as ClientOp, done, this.env.hold());
    this.current = fly;
    this.begunAt = this.env.deadlines.begin(this);
    let p: Promise<OpResult>;
    try {
      p = Promise.resolve(this.env.client.invoke(fly.op, fly.ctx));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (r) => fly.finish(completionOf(fly.op, r)),
      (e: unknown) => fly.finish(thrownCompletion(fly.op, e)),
    );
  }

  /** The op answered or timed out. */
  settled(fly: InFlight): void {
    if (this.current === fly) this.current = undefined;
  }

  /** Times out the op in flight if it began at tick `t` or before; whether an op is still in flight. */
  expireBegunBefore(t: number): boolean {
    if (this.current !== undefined && this.begunAt <= t) this.current.expire();
    return this.current !== undefined;
  }
}
