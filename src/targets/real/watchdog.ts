// The watchdog: a small process of its own session that a runner starts on its first owned
// process. The runner tells it, line by line on a pipe, what it owns; when the pipe closes (the
// runner exited, even by SIGKILL) it kills what is left (paused ones too), undoes the network
// objects and removes the temp dirs. A stopped process cannot notice its parent die; this can.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { descendants, signalEach } from './proc-tree.js';

/** One line of the runner's protocol (JSON). */
export type WatchMessage =
  | { op: 'pid'; pid: number; group: boolean; start?: string }
  | { op: 'unpid'; pid: number }
  | { op: 'dir'; path: string }
  | { op: 'undir'; path: string }
  | { op: 'cmds'; key: string; argvs: string[][] };

/** Field 22 of /proc/PID/stat (the start time): tells a PID from a later one that reuses it. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

interface State {
  pids: Map<number, { group: boolean; start?: string }>;
  dirs: Set<string>;
  cmds: Map<string, string[][]>;
}

export function apply(state: State, m: WatchMessage): void {
  if (m.op === 'pid') state.pids.set(m.pid, { group: m.group, start: m.start });
  else if (m.op === 'unpid') state.pids.delete(m.pid);
  else if (m.op === 'dir') state.dirs.add(m.path);
  else if (m.op === 'undir') state.dirs.delete(m.path);
  else if (m.argvs.length === 0) state.cmds.delete(m.key);
  else state.cmds.set(m.key, m.argvs);
}

function signal(pid: number, group: boolean, sig: NodeJS.Signals): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    // gone
  }
}

/** Kills what is left (only a PID that is still the process registered), runs the undo commands, removes dirs. */
export function cleanUp(state: State): void {
  for (const [pid, p] of state.pids) {
    if (p.start !== undefined && processStart(pid) !== p.start) continue;
    // Descendants first (found through their parent while it lives): some leave the group.
    const kids = descendants(pid);
    signal(pid, p.group, 'SIGCONT');
    signal(pid, p.group, 'SIGKILL');
    signalEach(kids, 'SIGCONT');
    signalEach(kids, 'SIGKILL');
  }
  for (const argvs of state.cmds.values()) {
    for (const argv of argvs) {
      try {
        execFileSync(argv[0], argv.slice(1), { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // already gone, or best effort
      }
    }
  }
  for (const d of state.dirs) fs.rmSync(d, { recursive: true, force: true });
}

function main(): void {
  const state: State = { pids: new Map(), dirs: new Set(), cmds: new Map() };
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    try {
      apply(state, JSON.parse(line) as WatchMessage);
    } catch {
      // a torn last line when the runner died mid-write
    }
  });
  lines.on('close', () => {
    cleanUp(state);
    process.exit(0);
  });
  // A terminal's Ctrl-C or hang-up is the runner's to handle (it is in a session of its own anyway);
  // SIGTERM (someone stopping it) cleans up at once.
  for (const sig of ['SIGINT', 'SIGHUP'] as const) process.on(sig, () => {});
  process.on('SIGTERM', () => {
    cleanUp(state);
    process.exit(0);
  });
}

if (process.argv[2] === '--watch') main();
