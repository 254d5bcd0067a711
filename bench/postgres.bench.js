// replcheck's driver against a real PostgreSQL 15 primary (the server and settings targets/postgres.yaml
// runs, on loopback, asynchronous standbys left out: they do not slow the primary's commits) beside a
// plain pg.Pool loop at the same concurrency, the same statements (SELECT 2 / upsert 1 / cas UPDATE 1),
// the same server, the same run (alternating rounds). Beside it, the same loop with the client
// module's own statements (which also return standby and LSN, for `served`), plain and prepared
// (the module sends them as named statements): the last ratio is the driver's own cost alone.
// Runs as root: the server runs as `postgres`.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, loopRate, ratioTable, replcheckRun, until } from './lib/driver-ratio.js';
import { REGISTER_STATEMENTS } from '../dist/targets/external/clients/postgres.js';

const SECONDS = Number(process.env.PG_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.PG_BENCH_ROUNDS ?? 2);
const KEYS = 20;
const BIN = '/usr/lib/postgresql/15/bin';
const asPostgres = ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--'];

export async function startServer(dir) {
  const port = await freePort();
  const data = path.join(dir, 'pgdata');
  execFileSync('chown', ['postgres:postgres', dir]);
  execFileSync(asPostgres[0], [...asPostgres.slice(1), `${BIN}/initdb`, '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], { stdio: 'ignore' });
  const proc = spawn(asPostgres[0], [...asPostgres.slice(1), `${BIN}/postgres`, '-D', data, '-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', "unix_socket_directories=", '-c', 'shared_buffers=32MB', '-c', 'max_connections=100'], { stdio: 'ignore' });
  const connect = () => new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await until('postgres', async () => {
    const c = connect();
    try {
      await c.connect();
      await c.query('CREATE TABLE IF NOT EXISTS registers (k text PRIMARY KEY, v jsonb NOT NULL)');
      return true;
    } finally {
      await c.end().catch(() => undefined);
    }
  });
  return { port, stop: () => proc.kill('SIGKILL') };
}

const WRITE = 'INSERT INTO registers AS r (k, v) VALUES ($1, $2::jsonb) ON CONFLICT (k) DO UPDATE SET v = excluded.v';
const CAS = 'UPDATE registers SET v = $3::jsonb WHERE k = $1 AND v = $2::jsonb';

const PLAIN = { read: 'SELECT v FROM registers WHERE k = $1', write: WRITE, cas: CAS };

/**
 * The plain loop: one pg.Pool shared by every worker, as an application has; by default the plain
 * statements, or `sql` (the client module's, which also return standby and LSN for `served`).
 */
export async function plainLoop(port, concurrency, seconds, sql = PLAIN, prepared = false) {
  const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', max: 32 });
  let next = 0;
  const rate = await loopRate(concurrency, seconds, async () => {
    const key = `k${Math.floor(Math.random() * KEYS)}`;
    const x = Math.random() * 4;
    const v = JSON.stringify(next++);
    const run = (name, values) => pool.query(prepared ? { name, text: sql[name], values } : { text: sql[name], values });
    if (x < 2) await run('read', [key]);
    else if (x < 3) await run('write', [key, v]);
    else await run('cas', [key, v, JSON.stringify(next++)]);
  });
  await pool.end();
  return rate;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-bench-pg-'));
  const server = await startServer(dir);
  try {
    const targetFile = path.join(dir, 'postgres-here.yaml');
    fs.writeFileSync(targetFile, ['type: external', 'name: postgres-bench', 'network: loopback', 'leader: client', 'client: { module: postgres }', 'settleMs: 500',
      'nodes:', `  - { name: n1, vars: { port: ${server.port} } }`, ''].join('\n'));
    console.log(`${SECONDS} s per measurement, best of ${ROUNDS} alternating rounds; register mix SELECT 2 / upsert 1 / cas UPDATE 1 over ${KEYS} keys; one PostgreSQL 15 primary on loopback, synchronous_commit on\n`);
    await ratioTable({
      concurrency: [6, 20],
      rounds: ROUNDS,
      plain: (c) => plainLoop(server.port, c, SECONDS),
      ours: (c) => replcheckRun(targetFile, dir, { concurrency: c, seconds: SECONDS, keys: KEYS }),
      others: [
        { name: 'plain loop, the client module\'s statements (with standby and LSN)', run: (c) => plainLoop(server.port, c, SECONDS, REGISTER_STATEMENTS) },
        { name: 'the same, prepared (named, as the client module sends them)', run: (c) => plainLoop(server.port, c, SECONDS, REGISTER_STATEMENTS, true) },
      ],
    });
  } finally {
    server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) await main();
