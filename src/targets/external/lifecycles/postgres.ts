// The lifecycle of targets/postgres.yaml: initdb the primary, clone the standbys with pg_basebackup
// through replication slots; after the primary crashed, promote the most up-to-date live standby and
// re-point the others; an old primary rejoins as a standby (pg_rewind, else a fresh base backup).

import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { UserError } from '../../../errors.js';
import type { ClientNode } from '../client-api.js';
import type { LifecycleContext } from '../lifecycle.js';

const PGBIN = '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';
/** One SQL statement of the lifecycle (connect + query), ms; promotion has its own. */
const SQL_TIMEOUT_MS = 3000;
/** pg_promote(wait => true, wait_seconds => this). */
const PROMOTE_WAIT_S = 30;
/** How long startAll waits for every standby to stream, ms. */
const STREAMING_WAIT_MS = 30_000;
/** A node's LSN query during failover must answer within this, ms (a paused standby is skipped). */
const LSN_PROBE_MS = 1000;
/** pg_basebackup / pg_rewind / initdb, ms. */
const TOOL_TIMEOUT_MS = 120_000;
/** How long a restarting node waits for a live primary to rejoin, ms, and how often it looks. */
const REJOIN_WAIT_MS = 30_000;
const REJOIN_RETRY_MS = 250;

/**
 * The schema the built-in client uses: made on the primary before the standbys are cloned (with
 * synchronous_commit = local: the synchronous standbys it would wait for do not exist yet).
 */
const SCHEMA =
  'SET synchronous_commit = local; CREATE TABLE IF NOT EXISTS lists (k text PRIMARY KEY, v jsonb NOT NULL); CREATE TABLE IF NOT EXISTS registers (k text PRIMARY KEY, v jsonb NOT NULL)';

type Role = 'primary' | 'standby';

/** What the lifecycle knows of one run's cluster (keyed by the run's shared object). */
interface State {
  role: Map<string, Role>;
  /** Killed nodes, with the primary as it was when each went down. */
  down: Map<string, { primaryThen: string | undefined }>;
  /** How often each node was killed (a restart that a newer kill overtook does nothing). */
  kills: Map<string, number>;
  /** Serialises failovers, rejoins and restarts. */
  lock: Promise<void>;
  uid: number;
  gid: number;
}

const states = new WeakMap<object, State>();

function state(ctx: LifecycleContext): State {
  const s = states.get(ctx.shared);
  if (s === undefined) throw new Error('postgres lifecycle: startAll has not run');
  return s;
}

