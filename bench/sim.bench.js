// Simulator throughput: 100k client ops against the memory target with a few faults, for several
// replication designs; prints simulated client ops per wall second and where the events go.
import { performance } from 'node:perf_hooks';
import { Rng } from '../dist/rng.js';
import { createMemoryTarget } from '../dist/targets/memory/index.js';

const OPS = Number(process.env.SIM_OPS ?? 100_000);
const CLIENTS = 20;
const KEYS = 1000; // list-append workloads bound the appends per key (Jepsen rotates keys)

function config(over) {
  return {
    type: 'memory', name: 'bench', nodes: 3, topology: 'single-leader', replication: 'async',
    readFrom: 'leader', readYourWritesScope: 'session', maxLagMs: 100,
    failover: { enabled: true, timeoutMs: 500, promote: 'most-up-to-date', fencing: true },
    quorum: { n: 3, w: 2, r: 2, readRepair: true }, conflicts: 'lww', log: 'row',
    lagMs: [0, 20], latencyMs: [0.5, 2], clientTimeoutMs: 1000, settleMs: 1000, ...over,
  };
}

/** Drives OPS ops (half appends, half reads over 10 keys) with CLIENTS clients and a few faults. */
function run(cfg, seed) {
  const rng = new Rng(seed);
  const target = createMemoryTarget(cfg, rng.fork(), { workload: 'append' });
  const w = rng.fork();
  const sched = target.scheduler;
  const keys = Array.from({ length: KEYS }, (_, i) => `k${i}`);
  const counters = new Array(keys.length).fill(0);
  let issued = 0, live = CLIENTS, ok = 0, fail = 0, info = 0;
  const f = target.faults;
  const faults = [
    [1000, () => f.kill.kill(f.leader.leader() ?? 'n1')], [2000, () => { for (const n of target.nodes()) f.kill.restart(n); }],
    [3000, () => f.partition.partition([[f.leader.leader() ?? 'n1'], target.nodes().filter((n) => n !== (f.leader.leader() ?? 'n1'))])],
    [4500, () => f.partition.heal()], [5000, () => f.pause.pause(f.leader.leader() ?? 'n1')], [6000, () => f.pause.resume(target.nodes()[0])],
    [6000, () => { for (const n of target.nodes()) f.pause.resume(n); }], [7000, () => f.clock.skewClock('n2', 500)],
  ];
  const start = (i, process) => {
    const client = target.client({ process, session: `s${i}` });
    const step = () => {
      if (issued >= OPS) {
        if (--live === 0) target.teardown(() => {});
        return;
      }
      issued++;
      const k = w.int(0, keys.length - 1);
      const read = w.float() < 0.5;
      const op = read ? { f: 'read', key: keys[k], value: null } : { f: 'append', key: keys[k], value: ++counters[k] };
      client.invoke(op, (c) => {
        if (c.type === 'ok') ok++; else if (c.type === 'fail') fail++; else info++;
        if (c.type === 'info') sched.after(w.between(0, 1e6), () => start(i, process + CLIENTS));
        else sched.after(w.between(0, 1e6), step);
      });
    };
    step();
  };
  target.setup(() => {
    for (const [atMs, fn] of faults) sched.after(atMs * 1e6, fn);
    for (let i = 0; i < CLIENTS; i++) start(i, i);
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  sched.run(); // synchronous: the returned promise is already settled
  const wallMs = performance.now() - t0;
  const cpuMs = process.cpuUsage(c0).user / 1000;
  if (sched.size() !== 0) throw new Error('run did not drain the event queue');
  return { wallMs, cpuMs, stats: target.stats(), ok, fail, info };
}

const designs = [
  ['single-leader async, reads at leader', config({})],
  ['single-leader sync, read-your-writes', config({ replication: 'sync', readFrom: 'read-your-writes' })],
  ['single-leader semi-sync, 5 nodes, any', config({ nodes: 5, replication: 'semi-sync', readFrom: 'any' })],
  ['leaderless n=3 w=2 r=2', config({ topology: 'leaderless' })],
  ['multi-leader', config({ topology: 'multi-leader', readFrom: 'any' })],
];

/** A fixed CPU yardstick (ms for 1e8 trivial loop iterations), to read the figures on a busy machine. */
function calibrate() {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < 1e8; i++) x += i & 7;
  if (x < 0) console.log(x);
  return performance.now() - t0;
}

run(config({}), 1); // warm-up
const yardstickMs = calibrate();
console.log(`${OPS} client ops (half appends, half reads, ${KEYS} keys), ${CLIENTS} clients, faults: kill/restart, partition, pause, clock skew`);
console.log(`CPU yardstick: ${yardstickMs.toFixed(0)} ms per 1e8 loop iterations (about 50 on an idle core)\n`);
console.log('| design | wall ms | CPU ms | ops/s (wall) | ops per CPU s | ok / fail / info | events/op | virtual s | events by kind | messages by type |');
console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |');
for (const [name, cfg] of designs) {
  const r = run(cfg, 42);
  const ev = r.stats.eventsByKind;
  const total = Object.values(ev).reduce((a, b) => a + b, 0);
  const share = (o, t) => Object.entries(o).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${((100 * v) / t).toFixed(0)}%`).join(', ');
  const msgTotal = Object.values(r.stats.messagesByType).reduce((a, b) => a + b, 0);
  console.log(
    `| ${name} | ${r.wallMs.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${Math.round(OPS / (r.wallMs / 1000)).toLocaleString('en-US')} | ${Math.round(OPS / (r.cpuMs / 1000)).toLocaleString('en-US')} | ${r.ok} / ${r.fail} / ${r.info} | ${(total / OPS).toFixed(1)} | ${(r.stats.nowNs / 1e9).toFixed(1)} | ${share(ev, total)} | ${share(r.stats.messagesByType, msgTotal)} |`,
  );
}
console.log('\nbaseline: >= 500,000 simulated client ops per wall second (issue 3); on a busy machine scale by the yardstick.');
console.log('events/op: every op costs one think-time callback, a request and a response; a single-leader write adds one');
console.log('append per follower (async followers acknowledge at most every heartbeat/5); leaderless reads and writes');
console.log('fan out to the other replicas (appends read, then write); node timers are follower apply queues and heartbeats.');
