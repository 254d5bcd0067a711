// replcheck's driver against a real Redis 7 primary with two replicas and three Sentinels (the shape
// of targets/redis.yaml, on loopback) beside a plain ioredis loop at the same concurrency, the same op
// mix (GET 2 / SET 1 / compare-and-set script 1), the same primary, the same run (alternating rounds).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { CAS_SCRIPT, open } from '../dist/targets/external/clients/redis.js';
import { freePort, loopRate, ratioTable, replcheckRun, tcpOpen, until } from './lib/driver-ratio.js';

const SECONDS = Number(process.env.REDIS_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.REDIS_BENCH_ROUNDS ?? 2);
const KEYS = 20;

export async function startCluster(dir) {
  const nodes = [];
  for (let i = 1; i <= 3; i++) nodes.push({ name: `n${i}`, redisPort: await freePort(), sentinelPort: await freePort(), dir: path.join(dir, `n${i}`) });
  const procs = [];
  for (const n of nodes) {
    fs.mkdirSync(n.dir);
    const primary = nodes[0];
    fs.writeFileSync(path.join(n.dir, 'redis.conf'), [`bind 127.0.0.1`, `port ${n.redisPort}`, `dir ${n.dir}`, 'appendonly yes', 'appendfsync everysec', 'save ""',
      n === primary ? 'replicaof no one' : `replicaof 127.0.0.1 ${primary.redisPort}`, ''].join('\n'));
    fs.writeFileSync(path.join(n.dir, 'sentinel.conf'), [`bind 127.0.0.1`, `port ${n.sentinelPort}`, `dir ${n.dir}`, `sentinel monitor replcheck 127.0.0.1 ${primary.redisPort} 2`,
      'sentinel down-after-milliseconds replcheck 1000', 'sentinel failover-timeout replcheck 5000', ''].join('\n'));
    procs.push(spawn('redis-server', [path.join(n.dir, 'redis.conf')], { stdio: 'ignore' }));
    procs.push(spawn('redis-sentinel', [path.join(n.dir, 'sentinel.conf')], { stdio: 'ignore' }));
  }
  for (const n of nodes) {
    await until(`redis ${n.name}`, () => tcpOpen(n.redisPort));
    await until(`sentinel ${n.name}`, () => tcpOpen(n.sentinelPort));
  }
  // Every measurement runs on the formed cluster: a primary starts streaming to its replicas only
  // after its first BGSAVE (about 5 s after they connect), so a loop started at once would be
  // measured against a primary that replicates nothing, and the driver (which waits) against one that does.
  await until('replication and Sentinels', () => formed(nodes), 60_000);
  return { nodes, stop: () => procs.forEach((p) => p.kill('SIGKILL')) };
}

/** Both replicas online at the primary, and every Sentinel knows both replicas and the other Sentinels. */
async function formed(nodes) {
  const ask = async (port, ...cmd) => {
    const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await r.connect();
      return await r.call(...cmd);
    } finally {
      r.disconnect();
    }
  };
  const info = await ask(nodes[0].redisPort, 'INFO', 'replication');
  if ((info.match(/state=online/g) ?? []).length !== nodes.length - 1) return false;
  for (const n of nodes) {
    const flat = await ask(n.sentinelPort, 'SENTINEL', 'MASTER', 'replcheck');
    const f = {};
    for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]] = flat[i + 1];
    if (Number(f['num-slaves']) !== nodes.length - 1 || Number(f['num-other-sentinels']) !== nodes.length - 1) return false;
  }
  return true;
}

/**
 * The plain loop: one ioredis connection to the primary shared by every worker, as an application
 * has; ioredis's defaults write each command on its own, `pipelined` (enableAutoPipelining) sends
 * the commands of one turn together (one write for many, one more turn of latency each).
 */
export async function plainLoop(primary, concurrency, seconds, pipelined = false) {
  const r = new Redis({ host: '127.0.0.1', port: primary.redisPort, lazyConnect: true, enableAutoPipelining: pipelined });
  await r.connect();
  let next = 0;
  const rate = await loopRate(concurrency, seconds, async () => {
    const key = `k${Math.floor(Math.random() * KEYS)}`;
    const x = Math.random() * 4;
    const v = JSON.stringify(next++);
    if (x < 2) await r.get(key);
    else if (x < 3) await r.set(key, v);
    else await r.eval(CAS_SCRIPT, 1, key, '0', v, JSON.stringify(next++));
  });
  r.disconnect();
  return rate;
}

/**
 * The client module's own invoke in the same plain loop: what the module costs (its connection
 * options: a timeout per command, no offline queue; its error table; `served`), apart from the driver.
 */
export async function moduleLoop(nodes, concurrency, seconds) {
  const client = await open({
    nodes: nodes.map((n) => ({ name: n.name, host: '127.0.0.1', vars: { redisPort: String(n.redisPort), sentinelPort: String(n.sentinelPort), masterName: 'replcheck' } })),
    workload: 'register',
    options: {},
    timeoutMs: 10_000,
    shared: {},
  });
  const signal = new AbortController().signal;
  let next = 0;
  const rate = await loopRate(concurrency, seconds, (w) => {
    const key = `k${Math.floor(Math.random() * KEYS)}`;
    const x = Math.random() * 4;
    next += 2;
    const op = x < 2 ? { f: 'read', key, value: null } : x < 3 ? { f: 'write', key, value: next } : { f: 'cas', key, value: [next - 2, next - 1] };
    return client.invoke(op, { process: w, session: `s${w}`, signal });
  });
  await client.close();
  return rate;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-bench-redis-'));
  const cluster = await startCluster(dir);
  try {
    const targetFile = path.join(dir, 'redis-here.yaml');
    fs.writeFileSync(targetFile, [
      'type: external', 'name: redis-bench', 'network: loopback', 'leader: client', 'client: { module: redis }', 'settleMs: 500',
      'vars: { masterName: replcheck }',
      'nodes:', ...cluster.nodes.map((n) => `  - { name: ${n.name}, vars: { redisPort: ${n.redisPort}, sentinelPort: ${n.sentinelPort} } }`), '',
    ].join('\n'));
    console.log(`${SECONDS} s per measurement, best of ${ROUNDS} alternating rounds; register mix GET 2 / SET 1 / cas script 1 over ${KEYS} keys; writes and reads on the primary (connect: sentinel, reads: primary); 1 primary + 2 replicas + 3 Sentinels on loopback\n`);
    await ratioTable({
      concurrency: [6, 20],
      rounds: ROUNDS,
      plain: (c) => plainLoop(cluster.nodes[0], c, SECONDS),
      ours: (c) => replcheckRun(targetFile, dir, { concurrency: c, seconds: SECONDS, keys: KEYS }),
      others: [
        { name: "the client module's invoke in the plain loop", run: (c) => moduleLoop(cluster.nodes, c, SECONDS) },
        { name: 'plain loop, auto-pipelined', run: (c) => plainLoop(cluster.nodes[0], c, SECONDS, true) },
      ],
    });
  } finally {
    cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) await main();
