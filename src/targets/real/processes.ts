// Ownership of what real-time targets create (node processes, temp dirs, network namespaces and
// rules): a registry by PID plus clean-up actions, and exit / SIGINT / SIGTERM / SIGHUP hooks that
// SIGKILL whatever is still registered, then run the clean-ups (DESIGN.md 10).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendants, signalEach } from './proc-tree.js';
import { processStart, type WatchMessage } from './watchdog.js';

/** pid -> the child, and whether it leads its own process group (signals then go to the group). */
const owned = new Map<number, { child: ChildProcess; group: boolean }>();
const dirs = new Set<string>();
/** Synchronous clean-ups (network namespaces, firewall rules), run after the processes are killed. */
const cleanups = new Set<() => void>();
let hooked = false;
let watchdog: ChildProcess | undefined;

/** The compiled watchdog script: next to this module in dist, else dist's copy (tests run src). */
function watchdogScript(): string {
  const here = fileURLToPath(new URL('./watchdog.js', import.meta.url));
  if (fs.existsSync(here)) return here;
  return here.replace(`${path.sep}src${path.sep}targets${path.sep}real${path.sep}`, `${path.sep}dist${path.sep}targets${path.sep}real${path.sep}`);
}

/**
 * Tells the watchdog (started on first use, in a session of its own) what this process owns, so
 * that even a SIGKILL of this process leaves nothing: it cleans up when its pipe from us closes.
 */
function tellWatchdog(m: WatchMessage): void {
  if (process.env.REPLCHECK_NO_WATCHDOG === '1') return;
  if (watchdog === undefined) {
    const script = watchdogScript();
    if (!fs.existsSync(script)) return;
    watchdog = spawn(process.execPath, [script, '--watch'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.on('error', () => (watchdog = undefined));
    watchdog.stdin?.on('error', () => {});
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
  watchdog.stdin?.write(`${JSON.stringify(m)}\n`);
}

/** The watchdog's PID (tests). */
export function watchdogPid(): number | undefined {
  return watchdog?.pid;
}

/** Synchronously kills every registered process (SIGCONT first, for paused ones) and removes dirs. */
export function killAllOwned(): void {
  for (const [pid, o] of owned) {
    const kids = descendants(pid);
    signalOwned(pid, o.group, 'SIGCONT');
    signalOwned(pid, o.group, 'SIGKILL');
    signalEach(kids, 'SIGCONT');
    signalEach(kids, 'SIGKILL');
  }
  owned.clear();
  for (const c of [...cleanups]) {
    cleanups.delete(c);
    try {
      c();
    } catch {
      // best effort
    }
  }
  for (const d of dirs) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  dirs.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  // Someone else handles the signal (a run stopping gracefully: heal, flush, tear down): leave the
  // processes to it; the exit hook and the watchdog still clean up whatever it leaves.
  if (process.listenerCount(sig) > 1) return;
  // Nobody else: clean up now and keep the signal's default meaning (terminate).
  killAllOwned();
  process.removeListener(sig, onSignal);
  process.kill(process.pid, sig);
}

function installHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllOwned);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
}

/** Sends sig to pid (or its whole process group); false when nothing was there. */
export function signalOwned(pid: number, group: boolean, sig: NodeJS.Signals): boolean {
  try {
    process.kill(group ? -pid : pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Registers a child; `group`: it was spawned detached and leads a process group of its own. */
export function own(child: ChildProcess, opts: { group?: boolean } = {}): void {
  installHooks();
  if (child.pid === undefined) return;
  const pid = child.pid;
  owned.set(pid, { child, group: opts.group === true });
  tellWatchdog({ op: 'pid', pid, group: opts.group === true, start: processStart(pid) });
  child.once('exit', () => {
    if (owned.get(pid)?.child !== child) return;
    owned.delete(pid);
    tellWatchdog({ op: 'unpid', pid });
  });
}

export function disown(pid: number): void {
  if (owned.delete(pid)) tellWatchdog({ op: 'unpid', pid });
}

export function ownDir(dir: string): void {
  installHooks();
  dirs.add(dir);
  tellWatchdog({ op: 'dir', path: dir });
}

export function disownDir(dir: string): void {
  if (dirs.delete(dir)) tellWatchdog({ op: 'undir', path: dir });
}

/**
 * The commands that undo what `key` made (network namespaces, links, rules), for the watchdog to
 * run if this process dies before it undoes them itself; an empty list forgets them.
 */
export function ownCommands(key: string, argvs: string[][]): void {
  tellWatchdog({ op: 'cmds', key, argvs });
}

/**
 * Registers a synchronous clean-up to run on any exit path (after owned processes are killed);
 * the result unregisters it (call it once the owner has cleaned up itself).
 */
export function ownCleanup(fn: () => void): () => void {
  installHooks();
  cleanups.add(fn);
  return () => void cleanups.delete(fn);
}

/** PIDs currently owned (tests). */
export function ownedPids(): number[] {
  return [...owned.keys()];
}

/** Whether a process with this PID exists (signal 0; EPERM means it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
