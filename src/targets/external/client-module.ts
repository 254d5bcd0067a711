// Loads an external target's client (a built-in by name, or the user's ESM module by path) and
// adapts it to the runner's callback Client: a deadline per op, exactly one completion, thrown
// errors mapped to fail (definite) or info (may have happened; a read is then fail).

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../../errors.js';
import { asServed } from '../../history/served.js';
import type { Completion, Invocation, SessionInfo } from '../types.js';
import type { ClientContext, ClientModule, ClientOp, ExternalClient, OpResult } from './client-api.js';

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
  if (res === null || typeof res !== 'object' || !['ok', 'fail', 'info'].includes(res.type)) {
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
  timeoutMs: number;
  /** Called when an op begins and ends (the scheduler's hold). */
  hold(): () => void;
  /** Runs fn on the scheduler. */
  later(fn: () => void): void;
}

/** One op through the module, with a deadline: exactly one call of done. */
export function invokeExternal(env: InvokeEnv, session: SessionInfo, op: Invocation, done: (c: Completion) => void): void {
  const release = env.hold();
  // The AbortController is made only if the module reads ctx.signal (one costs about a microsecond,
  // as much as the rest of the op's bookkeeping); a deadline that passes aborts it if it exists.
  let ctl: AbortController | undefined;
  const cop = op as ClientOp;
  let finished = false;
  const finish = (c: Completion): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    env.later(() => done(c));
    release();
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl?.abort();
    finish(uncertain(cop, 'timeout'));
  }, env.timeoutMs);
  const ctx = {
    process: session.process,
    session: session.session,
    get signal(): AbortSignal {
      ctl ??= new AbortController();
      // (read only after the deadline passed: it is aborted, as it would be had it been read before)
      if (timedOut && !ctl.signal.aborted) ctl.abort();
      return ctl.signal;
    },
    ...(session.user !== undefined ? { user: session.user } : {}),
  };
  let p: Promise<OpResult>;
  try {
    p = Promise.resolve(env.client.invoke(cop, ctx));
  } catch (e) {
    p = Promise.reject(e);
  }
  p.then(
    (r) => finish(completionOf(cop, r)),
    (e: unknown) => finish(thrownCompletion(cop, e)),
  );
}
