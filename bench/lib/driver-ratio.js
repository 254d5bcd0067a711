// What the real-database benches share: free ports, waiting for a server, replcheck's driver through
// executeRun (history written, no checkers) against a target file, and the alternating-rounds table
// beside a plain client loop at the same concurrency against the same servers in the same run.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadRunConfig } from '../../dist/config/load.js';
import { executeRun } from '../../dist/runner/execute.js';

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** Polls ready() every 100 ms until it resolves true, or throws after ms. */
export async function until(what, ready, ms = 30_000) {
  const deadline = performance.now() + ms;
  while (!(await ready().catch(() => false))) {
    if (performance.now() > deadline) throw new Error(`${what} did not start within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const tcpOpen = (port) =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

/** The event loop's busy share (0 to 1) over the last driving window measured here (see lastBusy). */
let busy = NaN;

/**
 * How busy this process's event loop was over the last driving window measured here (loopRate's
 * whole loop; replcheckRun's from the target ready to the time limit, without its setup, settle
 * and final reads): near 1, the client's own thread is the limit; well below it, the client waits
 * on the server and the network (the latency of each op's round trip sets the rate).
 */
export const lastBusy = () => busy;

/**
 * replcheck's driver: the workload through executeRun against the target file; client ops per second
 * over the span from the first invoke to the last completion (final reads excluded). `makeTarget`
 * (optional) hands the run a target of the caller's (e.g. one cluster kept up across rounds).
 */
export async function replcheckRun(targetFile, dir, { workload = 'register', concurrency, seconds, keys, makeTarget }) {
  const { config } = loadRunConfig({ target: targetFile, workload, timeLimit: seconds, concurrency, set: ['workload.thinkMs=0', `workload.keys=${keys}`] }, () => 1);
  // makeTarget: a target already set up (one cluster for every round), else the run builds its own
  let e0, window;
  const onReady = () => (e0 = performance.eventLoopUtilization());
  const onProgress = (ms) => {
    if (e0 !== undefined && window === undefined && ms >= seconds * 1000) window = performance.eventLoopUtilization(e0);
  };
  const ex = await executeRun(config, { historyPath: path.join(dir, `h-${concurrency}.jsonl`), onReady, onProgress, ...(makeTarget ? { makeTarget } : {}) });
  busy = window === undefined ? NaN : window.utilization;
  const ops = ex.history.ops.filter((o) => !o.final && Number.isFinite(o.completeTime));
  let first = Infinity, last = -Infinity;
  for (const o of ops) {
    if (o.invokeTime < first) first = o.invokeTime;
    if (o.completeTime > last) last = o.completeTime;
  }
  return ops.length / ((last - first) / 1e9);
}

/** Ops per second of `concurrency` workers each running `step()` back to back for `seconds`. */
export async function loopRate(concurrency, seconds, step) {
  let ops = 0;
  const e0 = performance.eventLoopUtilization();
  const end = performance.now() + seconds * 1000;
  const worker = async (w) => {
    while (performance.now() < end) {
      await step(w);
      ops++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  busy = performance.eventLoopUtilization(e0).utilization;
  return ops / ((performance.now() - t0) / 1000);
}

/**
 * The host's CPU accounting (/proc/stat's first line: user nice system idle iowait irq softirq
 * steal ...), or undefined where there is none: the steal column says how much of the machine a
 * virtual host took away while a row was measured, which moves every figure in it.
 */
function cpuTicks() {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/ +/).slice(1).map(Number);
  } catch {
    return undefined;
  }
}

/** Cores stolen by the host between two cpuTicks() (averaged over the span), or '-'. */
function stolenCores(a, b) {
  if (a === undefined || b === undefined || a.length < 8) return '-';
  const d = b.map((x, i) => x - a[i]);
  const total = d.reduce((x, y) => x + y, 0);
  return total > 0 ? ((d[7] / total) * availableParallelism()).toFixed(2) : '-';
}

/**
 * Prints the Markdown table: best of `rounds` alternating rounds per concurrency. `plain` is the
 * baseline the ratio is taken against; `others` are more baselines shown beside it, with their ratio.
 * Then how busy the event loop was in the plain loop's and the driver's best rounds (lastBusy: near
 * 1, that client's own thread is its limit), and the host's steal over the row's rounds, in cores.
 */
export async function ratioTable({ concurrency, rounds, plain, ours, others = [], aim = 0.8 }) {
  const extra = others.map((o) => ` ${o.name}, ops/s | ratio to it |`).join('');
  console.log(`| concurrency | plain client loop, ops/s | replcheck driver, ops/s | ratio |${extra} event loop busy, plain / driver | host steal, cores |`);
  console.log(`| ---: | ---: | ---: | ---: |${others.map(() => ' ---: | ---: |').join('')} ---: | ---: |`);
  const fmt = (x) => Math.round(x).toLocaleString('en');
  const share = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
  for (const c of concurrency) {
    const p = { rate: 0, busy: NaN }, o = { rate: 0, busy: NaN };
    const keepBest = (best, rate) => rate > best.rate && Object.assign(best, { rate, busy: lastBusy() });
    const best = others.map(() => 0);
    const t0 = cpuTicks();
    for (let r = 0; r < rounds; r++) {
      keepBest(p, await plain(c));
      keepBest(o, await ours(c));
      for (let i = 0; i < others.length; i++) best[i] = Math.max(best[i], await others[i].run(c));
    }
    const cells = best.map((b) => ` ${fmt(b)} | ${(o.rate / b).toFixed(2)} |`).join('');
    console.log(`| ${c} | ${fmt(p.rate)} | ${fmt(o.rate)} | ${(o.rate / p.rate).toFixed(2)} |${cells} ${share(p.busy)} / ${share(o.busy)} | ${stolenCores(t0, cpuTicks())} |`);
  }
  console.log(`\naim: the driver reaches >= ${aim} of the plain loop. Event loop busy: the share of its best round the client's thread was running (near 1: that thread is the limit; below, the round trips are). Host steal: CPU time a virtual machine's host took away (of ${availableParallelism()} cores); with much of it, the figures swing from round to round.`);
}
