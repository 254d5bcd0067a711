// Linearizability checking: the Jepsen etcd corpus (102 files) in-process (cold and warm) and
// through the CLI in a child process, beside a parse-only baseline; then generated hard histories.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { checkLinearizable, DEFAULT_MEMO_LIMIT } from '../dist/checkers/linearizable.js';
import { keyProblems } from '../dist/checkers/linear/model.js';
import { fencedObserver } from '../dist/checkers/linear/refute.js';
import { KeySearch } from '../dist/checkers/linear/search.js';
import { unwrittenObserver } from '../dist/checkers/linear/witness.js';
import { hardEvents, mulberry32 as rng } from '../dist/checkers/linear/generate.js';
import { historyFromEvents } from '../dist/history/builder.js';
import { readJsonlHistory } from '../dist/history/jsonl.js';
import { readJepsenLog } from '../dist/history/import/jepsen-log.js';

const here = dirname(fileURLToPath(import.meta.url));
const CORPUS = process.env.JEPSEN_ETCD_CORPUS ?? join(here, '../../shared/corpora/jepsen-etcd');
/** Expected verdicts published with the data set (the linearizable ones; the rest are not). */
const LINEARIZABLE = new Set([2, 5, 7, 18, 25, 31, 38, 45, 48, 49, 51, 53, 56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102]);
/**
 * NOT measured by this bench: the fastest Go checker's time for the whole corpus, a constant quoted
 * from issue 5 (its yardstick, "about 0.46 s for the whole set on this kind of machine"); no Go
 * checker runs here. Printed only as a reference beside the figures this run measures.
 */
const GO_YARDSTICK_S = 0.46;
const GO_YARDSTICK_SOURCE = 'not measured in this run: quoted from issue 5, the fastest Go checker on this kind of machine';

const cpuMs = (c0) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};

/** A fixed CPU yardstick (ms for 1e8 trivial loop iterations), to read the figures on a busy machine. */
function calibrate() {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < 1e8; i++) x += i & 7;
  if (x < 0) console.log(x);
  return performance.now() - t0;
}

function corpusPass(files) {
  const rows = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let parseMs = 0;
  let wrong = 0;
  for (const f of files) {
    const a = performance.now();
    const h = readJepsenLog(join(CORPUS, f));
    const b = performance.now();
    const r = checkLinearizable(h);
    const ms = performance.now() - b;
    parseMs += b - a;
    if (r.valid !== LINEARIZABLE.has(Number(f.slice(5, 8)))) wrong++;
    rows.push({ f, ms, valid: r.valid, steps: r.steps, memo: r.keys.r?.memo ?? 0 });
  }
  return { wallMs: performance.now() - t0, cpuMs: cpuMs(c0), parseMs, rows, wrong };
}

function parseOnly(files) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const f of files) readJepsenLog(join(CORPUS, f));
  return { wallMs: performance.now() - t0, cpuMs: cpuMs(c0) };
}

function cli(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(here, '../bin/replcheck.js'), ...args], { encoding: 'utf8' });
  return { wallMs: performance.now() - t0, status: r.status, stdout: r.stdout };
}

/**
 * An atomic register under `processes` concurrent clients: each op is invoked, applied at a random
 * later moment, then completed; `infoRate` of them end indeterminate (applied or not), the client
 * continuing as a new process. Values are unique per key; reads are half the ops.
 */
function registerHistory({ seed, ops, processes, keys, infoRate, valueSpace = 0 }) {
  const rand = rng(seed);
  const state = new Map();
  const idle = Array.from({ length: processes }, (_, i) => i);
  let nextProcess = processes;
  let nextValue = 1;
  const pending = [];
  const events = [];
  let invoked = 0;
  const emit = (e) => events.push({ index: events.length, time: events.length * 1000, ...e });
  while (invoked < ops || pending.length > 0) {
    if (invoked < ops && idle.length > 0 && (rand() < 0.5 || pending.length === 0)) {
      const process = idle.splice(Math.floor(rand() * idle.length), 1)[0];
      const key = `k${Math.floor(rand() * keys)}`;
      const r = rand();
      const f = invoked === 0 ? 'write' : r < 0.5 ? 'read' : r < 0.85 ? 'write' : 'cas';
      const fresh = () => (valueSpace > 0 ? 1 + Math.floor(rand() * valueSpace) : nextValue++);
      const value = f === 'read' ? null : f === 'write' ? fresh() : [state.get(key) ?? null, fresh()];
      pending.push({ process, key, f, value, applied: false, result: null });
      emit({ process, type: 'invoke', f, key, value });
      invoked++;
      continue;
    }
    const i = Math.floor(rand() * pending.length);
    const p = pending[i];
    if (!p.applied && rand() < 0.5) {
      p.applied = true;
      const cur = state.get(p.key) ?? null;
      if (p.f === 'read') p.result = cur;
      else if (p.f === 'write') state.set(p.key, p.value);
      else if (p.value[0] === cur) state.set(p.key, p.value[1]);
      else p.failed = true;
      continue;
    }
    const info = rand() < infoRate;
    if (!info && !p.applied) continue;
    pending.splice(i, 1);
    const type = info ? 'info' : p.failed ? 'fail' : 'ok';
    emit({ process: p.process, type, f: p.f, key: p.key, value: p.f === 'read' ? (type === 'ok' ? p.result : null) : p.value });
    idle.push(info ? nextProcess++ : p.process);
  }
  return historyFromEvents(events);
}

