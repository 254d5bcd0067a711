// The process tree from /proc: a node's descendants, each with its start time so that a PID
// reused meanwhile is never signalled. A signal to a process group misses children that made
// sessions of their own (PostgreSQL's backends), so faults and clean-ups reach them this way.

import fs from 'node:fs';

/** A process found in /proc: its PID and start time (a PID reused meanwhile is never signalled). */
export interface ProcId {
  pid: number;
  start: string;
}

/** "pid (comm) state ppid ..." -> the fields after comm (which may hold spaces and parentheses). */
export function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * Every descendant of pid, from /proc. A signal to a node's process group misses children that
 * made sessions of their own: PostgreSQL's postmaster puts every backend, walsender and
 * walreceiver in one (setsid), so a group SIGSTOP would freeze only the postmaster.
 */
export function descendants(pid: number | undefined): ProcId[] {
  if (pid === undefined) return [];
  const children = new Map<number, ProcId[]>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const f = statFields(e);
    if (f === undefined) continue;
    // fields[1] is the parent's PID, fields[19] the start time (fields 4 and 22 of stat)
    const ppid = Number(f[1]);
    const list = children.get(ppid) ?? [];
    list.push({ pid: Number(e), start: f[19] });
    children.set(ppid, list);
  }
  const out: ProcId[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const c = queue.shift()!;
    out.push(c);
    queue.push(...(children.get(c.pid) ?? []));
  }
  return out;
}

export function signalEach(procs: ProcId[], sig: NodeJS.Signals): void {
  for (const p of procs) {
    if (statFields(p.pid)?.[19] !== p.start) continue;
    try {
      process.kill(p.pid, sig);
    } catch {
      // gone already
    }
  }
}

