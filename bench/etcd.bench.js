// replcheck's driver against a real 3-member etcd 3.4 cluster beside a plain keep-alive load loop at
// the same concurrency, same op mix, same cluster, same run (alternating rounds). The cluster runs
// on loopback; replcheck reaches it as a target file whose nodes it does not start.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadRunConfig } from '../dist/config/load.js';
import { executeRun } from '../dist/runner/execute.js';

const SECONDS = Number(process.env.ETCD_BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.ETCD_BENCH_ROUNDS ?? 2);
const CONCURRENCY = [6, 20];
const KEYS = 20;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function startCluster(dir) {
  const members = [];
  for (let i = 1; i <= 3; i++) members.push({ name: `n${i}`, client: await freePort(), peer: await freePort() });
  const cluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  const procs = members.map((m) =>
    spawn('etcd', [`--name=${m.name}`, `--data-dir=${path.join(dir, m.name)}`, `--listen-client-urls=http://127.0.0.1:${m.client}`,
      `--advertise-client-urls=http://127.0.0.1:${m.client}`, `--listen-peer-urls=http://127.0.0.1:${m.peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${m.peer}`, `--initial-cluster=${cluster}`, '--initial-cluster-state=new',
      `--initial-cluster-token=bench-${process.pid}`, '--log-outputs=stderr', '--logger=zap'], { stdio: 'ignore' }));
  const deadline = performance.now() + 30_000;
  for (const m of members) {
    for (;;) {
      const ok = await new Promise((r) => http.get(`http://127.0.0.1:${m.client}/health`, (res) => { res.resume(); r(res.statusCode === 200); }).on('error', () => r(false)));
      if (ok) break;
      if (performance.now() > deadline) throw new Error('etcd did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { members, stop: () => procs.forEach((p) => p.kill('SIGKILL')) };
}

const b64 = (s) => Buffer.from(s).toString('base64');

/** The plain loop: the register mix (read 2, write 1, cas 1) as bare gateway calls, keep-alive. */
async function plainLoop(members, concurrency, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const post = (m, p, body) => new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port: m.client, path: p, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString() || '{}')));
    });
    req.on('error', reject);
    req.end(data);
  });
  let ops = 0;
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async (w) => {
    const m = members[w % members.length];
    while (performance.now() < end) {
      const key = b64(`k${Math.floor(Math.random() * KEYS)}`);
      const r = Math.random() * 4;
      const v = b64(JSON.stringify(next++));
      if (r < 2) await post(m, '/v3/kv/range', { key });
      else if (r < 3) await post(m, '/v3/kv/put', { key, value: v });
      else await post(m, '/v3/kv/txn', { compare: [{ key, target: 'VALUE', result: 'EQUAL', value: v }], success: [{ request_put: { key, value: v } }] });
      ops++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  agent.destroy();
  return ops / ((performance.now() - t0) / 1000);
}

/** replcheck's driver: the register workload through executeRun (history written, no checkers). */
async function replcheckRun(targetFile, dir, concurrency, seconds) {
  const { config } = loadRunConfig({ target: targetFile, workload: 'register', timeLimit: seconds, concurrency, set: ['workload.thinkMs=0', `workload.keys=${KEYS}`] }, () => 1);
  const ex = await executeRun(config, { historyPath: path.join(dir, `h-${concurrency}.jsonl`) });
  // Client ops per second of the span from the first invoke to the last completion (final reads excluded).
  const ops = ex.history.ops.filter((o) => !o.final && Number.isFinite(o.completeTime));
  const spanNs = Math.max(...ops.map((o) => o.completeTime)) - Math.min(...ops.map((o) => o.invokeTime));
  return ops.length / (spanNs / 1e9);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-bench-etcd-'));
  const cluster = await startCluster(dir);
  try {
    const targetFile = path.join(dir, 'etcd-here.yaml');
    fs.writeFileSync(targetFile, [
      'type: external', 'name: etcd-bench', 'network: loopback', 'leader: client', 'client: { module: etcd }', 'settleMs: 500',
      'nodes:', ...cluster.members.map((m) => `  - { name: ${m.name}, vars: { clientPort: ${m.client} } }`), '',
    ].join('\n'));
    console.log(`${SECONDS} s per measurement, best of ${ROUNDS} alternating rounds; register mix read 2 / write 1 / cas 1 over ${KEYS} keys; 3 members on loopback\n`);
    console.log('| concurrency | plain keep-alive loop, ops/s | replcheck driver, ops/s | ratio |');
    console.log('| ---: | ---: | ---: | ---: |');
    for (const c of CONCURRENCY) {
      let plain = 0, ours = 0;
      for (let r = 0; r < ROUNDS; r++) {
        plain = Math.max(plain, await plainLoop(cluster.members, c, SECONDS));
        ours = Math.max(ours, await replcheckRun(targetFile, dir, c, SECONDS));
      }
      console.log(`| ${c} | ${Math.round(plain).toLocaleString('en')} | ${Math.round(ours).toLocaleString('en')} | ${(ours / plain).toFixed(2)} |`);
    }
    console.log('\naim: the driver reaches >= 0.8 of the plain loop (issue 8).');
  } finally {
    cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
