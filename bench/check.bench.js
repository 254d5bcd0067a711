// Checking speed: list-append histories of 100k and 1M ops (and 3M with CHECK_BENCH_BIG=1) are
// generated into a temp dir, then `replcheck check` (child process; in-process too, checker by
// checker, at 1M) is timed against merely JSON.parse-ing every line of the same file, read in
// chunks as a reader would, with the peak RSS of the child beside the file size: checking should be
// linear in the ops, and its memory a small multiple of the file. The issue's aim: check <= 1.2x
// parse. CHECK_BENCH_SIZES=200000,500000 picks the sizes (CHECK_BENCH_OPS=N: one size); each
// generated file is deleted once measured (3M ops: about 1 GB of disk meanwhile).

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const SIZES = process.env.CHECK_BENCH_SIZES
  ? process.env.CHECK_BENCH_SIZES.split(',').map(Number)
  : process.env.CHECK_BENCH_OPS
    ? [Number(process.env.CHECK_BENCH_OPS)]
    : [100_000, 1_000_000, ...(process.env.CHECK_BENCH_BIG === '1' ? [3_000_000] : [])];
/** The size whose table is broken down checker by checker (in-process): 1M, or the largest below it. */
const DETAIL = SIZES.includes(1_000_000) ? 1_000_000 : Math.max(...SIZES.filter((n) => n <= 1_000_000), SIZES[0]);
const KEYS = Number(process.env.CHECK_BENCH_KEYS ?? 10_000);
const PROCESSES = 32;
const USERS = 12;
const NODES = ['n1', 'n2', 'n3'];
const REPEATS = Number(process.env.CHECK_BENCH_REPEATS ?? 3);
/** Repeats above 1M ops (each CLI run of 3M takes a while). */
const BIG_REPEATS = Number(process.env.CHECK_BENCH_BIG_REPEATS ?? 1);
const TIME = '/usr/bin/time';

/** mulberry32, so the file is the same every run. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A linearizable store under PROCESSES concurrent clients: every op takes effect at its completion
 * instant, so reads return whole per-key lists. 1% of ops fail, 0.5% end info (new process after).
 */
function generate(path, OPS) {
  const rnd = seeded(42);
  const fd = openSync(path, 'w');
  let buf = [];
  let bytes = 0;
  let index = 0;
  const emit = (o) => {
    const line = JSON.stringify({ index: index++, ...o }) + '\n';
    buf.push(line);
    bytes += line.length;
    if (bytes > 4 << 20) {
      writeSync(fd, buf.join(''));
      buf = [];
      bytes = 0;
    }
  };
  const lists = Array.from({ length: KEYS }, () => []);
  const nextElem = new Int32Array(KEYS);
  const proc = Array.from({ length: PROCESSES }, (_, i) => ({ id: i, session: `s${i}`, user: `u${i % USERS}`, op: null, doneNs: 0 }));
  let nextProcess = PROCESSES;
  let timeNs = 0;
  let issued = 0;
  const invoke = (p) => {
    const k = Math.floor(rnd() * KEYS);
    const f = rnd() < 0.5 ? 'append' : 'read';
    const value = f === 'append' ? nextElem[k]++ : null;
    p.op = { f, key: `k${k}`, k, value };
    p.doneNs = timeNs + 50_000 + Math.floor(rnd() * 2_000_000);
    emit({ time: timeNs, process: p.id, session: p.session, user: p.user, type: 'invoke', f, key: p.op.key, value });
    issued++;
  };
  for (const p of proc) invoke(p);
  while (issued < OPS || proc.some((p) => p.op)) {
    let p = null;
    for (const q of proc) if (q.op && (p === null || q.doneNs < p.doneNs)) p = q;
    timeNs = p.doneNs;
    const op = p.op;
    const r = rnd();
    const type = r < 0.01 ? 'fail' : r < 0.015 ? 'info' : 'ok';
    const applies = type === 'ok' || (type === 'info' && r < 0.0125);
    let value = op.value;
    if (op.f === 'append' && applies) lists[op.k].push(op.value);
    if (op.f === 'read') value = type === 'ok' ? lists[op.k].slice() : null;
    const node = NODES[Math.floor(rnd() * NODES.length)];
    emit({ time: timeNs, process: p.id, session: p.session, user: p.user, type, f: op.f, key: op.key, value, node, ...(type !== 'ok' ? { error: type === 'fail' ? 'rejected' : 'timeout' } : {}) });
    p.op = null;
    if (type === 'info') p.id = nextProcess++;
    if (issued < OPS) invoke(p); // no think time: the next invoke must not precede pending completions
  }
  emit({ time: timeNs, process: 'nemesis', type: 'info', f: 'heal', value: null });
  // Final reads: every key from every node, after healing.
  for (let k = 0; k < KEYS; k++) {
    for (const node of NODES) {
      const id = nextProcess++;
      timeNs += 1000;
      emit({ time: timeNs, process: id, session: `final-${node}`, type: 'invoke', f: 'read', key: `k${k}`, value: null, final: true });
      timeNs += 1000;
      emit({ time: timeNs, process: id, session: `final-${node}`, type: 'ok', f: 'read', key: `k${k}`, value: lists[k], node, final: true });
    }
  }
  writeSync(fd, buf.join(''));
  closeSync(fd);
  return index;
}

