// The driver by itself: replcheck's driver (executeRun: generator, history file, the run's event
// columns, op deadlines) against a client module that answers at once, beside a plain loop of the
// same module's invoke at the same concurrency, in the same run. The difference is what the driver
// spends per op: it must stay well under what a real client costs (ioredis: about 9 µs of CPU per
// op), so that against a real database the driver is never the bottleneck.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadRunConfig } from '../dist/config/load.js';
import { executeRun } from '../dist/runner/execute.js';
import { loopRate } from './lib/driver-ratio.js';
import { open } from './lib/null-client.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OPS = Number(process.env.DRIVER_BENCH_OPS ?? 300_000);
const SECONDS = 2;
const KEYS = 20;

/** The driver: OPS register ops through executeRun; ops/s and CPU µs per op over the driving phase. */
async function driver(targetFile, dir, concurrency) {
  const { config } = loadRunConfig({ target: targetFile, workload: 'register', ops: OPS, concurrency, set: ['workload.thinkMs=0', `workload.keys=${KEYS}`] }, () => 1);
  let t0 = 0, cpu0, wall = 0, cpu;
  await executeRun(config, {
    historyPath: path.join(dir, `h-${concurrency}.jsonl`),
    onReady: () => ((t0 = performance.now()), (cpu0 = process.cpuUsage())),
    onProgress: (done) => {
      if (done >= OPS && cpu === undefined) ((wall = performance.now() - t0), (cpu = process.cpuUsage(cpu0)));
    },
  });
  return { rate: OPS / (wall / 1000), usPerOp: (cpu.user + cpu.system) / OPS };
}

/** The plain loop: the same module's invoke, awaited back to back by `concurrency` workers. */
async function plain(concurrency) {
  const client = await open();
  let n = 0;
  const cpu0 = process.cpuUsage();
  const rate = await loopRate(concurrency, SECONDS, () => {
    const x = n++ % 4;
    const key = `k${n % KEYS}`;
    return client.invoke(x < 2 ? { f: 'read', key, value: null } : x < 3 ? { f: 'write', key, value: n } : { f: 'cas', key, value: [n - 1, n] }, {});
  });
  const cpu = process.cpuUsage(cpu0);
  return { rate, usPerOp: (cpu.user + cpu.system) / (rate * SECONDS) };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-bench-driver-'));
  try {
    const targetFile = path.join(dir, 'null.yaml');
    fs.writeFileSync(targetFile, ['type: external', 'name: null-client', 'network: loopback', `client: { module: ${path.join(here, 'lib/null-client.mjs')} }`, 'settleMs: 10', 'nodes: [n1]', ''].join('\n'));
    console.log(`${OPS.toLocaleString('en')} register ops per driver run (read 2 / write 1 / cas 1 over ${KEYS} keys), best of 3; plain loop ${SECONDS} s\n`);
    console.log('| concurrency | plain loop, ops/s | plain, µs CPU/op | replcheck driver, ops/s | driver, µs CPU/op | driver\'s own µs/op |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of [1, 6, 20]) {
      let p = { rate: 0, usPerOp: Infinity }, d = { rate: 0, usPerOp: Infinity };
      for (let r = 0; r < 3; r++) {
        const pr = await plain(c);
        if (pr.rate > p.rate) p = pr;
        const dr = await driver(targetFile, dir, c);
        if (dr.rate > d.rate) d = dr;
      }
      const fmt = (x) => Math.round(x).toLocaleString('en');
      console.log(`| ${c} | ${fmt(p.rate)} | ${p.usPerOp.toFixed(2)} | ${fmt(d.rate)} | ${d.usPerOp.toFixed(2)} | ${(d.usPerOp - p.usPerOp).toFixed(2)} |`);
    }
    console.log('\nthe driver\'s own cost per op is what it adds to a real client\'s (ioredis: about 9 µs CPU per op; see the redis bench).');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
