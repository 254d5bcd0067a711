// Checking speed: a 1M-op list-append history (~2M lines) is generated into a temp dir, then
// `replcheck check` (child process and in-process) is timed against merely JSON.parse-ing every
// line of the same file, read in chunks as a reader would. The issue's aim: check <= 1.2x parse.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const OPS = Number(process.env.CHECK_BENCH_OPS ?? 1_000_000);
const KEYS = Number(process.env.CHECK_BENCH_KEYS ?? 10_000);
const PROCESSES = 32;
const USERS = 12;
const NODES = ['n1', 'n2', 'n3'];
const REPEATS = Number(process.env.CHECK_BENCH_REPEATS ?? 3);

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
function generate(path) {
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

const dir = mkdtempSync(join(tmpdir(), 'replcheck-check-bench-'));
try {
  // CHECK_BENCH_FILE=path keeps the generated history there (and reuses it), for profiling.
  const keep = process.env.CHECK_BENCH_FILE;
  const file = keep ?? join(dir, 'history.jsonl');
  const gen = keep && existsSync(keep) ? { ms: 0, out: 'reused' } : timeMs(() => generate(file));
  const sizeMb = statSync(file).size / 1e6;
  console.log(`history: ${OPS} ops, ${gen.out} lines, ${KEYS} keys, ${sizeMb.toFixed(0)} MB (generated in ${(gen.ms / 1000).toFixed(1)} s)\n`);

  const parse = best(() => parseOnly(file));
  // Context, not the baseline: the same parse keeping every event in memory, the floor of any
  // checker that holds the history as objects (the old-generation GC of 2M live objects).
  const parseKeep = best(() => parseOnly(file, true));

  const { loadHistory } = await import(join(root, 'dist/history/load.js'));
  const { selectCheckers } = await import(join(root, 'dist/checkers/registry.js'));
  const inproc = best(() => {
    const t0 = performance.now();
    const h = loadHistory(file);
    const loadMs = performance.now() - t0;
    const per = {};
    let anomalies = 0;
    for (const c of selectCheckers(undefined, 'append')) {
      const t1 = performance.now();
      const r = c.check(h, {});
      per[c.name] = performance.now() - t1;
      anomalies += r.count;
    }
    return { loadMs, per, anomalies };
  });

  const cli = best(() => {
    const out = join(dir, 'run');
    const r = spawnSync(process.execPath, [join(root, 'bin/replcheck.js'), 'check', file, '--no-html', '--quiet', '--out', out], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`replcheck check exited ${r.status}: ${r.stderr}${r.stdout}`);
    rmSync(out, { recursive: true, force: true });
    return r.status;
  });

  const f2 = (ms) => (ms / 1000).toFixed(2);
  const row = (what, r) =>
    `| ${what} | ${f2(r.ms)} | ${(r.ms / parse.ms).toFixed(2)}x | ${r.cpu === undefined ? '' : f2(r.cpu)} | ${r.cpu === undefined ? '' : `${(r.cpu / parse.cpu).toFixed(2)}x`} |`;
  console.log(`| what (best of ${REPEATS}) | wall s | wall vs parse | CPU s | CPU vs parse |`);
  console.log('| --- | ---: | ---: | ---: | ---: |');
  console.log(row('baseline: read in 8 MiB chunks + JSON.parse every line', parse));
  console.log(row('context: the same parse keeping every event in memory', parseKeep));
  console.log(row('in-process: loadHistory (read + parse + validate + pair)', { ms: inproc.out.loadMs }));
  for (const [name, ms] of Object.entries(inproc.out.per)) console.log(row(`in-process: ${name}${name === 'read-your-writes' ? ' (+ the shared index)' : ''}`, { ms }));
  console.log(row('in-process: loadHistory + all append checkers', inproc));
  console.log(row('`replcheck check FILE --no-html` (child process, all of it)', cli));
  console.log(
    `\nanomalies found: ${inproc.out.anomalies} (expected 0). Aim: check <= 1.20x parse. Reached: CLI ${(cli.ms / parse.ms).toFixed(2)}x wall, ` +
      `${(cli.cpu / parse.cpu).toFixed(2)}x CPU; in-process ${(inproc.ms / parse.ms).toFixed(2)}x wall, ${(inproc.cpu / parse.cpu).toFixed(2)}x CPU.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