const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => /^etcd_\d{3}\.log$/.test(f)).sort() : [];
if (files.length === 0) {
  console.log(`(no corpus at ${CORPUS}: set JEPSEN_ETCD_CORPUS)`);
  process.exit(0);
}

// In-process, in a fresh process: the first pass is cold (the JIT has not seen the code yet).
const baseline = parseOnly(files);
const cold = corpusPass(files);
const warm = corpusPass(files);
const warm2 = corpusPass(files);
const parseWarm = parseOnly(files);
const yardstickMs = calibrate();

// The CLI, as a user runs it: one call for the whole corpus, no HTML.
const out = mkdtempSync(join(tmpdir(), 'replcheck-bench-lin-'));
const startup = cli(['list']);
const cliRun = cli(['check', ...files.map((f) => join(CORPUS, f)), '--checkers', 'linearizable', '--out', out, '--no-html', '--quiet']);
rmSync(out, { recursive: true, force: true });
const invalidLines = cliRun.stdout.split('\n').filter((l) => l.startsWith('INVALID')).length;

console.log(`Jepsen etcd corpus: ${files.length} files, ${warm.rows.length} checked; wrong verdicts: cold ${cold.wrong}, warm ${warm.wrong}`);
console.log(`CPU yardstick: ${yardstickMs.toFixed(0)} ms per 1e8 loop iterations (about 50 on an idle core)\n`);
console.log('| measurement | wall ms | CPU ms (all threads) |');
console.log('| --- | ---: | ---: |');
console.log(`| baseline: read + parse the corpus, cold | ${baseline.wallMs.toFixed(0)} | ${baseline.cpuMs.toFixed(0)} |`);
console.log(`| baseline: read + parse the corpus, warm | ${parseWarm.wallMs.toFixed(0)} | ${parseWarm.cpuMs.toFixed(0)} |`);
console.log(`| parse + check, in-process, cold (first pass) | ${cold.wallMs.toFixed(0)} | ${cold.cpuMs.toFixed(0)} |`);
console.log(`| parse + check, in-process, warm (2nd pass) | ${warm.wallMs.toFixed(0)} | ${warm.cpuMs.toFixed(0)} |`);
console.log(`| parse + check, in-process, warm (3rd pass) | ${warm2.wallMs.toFixed(0)} | ${warm2.cpuMs.toFixed(0)} |`);
console.log(`| check only (sum over files), warm | ${(warm2.wallMs - warm2.parseMs).toFixed(0)} | |`);
console.log(`| CLI startup: \`replcheck list\` | ${startup.wallMs.toFixed(0)} | |`);
console.log(`| CLI: \`replcheck check <102 files> --checkers linearizable --no-html\` (exit ${cliRun.status}, ${invalidLines} INVALID) | ${cliRun.wallMs.toFixed(0)} | |`);
console.log(`| yardstick: fastest Go checker, whole set (${GO_YARDSTICK_SOURCE}) | ${(GO_YARDSTICK_S * 1000).toFixed(0)} (quoted) | |`);

