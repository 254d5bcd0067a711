// replcheck's driver against replcheck's own http cluster (3 node-server processes on loopback,
// sync replication, reads from the leader) beside a plain keep-alive HTTP loop sending the same
// POST /client requests at the same concurrency, same cluster, same run (alternating rounds).
// The plain loop's column is also what the node server itself sustains.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadRunConfig } from '../dist/config/load.js';
import { Rng } from '../dist/rng.js';
import { createHttpTarget } from '../dist/targets/http/index.js';
import { loopRate, ratioTable, replcheckRun } from './lib/driver-ratio.js';

const SECONDS = Number(process.env.HTTP_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.HTTP_BENCH_ROUNDS ?? 2);
const CONCURRENCY = (process.env.HTTP_BENCH_CONCURRENCY ?? '1,6,20').split(',').map(Number);
const KEYS = 20;

const TARGET_YAML = [
  'name: http-bench',
  'type: http',
  'nodes: 3',
  'topology: single-leader',
  'replication: sync',
  'readFrom: leader',
  // a loaded 2-core machine must not start an election mid-measurement
  'failover: { enabled: true, timeoutMs: 3000, promote: most-up-to-date, fencing: true }',
  'lagMs: [0, 0]',
  'latencyMs: [0, 0]',
  'clientTimeoutMs: 2000',
  'settleMs: 100',
  '',
].join('\n');

/** Starts the cluster once: an http target set up on its own scheduler. */
async function startCluster(targetFile) {
  const { config } = loadRunConfig({ target: targetFile, workload: 'register' }, () => 1);
  const t = createHttpTarget(config.target, new Rng(1), { workload: 'register' });
  t.setup(() => {});
  await t.scheduler.run();
  // Every round's run gets this cluster as it is: its set-up and teardown are no-ops.
  const shared = {
    name: t.name,
    scheduler: t.scheduler,
    faults: t.faults,
    nodes: () => t.nodes(),
    about: () => [],
    client: (s) => t.client(s),
    finalRead: (k, done) => t.finalRead(k, done),
    setup: (done) => void t.scheduler.after(0, done),
    teardown: (done) => void t.scheduler.after(0, done),
  };
  const stop = async () => {
    t.teardown(() => {});
    await t.scheduler.run();
  };
  return { target: t, shared, stop };
}

/**
 * The plain loop: the register mix (read 2, write 1, cas 1) as the bare POST /client requests the
 * http target's client sends (same body), to the leader, on one keep-alive agent.
 */
async function plainLoop(leaderPort, concurrency, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const post = (body) => new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port: leaderPort, path: '/client', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`http ${res.statusCode}`));
        else resolve(JSON.parse(Buffer.concat(chunks).toString()));
      });
    });
    req.on('error', reject);
    req.end(data);
  });
  let id = 1e9; // apart from the driver's request ids
  let next = 0;
  const last = new Map();
  const rate = await loopRate(concurrency, seconds, async () => {
    const key = `k${Math.floor(Math.random() * KEYS)}`;
    const r = Math.random() * 4;
    const base = { id: id++, key, nd: 0, route: 0, minIndex: 0, maxLagMs: 0 };
    if (r < 2) return post({ ...base, f: 0, value: null });
    const v = `p${next++}`;
    const body = r < 3 ? { ...base, f: 2, value: v } : { ...base, f: 3, value: [last.get(key) ?? null, v] };
    last.set(key, v);
    return post(body);
  });
  agent.destroy();
  return rate;
}

async function stats(port) {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/admin/stats' }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    }).on('error', () => resolve(undefined));
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-bench-http-'));
  let cluster;
  try {
    const targetFile = path.join(dir, 'http-bench.yaml');
    fs.writeFileSync(targetFile, TARGET_YAML);
    cluster = await startCluster(targetFile);
    const ports = cluster.target.ports();
    console.log(`${SECONDS} s per measurement, best of ${ROUNDS} alternating rounds; register mix read 2 / write 1 / cas 1 over ${KEYS} keys;`);
    console.log(`3 node-server processes on loopback, sync replication, reads from the leader; one cluster for every round\n`);
    await ratioTable({
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
      plain: (c) => plainLoop(ports[0], c, SECONDS),
      ours: (c) => replcheckRun(targetFile, dir, { concurrency: c, seconds: SECONDS, keys: KEYS, makeTarget: () => cluster.shared }),
    });
    const s = await Promise.all(ports.map((p) => stats(p)));
    console.log(`\nnode stats at the end: ${s.map((x, i) => `n${i + 1} ${JSON.stringify(x)}`).join('; ')}`);
  } finally {
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
