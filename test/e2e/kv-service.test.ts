// The worked example of docs/external-targets.md through the real bin: examples/kv-service (a user's
// HTTP KV service with asynchronous replication) shows exactly the anomalies its design implies,
// a schedule needing partitions exits 2 before anything starts, and no server or temp dir is left.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonlHistory } from '../../src/history/jsonl.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'replcheck.js');
const EXAMPLE = join(ROOT, 'examples', 'kv-service');
const dir = mkdtempSync(join(tmpdir(), 'replcheck-e2e-kv-'));
const POLL_MS = 100;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** PIDs of server.mjs processes whose environment carries this TMPDIR (so: started by that run). */
function serverPids(tmp: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv.some((a) => a.endsWith('server.mjs'))) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`TMPDIR=${tmp}`)) out.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

interface Run {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  out: string;
  /** Every server PID seen while the run went on. */
  pids: Set<number>;
}

/**
 * One `replcheck run` of the example from a directory other than the repository, with its own
 * TMPDIR (its replcheck-ext-* dir goes there, and its servers inherit it); server PIDs are polled.
 */
async function run(name: string, args: string[]): Promise<Run> {
  const tmp = join(dir, `${name}-tmp`);
  mkdirSync(tmp);
  const out = join(dir, name);
  const child = execa('node', [BIN, 'run', '--target', join(EXAMPLE, 'target.yaml'), '--out', out, '--no-html', ...args], {
    cwd: dir,
    reject: false,
    env: { NO_COLOR: '1', TMPDIR: tmp },
  });
  const pids = new Set<number>();
  const poll = setInterval(() => serverPids(tmp).forEach((p) => pids.add(p)), POLL_MS);
  const r = await child;
  clearInterval(poll);
  // Nothing of the run is left: no server process, no temp dir.
  expect(serverPids(tmp)).toEqual([]);
  for (const pid of pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
  expect(readdirSync(tmp)).toEqual([]);
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), out, pids };
}

function verdicts(out: string): Record<string, boolean | string> {
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  return Object.fromEntries(Object.entries(r.checkers as Record<string, { valid: boolean | string }>).map(([k, v]) => [k, v.valid]));
}

function nemesisEvents(out: string): string[] {
  return readJsonlHistory(join(out, 'history.jsonl')).nemesis.map((e) => `${e.f} ${(e.value as { node?: string }).node}`);
}

/** Stale reads only: replicas lag, but every replica ends up with the primary's lists. */
const STALE = { 'read-your-writes': false, 'read-your-writes-user': false, 'monotonic-reads': false, 'monotonic-writes': true, 'writes-follow-reads': true, 'lost-writes': true, 'consistent-prefix': true, convergence: true };

describe('examples/kv-service', () => {
  it('reads from any replica are stale: read-your-writes and monotonic reads fail, nothing is lost or forked', async () => {
    const r = await run('none', ['--time-limit', '5']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(1);
    expect(verdicts(r.out)).toEqual(STALE);
    expect(r.pids.size).toBe(3);
  });

  it('reads from the primary hold every guarantee', async () => {
    const r = await run('primary', ['--time-limit', '4', '--set', 'target.reads=primary']);
    expect(r.exitCode).toBe(0);
    expect(Object.values(verdicts(r.out))).toEqual([true, true, true, true, true, true, true, true]);
  });

  it('a crashed replica comes back empty and never catches up: forks and divergence, but no lost write', async () => {
    const r = await run('kill-replica', ['--nemesis', join(EXAMPLE, 'kill-replica.yaml'), '--time-limit', '7']);
    expect(r.exitCode).toBe(1);
    // (a replica that lost the earlier writes holds a session's later ones without them: its writes are out of order)
    expect(verdicts(r.out)).toEqual({ ...STALE, 'consistent-prefix': false, convergence: false, 'monotonic-writes': false, 'writes-follow-reads': false });
    expect(nemesisEvents(r.out)).toEqual(['kill n2', 'restart n2', 'kill n3', 'restart n3']);
    // 3 servers and the 2 restarted replicas, each a new process.
    expect(r.pids.size).toBe(5);
  });

  it('a crashed primary loses the writes it acknowledged but had not shipped yet', async () => {
    // Keys are never retired (maxAppendsPerKey=0): with the default 200, the appends that fail while
    // n1 is down use up the live keys' budgets, so the keys written after the restart were new and no
    // session had read their lists before; then whether a read shows the loss was left to chance.
    const r = await run('kill-leader', ['--nemesis', 'kill-leader', '--time-limit', '7', '--set', 'workload.maxAppendsPerKey=0']);
    expect(r.exitCode).toBe(1);
    // n1 restarts empty: it loses what it had not shipped, and it then holds lists the replicas hold
    // with the earlier elements in front (a fork), so every session guarantee that spans the crash breaks.
    expect(verdicts(r.out)).toEqual({ ...STALE, 'lost-writes': false, 'consistent-prefix': false, convergence: false, 'monotonic-writes': false, 'writes-follow-reads': false });
    expect(nemesisEvents(r.out)).toEqual(['kill-leader n1', 'restart n1', 'kill-leader n1', 'restart n1']);
    expect(r.pids.size).toBe(5);
  });

  it('a schedule with partitions exits 2 before starting anything, naming the missing capability', async () => {
    const r = await run('partition', ['--nemesis', 'partition-leader', '--time-limit', '5']);
    expect(r.exitCode).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^replcheck: nemesis partition-leader: schedule\[0\]\.fault: partition needs .*\(capability partition\); target kv-service cannot \(its faults: kill, pause, leader\)/);
    expect(lines[0]).toContain('network: loopback');
    expect(r.pids.size).toBe(0);
    expect(existsSync(join(r.out, 'history.jsonl'))).toBe(false);
  });
});