/** The baseline: read the file in 8 MiB chunks, split lines, JSON.parse each (`keep`: and keep them all). */
function parseOnly(path, keep = false) {
  const CHUNK = 8 * 1024 * 1024;
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let carry = '';
  let lines = 0;
  let sink = 0;
  const kept = [];
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, null);
    if (n === 0) break;
    const lastNl = buf.lastIndexOf(10, n - 1);
    if (lastNl < 0) {
      carry += buf.toString('utf8', 0, n);
      continue;
    }
    const text = carry + buf.toString('utf8', 0, lastNl);
    carry = buf.toString('utf8', lastNl + 1, n);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const line = nl < 0 ? text.slice(start) : text.slice(start, nl);
      if (line.length > 0) {
        const o = JSON.parse(line);
        sink += o.index;
        if (keep) kept.push(o);
        lines++;
      }
      if (nl < 0) break;
      start = nl + 1;
    }
  }
  if (carry.length > 0) {
    JSON.parse(carry);
    lines++;
  }
  closeSync(fd);
  return { lines, sink, kept: kept.length };
}

/** CPU time (user + system) of this process and of its reaped children, ms (children: Linux only). */
function cpuMs() {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    children = ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime + cstime, at USER_HZ = 100
  } catch {
    children = NaN;
  }
  return (own.user + own.system) / 1000 + children;
}

function timeMs(fn) {
  const c0 = cpuMs();
  const t0 = performance.now();
  const out = fn();
  return { ms: performance.now() - t0, cpu: cpuMs() - c0, out };
}

/** Best of `repeats` by wall time and, separately, by CPU time (the machine may be shared). */
function best(fn, repeats = REPEATS) {
  let min = Infinity;
  let minCpu = Infinity;
  let out;
  for (let i = 0; i < repeats; i++) {
    globalThis.gc?.();
    const r = timeMs(fn);
    if (r.ms < min) min = r.ms;
    if (r.cpu < minCpu) minCpu = r.cpu;
    out = r.out;
  }
  return { ms: min, cpu: minCpu, out };
}

/**
 * `replcheck check FILE --no-html` in a child process, with its peak RSS (bytes): by /usr/bin/time -v
 * when present, else a wrapper that reports process.resourceUsage().maxRSS as the CLI exits.
 */
function checkCli(file, dir, extra = []) {
  const out = join(dir, 'run');
  const bin = join(root, 'bin/replcheck.js');
  const args = ['check', file, '--no-html', '--quiet', '--out', out, ...extra];
  const wrapper =
    `process.on('exit', () => process.stderr.write('\\nmaxRSS kB: ' + process.resourceUsage().maxRSS + '\\n'));` +
    `process.argv.splice(1, 0, ${JSON.stringify(bin)}); await import(${JSON.stringify(pathToFileURL(bin).href)});`;
  const r = existsSync(TIME)
    ? spawnSync(TIME, ['-v', process.execPath, bin, ...args], { encoding: 'utf8' })
    : spawnSync(process.execPath, ['--input-type=module', '-e', wrapper, '--', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`replcheck check exited ${r.status}: ${r.stderr}${r.stdout}`);
  rmSync(out, { recursive: true, force: true });
  const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr) ?? /maxRSS kB: (\d+)/.exec(r.stderr);
  return { rss: kb ? Number(kb[1]) * 1024 : NaN };
}

