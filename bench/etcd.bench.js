// replcheck's driver against a real 3-member etcd 3.4 cluster beside a plain keep-alive load loop at
// the same concurrency, same op mix, same cluster, same run (alternating rounds). The cluster runs
// on loopback; replcheck reaches it as a target file whose nodes it does not start.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort, loopRate, ratioTable, replcheckRun, until } from './lib/driver-ratio.js';

const SECONDS = Number(process.env.ETCD_BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.ETCD_BENCH_ROUNDS ?? 2);
const CONCURRENCY = [6, 20];
const KEYS = 20;

async function startCluster(dir) {
  const members = [];
  for (let i = 1; i <= 3; i++) members.push({ name: `n${i}`, client: await freePort(), peer: await freePort() });
  const cluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  const procs = members.map((m) =>
    spawn('etcd', [`--name=${m.name}`, `--data-dir=${path.join(dir, m.name)}`, `--listen-client-urls=http://127.0.0.1:${m.client}`,
      `--advertise-client-urls=http://127.0.0.1:${m.client}`, `--listen-peer-urls=http://127.0.0.1:${m.peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${m.peer}`, `--initial-cluster=${cluster}`, '--initial-cluster-state=new',
      `--initial-cluster-token=bench-${process.pid}`, '--log-outputs=stderr', '--logger=zap'], { stdio: 'ignore' }));
  const healthy = (m) => new Promise((r) => http.get(`http://127.0.0.1:${m.client}/health`, (res) => { res.resume(); r(res.statusCode === 200); }).on('error', () => r(false)));
  for (const m of members) await until(`etcd ${m.name}`, () => healthy(m));
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
  let next = 0;
  const rate = await loopRate(concurrency, seconds, async (w) => {
    const m = members[w % members.length];
    const key = b64(`k${Math.floor(Math.random() * KEYS)}`);
    const r = Math.random() * 4;
    const v = b64(JSON.stringify(next++));
    if (r < 2) await post(m, '/v3/kv/range', { key });
    else if (r < 3) await post(m, '/v3/kv/put', { key, value: v });
    else await post(m, '/v3/kv/txn', { compare: [{ key, target: 'VALUE', result: 'EQUAL', value: v }], success: [{ request_put: { key, value: v } }] });
  });
  agent.destroy();
  return rate;
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
    await ratioTable({
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
      plain: (c) => plainLoop(cluster.members, c, SECONDS),
      ours: (c) => replcheckRun(targetFile, dir, { concurrency: c, seconds: SECONDS, keys: KEYS }),
    });
  } finally {
    cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
