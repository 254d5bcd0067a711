// What the end-to-end tests of real-database targets share: a run directory and TMPDIR per run (so
// the temp dir and the processes a run makes can be told apart), the bin, the processes a run left,
// and the check that nothing the run made is left (processes, namespaces and their bridge, temp dir).

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect } from 'vitest';

const BIN = join(fileURLToPath(new URL('../../', import.meta.url)), 'bin', 'replcheck.js');

/** The default checkers of the append workload (what results.json lists for a run). */
export const APPEND_CHECKERS = ['read-your-writes', 'read-your-writes-user', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads', 'lost-writes', 'consistent-prefix', 'convergence'];

/** `out` for --out and `tmp` for TMPDIR under `dir`; `shared` makes tmp readable by other OS users (servers that run as postgres). */
export function runDirs(dir: string, name: string, shared = false): { out: string; tmp: string } {
  const tmp = join(dir, `${name}-tmp`);
  mkdirSync(tmp, { recursive: true });
  if (shared) chmodSync(tmp, 0o755);
  return { out: join(dir, name), tmp };
}

/** The bin, run in `cwd` with TMPDIR `tmp`; never rejects (the test reads exitCode). */
export function replcheck(cwd: string, args: string[], tmp: string) {
  return execa('node', [BIN, ...args], { cwd, reject: false, env: { NO_COLOR: '1', TMPDIR: tmp } });
}

/**
 * Processes of a run: those whose command line names its temp dir (etcd members, postmasters), and
 * those working in it (redis-server and redis-sentinel rewrite their command line but chdir to their
 * data dir; PostgreSQL's backends rename themselves and sit in sessions of their own). Not the bin.
 * Each as `PID COMM: COMMAND LINE (cwd DIR)`.
 */
export function processesUnder(tmp: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)) {
    let cmd = '';
    let cwd = '';
    let comm = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      cwd = readlinkSync(`/proc/${pid}/cwd`);
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (cwd === tmp || cwd.startsWith(`${tmp}/`) || (cmd.includes(tmp) && !cmd.includes('replcheck.js'))) out.push(`${pid} ${comm}: ${cmd} (cwd ${cwd})`);
  }
  return out;
}

/** The network namespaces a run's stdout names (`netns rcNNnK`). */
export function namespacesNamed(stdout: string): string[] {
  return [...stdout.matchAll(/netns (rc\d+n\d+)/g)].map((m) => m[1]);
}

/**
 * Nothing the run made is left: its `nodes` namespaces (named in its stdout) and their bridge, its
 * processes (children that outlive their parent by moments get `graceMs`), its temp dir's contents.
 */
export async function assertNothingLeft(stdout: string, tmp: string, { nodes = 3, graceMs = 0 } = {}): Promise<void> {
  const names = namespacesNamed(stdout);
  expect(names.length).toBe(nodes);
  const until = Date.now() + graceMs;
  while (Date.now() < until && processesUnder(tmp).length > 0) await new Promise((r) => setTimeout(r, 100));
  expect(processesUnder(tmp)).toEqual([]);
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  for (const ns of names) expect(netns).not.toMatch(new RegExp(`^${ns}\\b`, 'm'));
  const bridge = `rcb${/^rc(\d+)n/.exec(names[0])![1]}`;
  expect(links).not.toMatch(new RegExp(`: ${bridge}[:@]`));
  expect(readdirSync(tmp)).toEqual([]);
}
