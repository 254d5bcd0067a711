// `replcheck run` end to end on the memory target (the default run: list-append, 6 clients, reads of
// whole lists, keys rotated after 200 appends, partitions and kills) beside the simulator alone on
// the same design, ops and concurrency, in the same run. What lies between the two is what is not
// simulation: the history written, the History built, every checker, the reports.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadRunConfig } from '../dist/config/load.js';
import { Rng } from '../dist/rng.js';
import { createMemoryTarget } from '../dist/targets/memory/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.join(here, '..', 'bin', 'replcheck.js');
const SIZES = (process.env.RUN_BENCH_OPS ?? '100000,1000000').split(',').map(Number);
const hasTime = fs.existsSync('/usr/bin/time');

/** The simulator alone: the run's design, `ops` appends and whole-list reads by `concurrency` clients, no faults. */
function simulatorAlone(ops) {
  const { config } = loadRunConfig({ ops }, () => 1);
  const rng = new Rng(1);
  const target = createMemoryTarget(config.target, rng.fork(), { workload: 'append' });
  const w = rng.fork();
  const sched = target.scheduler;
  const keys = config.workload.keys, rotate = config.workload.maxAppendsPerKey;
  const next = new Array(keys).fill(0), gen = new Array(keys).fill(0);
  let issued = 0;
  let live = config.workload.concurrency;
  const start = (i, process) => {
    const client = target.client({ process, session: `s${i}` });
    const step = () => {
      if (issued >= ops) {
        if (--live === 0) target.teardown(() => {});
        return;
      }
      issued++;
      const k = w.int(0, keys - 1);
      if (next[k] >= rotate) ((next[k] = 0), gen[k]++);
      const key = `k${k}.${gen[k]}`;
      const op = w.float() < 0.5 ? { f: 'read', key, value: null } : { f: 'append', key, value: ++next[k] };
      client.invoke(op, (c) => (c.type === 'info' ? sched.after(1e5, () => start(i, process + 1000)) : sched.after(1e5, step)));
    };
    step();
  };
  target.setup(() => {
    for (let i = 0; i < config.workload.concurrency; i++) start(i, i);
  });
  const t0 = performance.now();
  sched.run();
  return (performance.now() - t0) / 1000;
}

/** `replcheck run` as a user runs it: wall seconds and peak RSS (MB) of the whole process. */
function wholeRun(ops, dir, html) {
  const args = [bin, 'run', '--ops', String(ops), '--seed', '1', '--out', path.join(dir, `r${ops}${html ? 'h' : ''}`), ...(html ? [] : ['--no-html'])];
  const t0 = performance.now();
  const r = hasTime ? spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' }) : spawnSync(process.execPath, args, { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`replcheck run exited ${r.status}: ${r.stderr.slice(-400)}`);
  const rss = hasTime ? Number(r.stderr.trim().split('\n').pop()) / 1024 : NaN;
  const history = fs.statSync(path.join(dir, `r${ops}${html ? 'h' : ''}`, 'history.jsonl')).size / 1e6;
  return { wall, rss, history };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-bench-run-'));
try {
  console.log('the default memory run (`replcheck run --ops N --seed 1`: list-append, 6 clients, 5 keys rotated every 200 appends, default faults) beside the simulator alone on the same design, ops and concurrency\n');
  console.log('| ops | simulator alone, s | ops/s | `run --no-html`, s | ops/s | vs simulator | peak RSS MB | history MB | `run` with report, s |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const n of SIZES) {
    const sim = simulatorAlone(n);
    const run = wholeRun(n, dir, false);
    const withHtml = wholeRun(n, dir, true);
    const rate = (s) => Math.round(n / s).toLocaleString('en');
    console.log(`| ${n.toLocaleString('en')} | ${sim.toFixed(2)} | ${rate(sim)} | ${run.wall.toFixed(2)} | ${rate(run.wall)} | ${(run.wall / sim).toFixed(1)}x | ${run.rss.toFixed(0)} | ${run.history.toFixed(0)} | ${withHtml.wall.toFixed(2)} |`);
    fs.rmSync(path.join(dir, `r${n}`), { recursive: true, force: true });
    fs.rmSync(path.join(dir, `r${n}h`), { recursive: true, force: true });
  }
  console.log('\naim (issue 13): the whole run >= 300k ops/s at 1M ops; the simulator alone >= 500k.');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