console.log('\nSlowest files (check only; cold = first pass of the process, warm = third pass):\n');
console.log('| file | verdict | cold ms | warm ms | steps | memo entries |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
const coldBy = new Map(cold.rows.map((r) => [r.f, r]));
for (const r of warm2.rows.slice().sort((a, b) => b.ms - a.ms).slice(0, 6)) {
  console.log(`| ${r.f} | ${r.valid} | ${coldBy.get(r.f).ms.toFixed(1)} | ${r.ms.toFixed(1)} | ${r.steps} | ${r.memo} |`);
}

console.log('\nGenerated histories (atomic register, so linearizable; per-key search statistics of the largest keys):\n');
console.log('| history | ops | verdict | wall ms | steps | keys | largest key: ops / steps / memo / ms | dropped |');
console.log('| --- | ---: | --- | ---: | ---: | ---: | --- | --- |');
const cases = [
  ['100 keys, 20 clients, 5% info', { seed: 1, ops: 100_000, processes: 20, keys: 100, infoRate: 0.05 }],
  ['1 key, 10 clients, 30% info', { seed: 3, ops: 5_000, processes: 10, keys: 1, infoRate: 0.3 }],
  ['1 key, 50 clients, 10% info', { seed: 2, ops: 20_000, processes: 50, keys: 1, infoRate: 0.1 }],
  ['1 key, 100 clients, 10% info', { seed: 2, ops: 20_000, processes: 100, keys: 1, infoRate: 0.1 }],
  ['1 key, 10 clients, 10% info, values 1..5 (repeat)', { seed: 2, ops: 5_000, processes: 10, keys: 1, infoRate: 0.1, valueSpace: 5 }],
  ['1 key, 30 clients, 10% info, values 1..5, 5 s budget', { seed: 2, ops: 5_000, processes: 30, keys: 1, infoRate: 0.1, valueSpace: 5, timeLimitMs: 5_000 }],
];
for (const [name, opts] of cases) {
  const h = registerHistory(opts);
  const t0 = performance.now();
  const r = checkLinearizable(h, { timeLimitMs: opts.timeLimitMs ?? 60_000 });
  const ms = performance.now() - t0;
  const [k, s] = Object.entries(r.keys).sort((a, b) => b[1].steps - a[1].steps)[0];
  const d = r.dropped;
  console.log(
    `| ${name} | ${h.ops.length} | ${r.valid}${r.reason ? ` (${r.reason})` : ''} | ${ms.toFixed(0)} | ${r.steps} | ${r.keyCount} | ${k}: ${s.ops} / ${s.steps} / ${s.memo} / ${s.ms.toFixed(1)} | fail ${d.fail}, info reads ${d.infoReads}, unobserved ${d.unobserved} |`,
  );
}
console.log(`\nyardstick, not measured in this run: the fastest Go checker takes about ${GO_YARDSTICK_S} s for the whole corpus (quoted from issue 5, measured elsewhere on this kind of machine)`);

// Hard histories (src/checkers/linear/generate.ts): one key, 30 clients, 5 values, 10% info; the
// bad ones with a planted stale read. Each as a JSONL file: a plain parse of it beside the time
// to the verdict (load + check, 5 s budget, explanation included).
function hardRows() {
  const dir = mkdtempSync(join(tmpdir(), 'replcheck-bench-hard-'));
  const rows = [];
  for (const ops of [200, 1000, 5000]) {
    for (const seed of [2, 3]) {
      for (const bad of [false, true]) {
        const f = join(dir, `hard-${ops}-${seed}-${bad ? 'bad' : 'ok'}.jsonl`);
        writeFileSync(f, hardEvents({ seed, ops, bad }).map((e) => JSON.stringify(e)).join('\n') + '\n');
        const a = performance.now();
        for (const line of readFileSync(f, 'utf8').split('\n')) if (line) JSON.parse(line);
        const b = performance.now();
        const r = checkLinearizable(readJsonlHistory(f), { timeLimitMs: 5_000 });
        const c = performance.now();
        const k = r.keys.x ?? { steps: 0, memo: 0 };
        rows.push(`| ${ops} ops, seed ${seed}, ${bad ? 'planted stale read' : 'linearizable'} | ${bad ? 'false' : 'true'} | ${r.valid}${r.reason ? ` (${r.reason})` : ''} | ${(b - a).toFixed(1)} | ${(c - b).toFixed(0)} | ${k.steps} | ${k.memo} |`);
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return rows;
}
console.log('\nHard histories: one key, 30 clients, values 1..5, 10% info (generate.ts), 5 s budget:\n');
console.log('| history | expected | verdict | plain parse ms | load + check ms | steps | memo entries |');
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: |');
for (const row of hardRows()) console.log(row);

// Issue 13: hard histories of seeds 1..HARD_SEEDS at 5000 ops, linearizable and with planted
// violations no single fence proves (generate.ts: cross, oscillate). Before = the search as it was
// (refute.ts, then the search without memo dominance and without windows); after = the checker.
const HARD_SEEDS = Number(process.env.HARD_SEEDS ?? 8);
const HARD_MS = 5_000;

function beforeVerdict(h) {
  const p = keyProblems(h).problems[0];
  if ((unwrittenObserver(p) ?? fencedObserver(p)) !== undefined) return false;
  const s = new KeySearch(p, DEFAULT_MEMO_LIMIT, true, false);
  const until = performance.now() + HARD_MS;
  let status = s.run(10_000);
  while (status === 'running' && performance.now() < until) status = s.run(10_000);
  s.end('stopped');
  return status === 'linearizable' ? true : status === 'violation' ? false : 'unknown';
}

function seedRows() {
  const rows = [];
  for (const [kind, bad] of [['linearizable', false], ['cross', true], ['oscillate', true]]) {
    const tally = { before: [0, 0], after: [0, 0] };
    const undecided = { before: [], after: [] };
    for (let seed = 1; seed <= HARD_SEEDS; seed++) {
      const h = historyFromEvents(hardEvents({ seed, ops: 5000, bad, plant: bad ? kind : undefined }));
      const a = performance.now();
      const before = beforeVerdict(h);
      const b = performance.now();
      const after = checkLinearizable(h, { timeLimitMs: HARD_MS }).valid;
      const c = performance.now();
      for (const [k, v, ms] of [['before', before, b - a], ['after', after, c - b]]) {
        if (v === !bad) {
          tally[k][0]++;
          tally[k][1] += ms;
        } else undecided[k].push(seed);
      }
    }
    const cell = (k) => `${tally[k][0]}/${HARD_SEEDS} | ${(tally[k][1] / Math.max(1, tally[k][0])).toFixed(0)} | ${undecided[k].join(' ') || '-'}`;
    rows.push(`| ${kind} | ${cell('before')} | ${cell('after')} |`);
  }
  return rows;
}
console.log(`\nHard histories, seeds 1..${HARD_SEEDS} at 5000 ops (one key, 30 clients, values 1..5, 10% info), ${HARD_MS / 1000} s budget: before (no memo dominance, no windows) and after, same run:\n`);
console.log('| history | before: decided | mean ms (decided) | seeds not decided | after: decided | mean ms (decided) | seeds not decided |');
console.log('| --- | ---: | ---: | --- | ---: | ---: | --- |');
for (const row of seedRows()) console.log(row);

// Issue 13: worker threads across keys (linear/key-pool.ts). Several hard keys one after another
// (generate.ts, each its own key and processes), checked in one thread and with the default
// threads (this one and workers, after the first second), the same history, alternating rounds.
function multiKey(seeds) {
  const events = [];
  let t0 = 0;
  seeds.forEach((seed, k) => {
    const own = hardEvents({ seed, ops: 5000 });
    own.forEach((e, i) => events.push({ ...e, index: events.length, time: t0 + i * 1000, key: `x${k}`, process: typeof e.process === 'number' ? e.process + k * 100_000 : e.process }));
    t0 += own.length * 1000 + 1;
  });
  return historyFromEvents(events);
}

function threadRows() {
  const rows = [];
  const shapes = [
    ['6 keys, seeds 2 3 2 3 2 3 (about 0.1 s each)', [2, 3, 2, 3, 2, 3]],
    ['2 keys, seed 1 twice (about 1.5 s each)', [1, 1]],
    ['4 keys, seed 1 four times', [1, 1, 1, 1]],
  ];
  for (const [name, seeds] of shapes) {
    const h = multiKey(seeds);
    const best = { one: Infinity, many: Infinity };
    let used = 1;
    for (let round = 0; round < 2; round++) {
      for (const k of ['one', 'many']) {
        const a = performance.now();
        const r = checkLinearizable(h, k === 'one' ? { threads: 1 } : {});
        best[k] = Math.min(best[k], performance.now() - a);
        if (k === 'many') used = r.threads ?? 1;
        if (r.valid !== true) throw new Error(`${name}: ${r.valid}`);
      }
    }
    rows.push(`| ${name} | ${best.one.toFixed(0)} | ${best.many.toFixed(0)} | ${used} | ${(best.one / best.many).toFixed(2)}x |`);
  }
  return rows;
}
console.log(`\nSeveral hard keys (5000 ops each, linearizable): one thread vs the default threads (up to 4, CPUs here: ${availableParallelism()}; workers after the first second), best of 2 alternating rounds:\n`);
console.log('| history | one thread ms | threads ms | threads used | speed-up |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const row of threadRows()) console.log(row);