/** As timeMs, for an async fn. */
async function timeMsAsync(fn) {
  const c0 = cpuMs();
  const t0 = performance.now();
  const out = await fn();
  return { ms: performance.now() - t0, cpu: cpuMs() - c0, out };
}

/** As best, for an async fn. */
async function bestAsync(fn, repeats = REPEATS) {
  let min = Infinity;
  let minCpu = Infinity;
  let out;
  for (let i = 0; i < repeats; i++) {
    globalThis.gc?.();
    const r = await timeMsAsync(fn);
    if (r.ms < min) min = r.ms;
    if (r.cpu < minCpu) minCpu = r.cpu;
    out = r.out;
  }
  return { ms: min, cpu: minCpu, out };
}

/**
 * Every append checker in this process: each timed alone in this thread (the best per checker over
 * the repeats), then the load and all of them as `replcheck check` runs them (runCheckers; by
 * default monotonic-writes and writes-follow-reads in a thread of their own), and with one thread.
 */
async function inProcess(file, repeats) {
  const perBest = {};
  const checkers = selectCheckers(undefined, 'append');
  const r = await bestAsync(async () => {
    const t0 = performance.now();
    const h = loadHistory(file);
    perBest.loadHistory = Math.min(perBest.loadHistory ?? Infinity, performance.now() - t0);
    let anomalies = 0;
    for (const c of checkers) {
      const t1 = performance.now();
      const res = await c.check(h, { threads: 1 });
      perBest[c.name] = Math.min(perBest[c.name] ?? Infinity, performance.now() - t1);
      anomalies += res.count;
    }
    return { anomalies };
  }, repeats);
  const all = (threads) => async () => {
    const h = loadHistory(file, undefined, { threads: 1 });
    const res = await runCheckers(h, checkers, threads === undefined ? {} : { threads });
    return Object.values(res.checkers).reduce((n, c) => n + c.count, 0);
  };
  const oneThread = await bestAsync(all(1), repeats);
  const byDefault = await bestAsync(all(undefined), repeats);
  perBest.loadOneThread = best(() => loadHistory(file, undefined, { threads: 1 }), repeats).ms;
  perBest.loadTwoThreads = best(() => loadHistory(file, undefined, { threads: 2 }), repeats).ms;
  return { ...r, per: perBest, oneThread, byDefault };
}

const f2 = (ms) => (ms / 1000).toFixed(2);
const mb = (bytes) => (bytes / 1e6).toFixed(0);

/** The detailed table of one size: baseline, context, in-process checker by checker, the CLI. */
function detailTable(size, parse, parseKeep, inproc, cli, cliTwo) {
  const row = (what, r) =>
    `| ${what} | ${f2(r.ms)} | ${(r.ms / parse.ms).toFixed(2)}x | ${r.cpu === undefined ? '' : f2(r.cpu)} | ${r.cpu === undefined ? '' : `${(r.cpu / parse.cpu).toFixed(2)}x`} |`;
  const repeats = size > 1_000_000 ? BIG_REPEATS : REPEATS;
  console.log(`| what (${size} ops, best of ${repeats}) | wall s | wall vs parse | CPU s | CPU vs parse |`);
  console.log('| --- | ---: | ---: | ---: | ---: |');
  console.log(row('baseline: read in 8 MiB chunks + JSON.parse every line', parse));
  console.log(row('context: the same parse keeping every event in memory', parseKeep));
  const { loadHistory: loadMs, loadOneThread, loadTwoThreads, ...checkers } = inproc.per;
  console.log(row(`in-process: loadHistory (read + parse + validate + pair), as by default on ${availableParallelism()} CPUs`, { ms: loadMs }));
  console.log(row('in-process: loadHistory with one thread', { ms: loadOneThread }));
  console.log(row('in-process: loadHistory with two threads', { ms: loadTwoThreads }));
  for (const [name, ms] of Object.entries(checkers)) console.log(row(`in-process: ${name}${name === 'read-your-writes' ? ' (+ the shared index)' : ''}`, { ms }));
  console.log(row('in-process: loadHistory + each append checker in turn, in this thread (the rows above)', inproc));
  console.log(row('in-process: loadHistory (one thread) + runCheckers, `--threads 1`', inproc.oneThread));
  console.log(row(`in-process: loadHistory (one thread) + runCheckers as by default on ${availableParallelism()} CPUs (monotonic-writes and writes-follow-reads in their thread)`, inproc.byDefault));
  console.log(row('`replcheck check FILE --no-html` (child process, all of it)', cli));
  console.log(row('`replcheck check FILE --no-html --threads 2` (two threads reading)', cliTwo));
  console.log(
    `\nanomalies found: ${inproc.out.anomalies}, ${inproc.byDefault.out} by default (expected 0). Aim: check <= 1.20x parse. Reached: CLI ${(cli.ms / parse.ms).toFixed(2)}x wall, ` +
      `${(cli.cpu / parse.cpu).toFixed(2)}x CPU; in-process, as by default, ${(inproc.byDefault.ms / parse.ms).toFixed(2)}x wall, ${(inproc.byDefault.cpu / parse.cpu).toFixed(2)}x CPU.\n`,
  );
}