function withLock<T>(s: State, work: () => Promise<T>): Promise<T> {
  const run = s.lock.then(work);
  s.lock = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

// ---------------------------------------------------------------------------------------------
// Nodes, files, SQL

function node(ctx: LifecycleContext, name: string): ClientNode {
  const n = ctx.nodes.find((x) => x.name === name);
  if (n === undefined) throw new Error(`postgres lifecycle: no node ${name}`);
  return n;
}

const pgdata = (n: ClientNode): string => path.join(n.vars.dataDir, 'pgdata');
const port = (n: ClientNode): number => Number(n.vars.port);
const primaryOf = (ctx: LifecycleContext): string | undefined => (typeof ctx.shared.primary === 'string' ? ctx.shared.primary : undefined);

/** A line for --keep: what the lifecycle did, when. */
function note(ctx: LifecycleContext, line: string): void {
  try {
    fs.appendFileSync(path.join(ctx.dir, 'postgres-lifecycle.log'), `${new Date().toISOString()} ${line}\n`);
  } catch {
    // the dir is gone (teardown): nothing to keep
  }
}

/** Writes a file the servers read (as root) and hands it to the postgres user. */
function writeOwned(s: State, file: string, text: string): void {
  fs.writeFileSync(file, text);
  fs.chownSync(file, s.uid, s.gid);
}

function conninfo(target: ClientNode, applicationName: string): string {
  return `host=${target.host} port=${port(target)} user=postgres dbname=postgres application_name=${applicationName} connect_timeout=2`;
}

/** Points a standby at `primary` (its own slot), read from {dataDir}/standby.conf (included by postgresql.conf). */
function pointAt(ctx: LifecycleContext, s: State, standby: ClientNode, primary: ClientNode): void {
  const text = `# written by replcheck's postgres lifecycle: this node follows ${primary.name}\nprimary_conninfo = '${conninfo(primary, standby.name)}'\nprimary_slot_name = '${standby.name}'\n`;
  writeOwned(s, path.join(standby.vars.dataDir, 'standby.conf'), text);
}

function clearStandbyConf(s: State, n: ClientNode): void {
  writeOwned(s, path.join(n.vars.dataDir, 'standby.conf'), '# written by replcheck\'s postgres lifecycle: this node is the primary\n');
}

function touchStandbySignal(s: State, n: ClientNode): void {
  writeOwned(s, path.join(pgdata(n), 'standby.signal'), '');
}

/** SIGHUP to the node's postmaster (reads the new standby.conf); also reaches a paused one once it resumes. */
function reload(n: ClientNode): void {
  try {
    const pid = Number(fs.readFileSync(path.join(pgdata(n), 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGHUP');
  } catch {
    // not running: it reads the file when it starts
  }
}

/** One statement on one node over a fresh connection, bounded by timeoutMs and the run's signal. */
async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(ctx: LifecycleContext, n: ClientNode, text: string, params: unknown[] = [], timeoutMs = SQL_TIMEOUT_MS): Promise<R[]> {
  const client = new pg.Client({ host: n.host, port: port(n), user: 'postgres', database: 'postgres', connectionTimeoutMillis: Math.min(timeoutMs, SQL_TIMEOUT_MS), query_timeout: timeoutMs, application_name: 'replcheck-lifecycle' });
  if (ctx.signal.aborted) throw new Error('the run is tearing down');
  client.on('error', () => undefined);
  let stop: (e: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => undefined);
  const timer = setTimeout(() => stop(new Error(`${n.name}: no answer within ${timeoutMs} ms to ${text}`)), timeoutMs + 500);
  const onAbort = (): void => stop(new Error('the run is tearing down'));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([client.connect(), stopped]);
    const r: pg.QueryResult<R> | pg.QueryResult<R>[] = await Promise.race([client.query<R>(text, params), stopped]);
    // Several statements in one text (no parameters) answer with one result each: the last one counts.
    return Array.isArray(r) ? (r[r.length - 1]?.rows ?? []) : r.rows;
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
    void client.end().catch(() => undefined);
  }
}

/** Resolves true after ms, false at once when the run tears down. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** 'X/Y' (hex halves of a pg_lsn) -> a number to compare. */
export function lsnValue(lsn: string | null | undefined): bigint {
  if (typeof lsn !== 'string' || !/^[0-9A-Fa-f]+\/[0-9A-Fa-f]+$/.test(lsn)) return -1n;
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

async function asPostgres(ctx: LifecycleContext, argv: string[]): Promise<string> {
  return ctx.run(argv, { user: OS_USER, timeoutMs: TOOL_TIMEOUT_MS });
}

async function createSlots(ctx: LifecycleContext, primary: ClientNode): Promise<void> {
  for (const n of ctx.nodes) {
    if (n.name === primary.name) continue;
    await sql(ctx, primary, 'SELECT pg_create_physical_replication_slot($1) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)', [n.name]);
  }
}

/** A fresh copy of the primary's data dir for `standby`, streaming through its slot. */
async function baseBackup(ctx: LifecycleContext, s: State, standby: ClientNode, primary: ClientNode): Promise<void> {
  fs.rmSync(pgdata(standby), { recursive: true, force: true });
  await asPostgres(ctx, [`${PGBIN}/pg_basebackup`, '-h', primary.host, '-p', String(port(primary)), '-U', 'postgres', '-D', pgdata(standby), '-X', 'stream', '-S', standby.name, '-c', 'fast', '--no-sync']);
  touchStandbySignal(s, standby);
  pointAt(ctx, s, standby, primary);
}

async function waitStreaming(ctx: LifecycleContext, primary: ClientNode, standbys: string[]): Promise<void> {
  const deadline = Date.now() + STREAMING_WAIT_MS;
  let seen: string[] = [];
  while (Date.now() < deadline && !ctx.signal.aborted) {
    const rows = await sql<{ application_name: string }>(ctx, primary, "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'").catch(() => []);
    seen = rows.map((r) => r.application_name);
    if (standbys.every((n) => seen.includes(n))) return;
    await sleep(100, ctx.signal);
  }
  throw new UserError(`postgres: the standbys ${standbys.filter((n) => !seen.includes(n)).join(', ')} did not stream from ${primary.name} within ${STREAMING_WAIT_MS} ms (see their logs with --keep)`, { field: 'target' });
}

// ---------------------------------------------------------------------------------------------
// The hooks

async function idsOf(ctx: LifecycleContext): Promise<{ uid: number; gid: number }> {
  const uid = Number((await ctx.run(['id', '-u', OS_USER])).trim());
  const gid = Number((await ctx.run(['id', '-g', OS_USER])).trim());
  return { uid, gid };
}

/** initdb n1, start it, make the schema and the slots, base-backup and start the standbys, wait until they stream. */
export async function startAll(ctx: LifecycleContext): Promise<void> {
  const [primary, ...standbys] = ctx.nodes;
  const s: State = { role: new Map(), down: new Map(), kills: new Map(), lock: Promise.resolve(), ...(await idsOf(ctx)) };
  states.set(ctx.shared, s);
  try {
    await ctx.run(['test', '-w', primary.vars.dataDir, '-a', '-x', primary.vars.dataDir], { user: OS_USER });
  } catch {
    throw new UserError(`postgres: the ${OS_USER} OS user cannot write ${primary.vars.dataDir}; every directory above it (TMPDIR) must be searchable by that user`, { field: 'target' });
  }
  await asPostgres(ctx, [`${PGBIN}/initdb`, '-D', pgdata(primary), '-U', 'postgres', '--auth=trust', '--data-checksums', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  clearStandbyConf(s, primary);
  await ctx.startNode(primary.name);
  await sql(ctx, primary, SCHEMA);
  await createSlots(ctx, primary);
  await Promise.all(standbys.map((n) => baseBackup(ctx, s, n, primary)));
  await Promise.all(standbys.map((n) => ctx.startNode(n.name)));
  await waitStreaming(ctx, primary, standbys.map((n) => n.name));
  s.role.set(primary.name, 'primary');
  for (const n of standbys) s.role.set(n.name, 'standby');
  ctx.shared.primary = primary.name;
  note(ctx, `cluster up: primary ${primary.name}, standbys ${standbys.map((n) => n.name).join(', ')}`);
}

/** After a kill: if it was the primary, promote the most up-to-date live standby after failoverAfterMs. */
export async function afterKill(name: string, ctx: LifecycleContext): Promise<void> {
  const s = state(ctx);
  s.kills.set(name, (s.kills.get(name) ?? 0) + 1);
  s.down.set(name, { primaryThen: primaryOf(ctx) });
  note(ctx, `${name} killed (primary: ${primaryOf(ctx) ?? 'none'})`);
  if (name !== primaryOf(ctx)) return;
  const delayMs = Number(ctx.settings.failoverAfterMs ?? 1000);
  if (!(await sleep(delayMs, ctx.signal))) return;
  await withLock(s, () => failover(ctx, s, name)).catch(unlessTearingDown(ctx));
}

/** Work cut short by the run's teardown is not a failure of the run. */
function unlessTearingDown(ctx: LifecycleContext): (e: unknown) => void {
  return (e) => {
    if (!ctx.signal.aborted) throw e;
  };
}

interface Position {
  node: ClientNode;
  lsn: bigint;
}

async function position(ctx: LifecycleContext, n: ClientNode): Promise<Position | undefined> {
  try {
    const [r] = await sql<{ recovery: boolean; received: string | null; replayed: string | null }>(
      ctx,
      n,
      'SELECT pg_is_in_recovery() AS recovery, pg_last_wal_receive_lsn()::text AS received, pg_last_wal_replay_lsn()::text AS replayed',
      [],
      LSN_PROBE_MS,
    );
    if (r === undefined || !r.recovery) return undefined;
    const a = lsnValue(r.received);
    const b = lsnValue(r.replayed);
    return { node: n, lsn: a > b ? a : b };
  } catch {
    return undefined;
  }
}

async function failover(ctx: LifecycleContext, s: State, old: string): Promise<void> {
  // Restarted meanwhile (it is the primary again), or someone else already took over.
  if (!s.down.has(old) || primaryOf(ctx) !== old || ctx.signal.aborted) return;
  const live = ctx.nodes.filter((n) => n.name !== old && !s.down.has(n.name) && ctx.isUp(n.name));
  const positions = (await Promise.all(live.map((n) => position(ctx, n)))).filter((p): p is Position => p !== undefined);
  if (positions.length === 0) {
    note(ctx, `no live standby answered; ${old} stays the primary until it comes back`);
    return;
  }
  positions.sort((a, b) => (a.lsn === b.lsn ? 0 : a.lsn > b.lsn ? -1 : 1));
  const best = positions[0].node;
  note(ctx, `promoting ${best.name} (${positions.map((p) => `${p.node.name}@${p.lsn.toString(16)}`).join(', ')})`);
  const [r] = await sql<{ promoted: boolean }>(ctx, best, `SELECT pg_promote(true, ${PROMOTE_WAIT_S}) AS promoted`, [], (PROMOTE_WAIT_S + 5) * 1000);
  if (r?.promoted !== true) throw new Error(`postgres lifecycle: pg_promote on ${best.name} did not finish within ${PROMOTE_WAIT_S} s`);
  s.role.set(best.name, 'primary');
  ctx.shared.primary = best.name;
  // Until a checkpoint, the control file still names the old timeline, and pg_rewind against this
  // node would then find no divergence (or the wrong one).
  await sql(ctx, best, 'CHECKPOINT', [], TOOL_TIMEOUT_MS);
  clearStandbyConf(s, best);
  await createSlots(ctx, best);
  for (const n of ctx.nodes) {
    if (n.name === best.name || n.name === old || s.down.has(n.name)) continue;
    pointAt(ctx, s, n, best);
    reload(n);
  }
  note(ctx, `${best.name} is the primary; the others follow it`);
}

/**
 * A killed node comes back: the primary that was never replaced as itself; any other as a standby of
 * the current primary. The data dir is made ready under the lock; the start (a standby may need its
 * primary's WAL before it accepts connections) is not, so that a failover meanwhile can re-point it.
 */
export async function restart(name: string, ctx: LifecycleContext): Promise<void> {
  const s = state(ctx);
  const kills = s.kills.get(name) ?? 0;
  const killedAgain = (): boolean => (s.kills.get(name) ?? 0) !== kills || ctx.signal.aborted;
  const deadline = Date.now() + REJOIN_WAIT_MS;
  try {
    for (;;) {
      // Killed again before it came back: that kill's restart brings it back.
      if (killedAgain()) return;
      const why = await withLock(s, () => prepare(ctx, s, name));
      if (why === undefined) break;
      if (Date.now() > deadline) throw new UserError(`postgres: ${name} could not rejoin within ${REJOIN_WAIT_MS} ms: ${why}`, { field: 'target' });
      await sleep(REJOIN_RETRY_MS, ctx.signal);
    }
    if (!killedAgain()) await ctx.startNode(name);
  } catch (e) {
    unlessTearingDown(ctx)(e);
  }
}

/** Makes a killed node's data dir ready to start; undefined when it is, else why not yet (no live primary, say). */
async function prepare(ctx: LifecycleContext, s: State, name: string): Promise<string | undefined> {
  const was = s.down.get(name);
  const me = node(ctx, name);
  const primaryName = primaryOf(ctx);
  if (primaryName === undefined || primaryName === name) {
    s.down.delete(name);
    note(ctx, `${name} restarts as the primary (crash recovery)`);
    return undefined;
  }
  // Rewinding, cloning, or streaming needs a primary that runs (a failover may be about to name one).
  if (s.down.has(primaryName) || !ctx.isUp(primaryName)) return `its primary ${primaryName} is down`;
  const primary = node(ctx, primaryName);
  // A deposed primary has WAL the new primary never had; a standby that was down during a failover may too.
  const diverged = s.role.get(name) === 'primary' || (was !== undefined && was.primaryThen !== primaryName);
  try {
    await createSlots(ctx, primary);
    if (diverged) await rewind(ctx, s, me, primary);
  } catch (e) {
    note(ctx, `${name}: cannot rejoin ${primaryName} yet: ${(e as Error).message}`);
    return (e as Error).message;
  }
  touchStandbySignal(s, me);
  pointAt(ctx, s, me, primary);
  s.role.set(name, 'standby');
  s.down.delete(name);
  note(ctx, `${name} restarts as a standby of ${primaryName}`);
  return undefined;
}

/** pg_rewind against the primary; a fresh base backup if that fails. */
async function rewind(ctx: LifecycleContext, s: State, me: ClientNode, primary: ClientNode): Promise<void> {
  // pg_rewind first finishes crash recovery in single-user mode, which refuses standby mode; with
  // the node's own configuration (wal_keep_size), that recovery keeps the WAL the rewind then reads.
  fs.rmSync(path.join(pgdata(me), 'standby.signal'), { force: true });
  try {
    await asPostgres(ctx, [
      `${PGBIN}/pg_rewind`,
      `--target-pgdata=${pgdata(me)}`,
      `--config-file=${path.join(me.vars.dataDir, 'postgresql.conf')}`,
      `--source-server=${conninfo(primary, 'pg_rewind')}`,
      '--no-sync',
    ]);
    note(ctx, `${me.name}: rewound against ${primary.name}`);
  } catch (e) {
    note(ctx, `${me.name}: pg_rewind failed (${(e as Error).message}); taking a fresh base backup from ${primary.name}`);
    await baseBackup(ctx, s, me, primary);
  }
}
