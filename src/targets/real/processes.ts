// Ownership of what real-time targets create (node processes, temp dirs, network namespaces and
// rules): a registry by PID plus clean-up actions, and exit / SIGINT / SIGTERM / SIGHUP hooks that
// SIGKILL whatever is still registered, then run the clean-ups (DESIGN.md 10).

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** pid -> the child, and whether it leads its own process group (signals then go to the group). */
const owned = new Map<number, { child: ChildProcess; group: boolean }>();
const dirs = new Set<string>();
/** Synchronous clean-ups (network namespaces, firewall rules), run after the processes are killed. */
const cleanups = new Set<() => void>();
let hooked = false;

/** Synchronously kills every registered process (SIGCONT first, for paused ones) and removes dirs. */
export function killAllOwned(): void {
  for (const [pid, o] of owned) {
    signalOwned(pid, o.group, 'SIGCONT');
    signalOwned(pid, o.group, 'SIGKILL');
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
  killAllOwned();
  // If nobody else handles the signal, keep its default meaning (terminate).
  if (process.listenerCount(sig) <= 1) {
    process.removeListener(sig, onSignal);
    process.kill(process.pid, sig);
  }
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
  child.once('exit', () => {
    if (owned.get(pid)?.child === child) owned.delete(pid);
  });
}

export function disown(pid: number): void {
  owned.delete(pid);
}

export function ownDir(dir: string): void {
  installHooks();
  dirs.add(dir);
}

export function disownDir(dir: string): void {
  dirs.delete(dir);
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