/** One size: generate, measure, delete the file; returns the row of the linearity table. */
async function measureSize(size, dir) {
  // CHECK_BENCH_FILE=path keeps the generated history there (and reuses it), for profiling (one size).
  const keep = SIZES.length === 1 ? process.env.CHECK_BENCH_FILE : undefined;
  const file = keep ?? join(dir, `history-${size}.jsonl`);
  const repeats = size > 1_000_000 ? BIG_REPEATS : REPEATS;
  try {
    const gen = keep && existsSync(keep) ? { ms: 0, out: 'reused' } : timeMs(() => generate(file, size));
    const bytes = statSync(file).size;
    console.log(`history: ${size} ops, ${gen.out} lines, ${KEYS} keys, ${mb(bytes)} MB (generated in ${(gen.ms / 1000).toFixed(1)} s)\n`);
    const parse = best(() => parseOnly(file), repeats);
    let rss = 0;
    const cli = best(() => {
      const r = checkCli(file, dir);
      rss = Math.max(rss, r.rss);
      return r;
    }, repeats);
    if (size === DETAIL) {
      // Context, not the baseline: the same parse keeping every event in memory, the floor of any
      // checker that holds the history as objects (the old-generation GC of 2M live objects).
      const parseKeep = best(() => parseOnly(file, true), repeats);
      const cliTwo = best(() => checkCli(file, dir, ['--threads', '2']), repeats);
      detailTable(size, parse, parseKeep, await inProcess(file, repeats), cli, cliTwo);
    }
    return { size, bytes, parse, cli, rss };
  } finally {
    if (!keep) rmSync(file, { force: true });
  }
}

/** Check vs parse at every size: linear when µs per op stays flat; peak RSS beside the file size. */
function linearityTable(rows) {
  console.log('| ops | file MB | parse s | `replcheck check` s | check vs parse | check µs/op | peak RSS MB (check) | RSS / file |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const perOp = (r.cli.ms * 1000) / r.size;
    console.log(`| ${r.size} | ${mb(r.bytes)} | ${f2(r.parse.ms)} | ${f2(r.cli.ms)} | ${(r.cli.ms / r.parse.ms).toFixed(2)}x | ${perOp.toFixed(2)} | ${mb(r.rss)} | ${(r.rss / r.bytes).toFixed(2)}x |`);
  }
  console.log(`\n(peak RSS by ${existsSync(TIME) ? '/usr/bin/time -v' : 'process.resourceUsage().maxRSS in the child'}; wall times best of ${REPEATS}, of ${BIG_REPEATS} above 1M ops)`);
}

const { loadHistory } = await import(join(root, 'dist/history/load.js'));
const { selectCheckers } = await import(join(root, 'dist/checkers/registry.js'));
const { runCheckers } = await import(join(root, 'dist/checkers/run.js'));
const dir = mkdtempSync(join(tmpdir(), 'replcheck-check-bench-'));
try {
  const rows = [];
  for (const size of SIZES) rows.push(await measureSize(size, dir));
  linearityTable(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
