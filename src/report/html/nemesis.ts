// Nemesis events as intervals for the timelines: each fault's start paired with its end
// (kill→restart, pause→resume, partition→heal, clock-skew→reset-clock); the rest are points.

import type { NemesisEvent } from '../../history/types.js';

export interface NemesisInterval {
  /** The fault's f (kill, pause, partition, clock-skew, ...). */
  f: string;
  kind: 'kill' | 'pause' | 'partition' | 'skew' | 'other';
  startNs: number;
  /** +Infinity never happens: an unhealed fault ends at the history's end. */
  endNs: number;
  /** A point event (an unknown f, or a fault that was skipped). */
  point: boolean;
  label: string;
  /** History index of the event that began it, and of the one that ended it (absent: never ended, or a point). */
  index: number;
  endIndex?: number;
}

const KIND_OF: Record<string, NemesisInterval['kind']> = {
  kill: 'kill',
  'kill-leader': 'kill',
  crash: 'kill',
  pause: 'pause',
  'pause-leader': 'pause',
  partition: 'partition',
  'start-partition': 'partition',
  start: 'partition',
  'clock-skew': 'skew',
  'skew-clock': 'skew',
  'bump-clock': 'skew',
  'strobe-clock': 'skew',
};

/** For each closing f, the start fs it closes. */
const CLOSES: Record<string, string[]> = {
  restart: ['kill', 'kill-leader', 'crash'],
  resume: ['pause', 'pause-leader'],
  heal: ['partition', 'start-partition', 'start'],
  stop: ['start', 'partition'],
  'stop-partition': ['start-partition', 'partition'],
  'reset-clock': ['clock-skew', 'skew-clock', 'bump-clock', 'strobe-clock'],
  'clock-skew-end': ['clock-skew'],
  'end-clock-skew': ['clock-skew'],
};

function nodeOf(value: unknown): string | null | undefined {
  if (value && typeof value === 'object' && 'node' in value) {
    const n = (value as { node: unknown }).node;
    return n === null ? null : typeof n === 'string' ? n : n === undefined ? undefined : String(n);
  }
  return undefined;
}

export function isSkipped(value: unknown): boolean {
  return Boolean(value && typeof value === 'object' && ('skipped' in value || (value as { node?: unknown }).node === null));
}

function describeFault(f: string, value: unknown): string {
  const node = nodeOf(value);
  const v = value as Record<string, unknown> | null;
  if (f === 'partition' && v && Array.isArray(v.groups)) {
    const groups = (v.groups as unknown[]).map((g) => (Array.isArray(g) ? g.join(',') : String(g))).join(' | ');
    return `partition${typeof v.shape === 'string' ? ` (${v.shape})` : ''}: ${groups}`;
  }
  if (KIND_OF[f] === 'skew' && v && typeof v.offsetMs === 'number') return `${f} ${node ?? ''} ${v.offsetMs >= 0 ? '+' : ''}${v.offsetMs} ms`.replace(/\s+/g, ' ');
  if (isSkipped(value)) return `${f} (skipped${v && typeof v.skipped === 'string' ? `: ${v.skipped}` : ''})`;
  return node ? `${f} ${node}` : f;
}

/** Pairs each fault's start with its end (kill→restart, pause→resume, partition→heal, skew→reset). */
export function nemesisIntervals(events: NemesisEvent[], endNs: number): NemesisInterval[] {
  const out: NemesisInterval[] = [];
  const open: { iv: NemesisInterval; node?: string | null }[] = [];
  for (const e of events) {
    // Jepsen records invoke+completion pairs for the same action: the invoke alone is enough.
    const kind = KIND_OF[e.f];
    const node = nodeOf(e.value);
    if (kind && !isSkipped(e.value)) {
      const dup = open.find((o) => o.iv.f === e.f && o.node === node);
      if (dup) continue;
      const iv: NemesisInterval = { f: e.f, kind, startNs: e.time, endNs, point: false, label: describeFault(e.f, e.value), index: e.index };
      out.push(iv);
      open.push({ iv, node });
      continue;
    }
    const closes = CLOSES[e.f];
    if (closes) {
      let closed = false;
      for (let i = 0; i < open.length; i++) {
        const o = open[i];
        if (!closes.includes(o.iv.f)) continue;
        // heal closes every partition; node-scoped ends close the same node's fault.
        if (e.f !== 'heal' && node !== undefined && o.node !== undefined && o.node !== node) continue;
        o.iv.endNs = Math.max(o.iv.startNs, e.time);
        o.iv.endIndex = e.index;
        open.splice(i, 1);
        i--;
        closed = true;
        if (e.f !== 'heal') break;
      }
      if (closed || e.f === 'heal') continue;
    }
    out.push({ f: e.f, kind: kind ?? 'other', startNs: e.time, endNs: e.time, point: true, label: describeFault(e.f, e.value), index: e.index });
  }
  return out;
}
