// Bad configurations through the real bin (build first: npx tsc -p tsconfig.json): each ends in
// exit 2 with one line on stderr naming the file, line and field (or the flag), before anything
// runs, or stays bounded. Each test is bounded by the harness's per-test timeout.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'replcheck.js');
const dir = mkdtempSync(join(tmpdir(), 'replcheck-e2e-bad-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function replcheck(args: string[], cwd = dir) {
  return execa('node', [BIN, ...args], { cwd, reject: false, env: { NO_COLOR: '1' }, timeout: 50_000 });
}

/** A file in the test directory, named relative to it (the cwd of every run). */
function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

/** Runs `replcheck run ARGS` and expects exit 2 with exactly `line` on stderr and no run header. */
async function rejects(args: string[], line: string): Promise<void> {
  const r = await replcheck(['run', ...args, ...(args.includes('--out') ? [] : ['--out', `out-${n++}`])]);
  expect(r.stderr.split('\n').filter(Boolean)).toEqual([line]);
  expect(r.exitCode).toBe(2);
  expect(r.stdout).not.toMatch(/replcheck run: seed/);
}

const schedule = (name: string, entry: string) => file(name, `name: ${name.replace(/\.yaml$/, '')}\ndescription: bad\nschedule:\n  - ${entry}\n`);

describe('runs that would never end or would eat the machine', () => {
  it.each([
    ['every-1ns.yaml', '{ every: 1ns, fault: heal }', 'schedule[0].every: expected a period from 1ms to 1000000s, got "1ns"'],
    ['every-tiny.yaml', '{ every: 0.0001ns, fault: heal }', 'schedule[0].every: expected a period from 1ms to 1000000s, got "0.0001ns"'],
    ['every-1e-300.yaml', '{ every: 1e-300, fault: heal }', 'schedule[0].every: expected a period from 1ms to 1000000s, got 1e-300 ms'],
    [
      'strobe-tiny.yaml',
      '{ at: 1s, fault: clock-skew, node: random, offsetMs: 100, strobe: { period: 0.0001ns } }',
      'schedule[0].strobe.period: expected a period from 1ms to 1000000s, got "0.0001ns"',
    ],
    ['duration-negative.yaml', '{ every: 1s, fault: pause, duration: -1 }', 'schedule[0].duration: expected a duration from 0 to 1000000s, got -1 ms'],
    ['restart-nan.yaml', '{ every: 1s, fault: kill, restartAfter: .nan }', 'schedule[0].restartAfter: expected a duration like 5s, 200ms, 1m or a number of ms, got NaN'],
  ])('a nemesis entry in %s is exit 2 at validation', async (name, entry, message) => {
    await rejects(['--nemesis', schedule(name, entry)], `replcheck: ${name}:4: ${message}`);
  });

  it('zero latency, lag and think time: virtual time still advances and the run ends', async () => {
    // Exactly the flags of the report (no --out: the run directory goes to reports/ under the cwd).
    const cwd = mkdtempSync(join(dir, 'zero-'));
    const r = await replcheck(['run', '--set', 'target.latencyMs=0', '--set', 'target.lagMs=0', '--set', 'workload.thinkMs=0', '--time-limit', '1'], cwd);
    expect([0, 1, 3]).toContain(r.exitCode);
    // reports/ holds the run directory and index.html, the list of runs.
    const runs = readdirSync(join(cwd, 'reports')).filter((n) => n !== 'index.html');
    expect(runs).toHaveLength(1);
    expect(readFileSync(join(cwd, 'reports', 'index.html'), 'utf8')).toContain(`data-run="${runs[0]}"`);
    const results = JSON.parse(readFileSync(join(cwd, 'reports', runs[0], 'results.json'), 'utf8'));
    // 6 clients, at least 100 µs of virtual time between two ops of one: at most 60,000 ops in
    // the second, plus the final reads; and the clock got past the time limit.
    expect(results.stats.ops).toBeGreaterThan(1000);
    expect(results.stats.ops).toBeLessThanOrEqual(60_000 + 3000);
    expect(results.stats.durationNs).toBeGreaterThanOrEqual(1e9);
  });

  it('a failover timeout of 0 is exit 2', async () => {
    await rejects(['--set', 'target.failover.timeoutMs=0', '--ops', '300'], 'replcheck: --set target.failover.timeoutMs: expected a duration from 10ms to 1h, got 0 ms');
  });

  it.each([
    [['--ops', '1000000000000'], 'replcheck: --ops: expected an integer from 0 to 100000000, got "1000000000000"'],
    [['--time-limit', '1e12'], 'replcheck: --time-limit: expected a number of seconds from 0.001 to 1000000, got "1e12"'],
    [['--concurrency', '10001'], 'replcheck: --concurrency: expected an integer from 1 to 10000, got "10001"'],
    [['--set', 'workload.thinkMs=1000h'], 'replcheck: --set workload.thinkMs: expected a duration from 0 to 1h, got "1000h"'],
    [['--set', 'target.settleMs=100000h'], 'replcheck: --set target.settleMs: expected a duration from 0 to 1h, got "100000h"'],
    [['--set', 'target.clientTimeoutMs=0'], 'replcheck: --set target.clientTimeoutMs: expected a duration from 1ms to 1h, got 0 ms'],
    [['--set', 'target.nodes=65'], 'replcheck: --set target.nodes: expected <= 64, got 65'],
  ])('out of range: %j', async (args, line) => {
    await rejects(args, line);
  });

  it('a workload with keys: 1e12 names its file and line', async () => {
    const w = file('huge-keys.yaml', 'kind: append\nkeys: 1e12\n');
    await rejects(['--workload', w], 'replcheck: huge-keys.yaml:2: keys: expected <= 1000000, got 1000000000000');
  });
});

describe('config input that used to give "internal error" or bad blame', () => {
  it('a YAML alias bomb in --config is one line', async () => {
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      rows.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = file('bomb.yaml', `${rows.join('\n')}\ntarget: *i\n`);
    await rejects(['--config', bomb], 'replcheck: bomb.yaml:2: invalid YAML: aliases expand to too many nodes (more than 100 alias expansions; an alias bomb?)');
  });

  it.skipIf(!existsSync('/proc/self'))('--out /proc/x is exit 2, not a hang', async () => {
    await rejects(['--out', '/proc/x'], 'replcheck: --out: cannot create directory /proc/x: ENOENT');
  });

  it.skipIf(!existsSync('/proc/self'))('--junit /proc/x/j.xml is exit 2 before the run, not a hang', async () => {
    await rejects(['--junit', '/proc/x/j.xml'], 'replcheck: --junit: cannot create directory /proc/x: ENOENT');
  });

  it('--set target.__proto__.polluted=1 is rejected', async () => {
    await rejects(
      ['--set', 'target.__proto__.polluted=1'],
      'replcheck: --set target.__proto__.polluted: "__proto__" cannot be a config key (__proto__, constructor, prototype are reserved)',
    );
    await rejects(
      ['--set', 'target.options={__proto__: {polluted: 1}}'],
      'replcheck: --set target.options: "__proto__" cannot be a config key (__proto__, constructor, prototype are reserved)',
    );
    const f = file('proto.yaml', 'target:\n  constructor: { prototype: { polluted: 1 } }\n');
    await rejects(['--config', f], 'replcheck: proto.yaml:2: target.constructor: "constructor" cannot be a config key (__proto__, constructor, prototype are reserved)');
  });

  it('--time-limit 1e-9 is blamed on --time-limit', async () => {
    await rejects(['--time-limit', '1e-9'], 'replcheck: --time-limit: expected a number of seconds from 0.001 to 1000000, got "1e-9"');
  });

  it('unknown flags are one line of replcheck', async () => {
    await rejects(['--bogus'], "replcheck: unknown option '--bogus' (run replcheck run --help)");
    await rejects(['--seeed', '3'], "replcheck: unknown option '--seeed' (did you mean --seed?; run replcheck run --help)");
    const top = await replcheck(['--bogus']);
    expect(top.exitCode).toBe(2);
    expect(top.stderr).toBe("replcheck: unknown option '--bogus' (run replcheck --help)");
  });

  it('a checker that does not apply to the workload is exit 2 before the run', async () => {
    await rejects(
      ['--checkers', 'linearizable'],
      'replcheck: --checkers: checker "linearizable" does not apply to the append workload (only to register); for append: read-your-writes, read-your-writes-user, monotonic-reads, monotonic-writes, writes-follow-reads, lost-writes, consistent-prefix, convergence, bounded-staleness',
    );
  });

  it('a misspelt checker is exit 2 without the run header', async () => {
    await rejects(
      ['--checkers', 'lost-write'],
      'replcheck: --checkers: unknown checker "lost-write" (did you mean lost-writes?); known: read-your-writes, read-your-writes-user, monotonic-reads, monotonic-writes, writes-follow-reads, lost-writes, consistent-prefix, convergence, bounded-staleness, linearizable',
    );
  });
});
