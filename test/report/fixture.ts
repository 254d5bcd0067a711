// Test input for the report: a small run directory written by hand (history with a planted
// read-your-writes anomaly, nemesis events, results.json, metrics.json, config.yaml), a register
// history with a linearizability anomaly, and a large generated History for the size bound.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Anomaly } from '../../src/checkers/types.js';
import { historyFromEvents } from '../../src/history/builder.js';
import { eventToJson } from '../../src/history/jsonl.js';
import type { History, HistoryEvent, Op } from '../../src/history/types.js';
import { historyStats, type Results } from '../../src/report/results.js';

const MS = 1_000_000;

interface Spec {
  p: number;
  f: 'append' | 'read';
  k: string;
  v?: number;
  r?: number[];
  t0Ms: number;
  t1Ms?: number;
  type?: 'ok' | 'fail' | 'info';
  node: string;
}

/** Events of the specs plus nemesis events, ordered by time and indexed. */
function toEvents(specs: Spec[], nemesis: { tMs: number; f: string; value: Record<string, unknown> }[]): HistoryEvent[] {
  const raw: (Omit<HistoryEvent, 'index'> & { order: number })[] = [];
  for (const s of specs) {
    raw.push({ time: s.t0Ms * MS, process: s.p, session: `s${s.p}`, type: 'invoke', f: s.f, key: s.k, value: s.f === 'append' ? s.v : null, order: 1 });
    if (s.t1Ms !== undefined) {
      const type = s.type ?? 'ok';
      raw.push({
        time: s.t1Ms * MS,
        process: s.p,
        session: `s${s.p}`,
        type,
        f: s.f,
        key: s.k,
        value: s.f === 'append' ? s.v : type === 'ok' ? s.r : null,
        node: s.node,
        ...(type === 'info' ? { error: 'timeout' } : {}),
        order: 0,
      });
    }
  }
  for (const n of nemesis) raw.push({ time: n.tMs * MS, process: 'nemesis', type: 'info', f: n.f, value: n.value, order: 2 });
  raw.sort((a, b) => a.time - b.time || a.order - b.order);
  return raw.map(({ order: _o, ...e }, index) => ({ index, ...e }) as HistoryEvent);
}

/** A history where session s0 appends 5 to k1 (ok via n1), then reads k1 from n2 without it. */
export function plantedHistory(): { events: HistoryEvent[]; history: History } {
  const specs: Spec[] = [];
  // Background traffic from processes 1..3 on k1 and k2.
  let el = 100;
  for (let i = 0; i < 14; i++) {
    const p = 1 + (i % 3);
    const t0 = 2 + i * 7;
    specs.push({ p, f: 'append', k: i % 2 ? 'k2' : 'k1', v: el++, t0Ms: t0, t1Ms: t0 + 4 + (i % 3), node: 'n1' });
  }
  // The planted anomaly: s0 appends 5 to k1 at 40–44 ms (ok, n1), reads k1 at 50–53 ms from n2: [100].
  specs.push({ p: 0, f: 'append', k: 'k1', v: 5, t0Ms: 40, t1Ms: 44, node: 'n1' });
  specs.push({ p: 0, f: 'read', k: 'k1', t0Ms: 50, t1Ms: 53, node: 'n2', r: [100] });
  // Concurrent reads on k1 around it, one fail and one info.
  specs.push({ p: 4, f: 'read', k: 'k1', t0Ms: 45, t1Ms: 52, node: 'n3', r: [100, 5] });
  specs.push({ p: 5, f: 'append', k: 'k1', v: 6, t0Ms: 47, t1Ms: 58, type: 'fail', node: 'n2' });
  specs.push({ p: 6, f: 'append', k: 'k1', v: 7, t0Ms: 48, t1Ms: 70, type: 'info', node: 'n2' });
  specs.push({ p: 0, f: 'read', k: 'k1', t0Ms: 80, t1Ms: 84, node: 'n1', r: [100, 5, 7] });
  const nemesis = [
    { tMs: 30, f: 'partition', value: { shape: 'isolate-leader', groups: [['n1'], ['n2', 'n3']] } },
    { tMs: 60, f: 'heal', value: { partition: 'healed' } },
    { tMs: 65, f: 'kill', value: { node: 'n2' } },
    { tMs: 90, f: 'restart', value: { node: 'n2' } },
  ];
  const events = toEvents(specs, nemesis);
  return { events, history: historyFromEvents(events, 'planted') };
}

export function indexOfOp(h: History, pred: (op: Op) => boolean): number {
  const op = h.ops.find(pred);
  if (!op) throw new Error('no such op');
  return op.completeIndex >= 0 ? op.completeIndex : op.invokeIndex;
}

export function plantedResults(h: History): Results {
  const append = indexOfOp(h, (o) => o.process === 0 && o.f === 'append');
  const read = indexOfOp(h, (o) => o.process === 0 && o.f === 'read' && o.invokeTime === 50 * MS);
  return {
    valid: false,
    seed: 42,
    target: 'memory',
    workload: 'append',
    nemesis: 'partition-leader',
    stats: historyStats(h),
    command: 'replcheck run --config reports/planted/config.yaml',
    checkers: {
      'read-your-writes': {
        valid: false,
        count: 1,
        anomalies: [
          {
            type: 'read-your-writes',
            ops: [append, read],
            key: 'k1',
            explanation: 'session s0 appended 5 to k1 (ok at 0.044 s) but its read at 0.050 s from n2 returned [100] <without it> & "quoted"',
          },
        ],
      },
      'monotonic-reads': { valid: true, count: 0, anomalies: [] },
      'lost-writes': { valid: 'unknown', count: 0, anomalies: [], reason: 'no final reads' },
    },
  };
}

export const PLANTED_CONFIG_YAML = `target:
  name: memory
  topology: single-leader
  replication: async
  readFrom: any
  nodes: 3
  lagMs: [10, 100]
  failover: { timeoutMs: 500, promote: most-up-to-date, fencing: true }
workload:
  name: append
  kind: append
  keys: 2
  concurrency: 7
nemesis:
  name: partition-leader
  schedule:
    - { every: 5s, fault: partition, shape: isolate-leader, duration: 2s }
seed: 42
`;

/** Writes the planted run directory; returns the paths and the history. */
export function writePlantedRunDir(dir: string, opts: { config?: boolean; metrics?: boolean } = {}): { history: History; results: Results } {
  mkdirSync(dir, { recursive: true });
  const { events, history } = plantedHistory();
  writeFileSync(join(dir, 'history.jsonl'), events.map((e) => eventToJson(e) + '\n').join(''));
  const results = plantedResults(history);
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  if (opts.config !== false) writeFileSync(join(dir, 'config.yaml'), PLANTED_CONFIG_YAML);
  if (opts.metrics !== false) {
    const lag = [];
    for (let t = 0; t <= 95; t += 5) {
      lag.push({ timeNs: t * MS, node: 'n2', lagMs: t >= 30 && t <= 60 ? 20 + (t - 30) * 2 : 3 });
      lag.push({ timeNs: t * MS, node: 'n3', lagMs: t >= 30 && t <= 60 ? 15 + (t - 30) : 2 });
    }
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ lag }));
  }
  return { history, results };
}

/**
 * A History of `n` append/read ops built directly (no file, no validation): 50 processes, 200 keys,
 * ~1 ms apart with overlapping ops, some fail/info, and faults every 2 s.
 */
export function largeHistory(n: number): History {
  const ops: Op[] = new Array(n);
  const processes = 50;
  let index = 0;
  const stepNs = 20_000; // one invoke every 20 µs
  for (let i = 0; i < n; i++) {
    const p = i % processes;
    const invokeTime = i * stepNs;
    // Each process is sequential: its next invoke comes `processes * stepNs` = 1 ms later.
    const latencyNs = 100_000 + ((i * 7919) % 700_000) + (i % 100_000 < 3000 ? 150_000 : 0);
    const kind = i % 97 === 0 ? 'info' : i % 31 === 0 ? 'fail' : 'ok';
    const key = `k${(i * 13) % 200}`;
    const isRead = Math.floor(i / 3) % 2 === 1;
    ops[i] = {
      id: i,
      process: p,
      session: `s${p}`,
      f: isRead ? 'read' : 'append',
      key,
      type: kind,
      invokeIndex: index,
      completeIndex: index + 1,
      invokeTime,
      completeTime: invokeTime + latencyNs,
      invokeValue: isRead ? null : i,
      // Long reads, like a real append workload late in a run.
      value: isRead && kind === 'ok' ? Array.from({ length: 20 }, (_, j) => i - j * 2) : isRead ? null : i,
      node: `n${1 + (i % 3)}`,
      final: false,
    };
    index += 2;
  }
  const endTime = ops[n - 1].completeTime;
  const nemesis: History['nemesis'] = [];
  for (let t = 1e9, k = 0; t < endTime; t += 2e9, k++) {
    nemesis.push({ index: index++, time: t, process: 'nemesis', type: 'info', f: k % 2 ? 'kill' : 'partition', value: k % 2 ? { node: 'n2' } : { shape: 'halves', groups: [['n1'], ['n2', 'n3']] } });
    nemesis.push({ index: index++, time: t + 5e8, process: 'nemesis', type: 'info', f: k % 2 ? 'restart' : 'heal', value: k % 2 ? { node: 'n2' } : {} });
  }
  return { source: 'generated', ops, nemesis, eventCount: index, endTime, workload: 'append', hasFinalReads: false };
}

/** One register op of `registerRun`: times in ms; no `t1Ms` means it never completed. */
interface RegSpec {
  p: number;
  f: 'read' | 'write' | 'cas';
  v: unknown;
  r?: unknown;
  t0Ms: number;
  t1Ms?: number;
  type?: 'ok' | 'fail' | 'info';
}

function registerEvents(specs: RegSpec[]): HistoryEvent[] {
  const raw: (Omit<HistoryEvent, 'index'> & { order: number })[] = [];
  for (const s of specs) {
    raw.push({ time: s.t0Ms * MS, process: s.p, session: `${s.p}`, type: 'invoke', f: s.f, key: 'r', value: s.f === 'read' ? null : s.v, order: 1 });
    if (s.t1Ms !== undefined) {
      const type = s.type ?? 'ok';
      raw.push({ time: s.t1Ms * MS, process: s.p, session: `${s.p}`, type, f: s.f, key: 'r', value: s.f === 'read' ? (type === 'ok' ? s.r : null) : s.v, order: 0 });
    }
  }
  raw.sort((a, b) => a.time - b.time || a.order - b.order);
  return raw.map(({ order: _o, ...e }, index) => ({ index, ...e }) as HistoryEvent);
}

/**
 * A register history that is not linearizable, and the anomaly the linearizable checker reports
 * for it: 20 ops on p0..p3 that linearize in order (read nil, write 1, cas 1→2, read 2, …), then
 * p4 reads 1 after the register held 19; p5's write 99 never completes and p6 reads 19 meanwhile.
 */
export function registerRun(): { history: History; results: Results; failing: number; prefix: number[]; staleRead: Op } {
  const specs: RegSpec[] = [];
  let cur: unknown = null;
  for (let i = 0; i < 20; i++) {
    const t0Ms = 2 + i * 3;
    const f = (['read', 'write', 'cas'] as const)[i % 3];
    if (f === 'read') specs.push({ p: i % 4, f, v: null, r: cur, t0Ms, t1Ms: t0Ms + 4 });
    else {
      specs.push({ p: i % 4, f, v: f === 'write' ? i : [cur, i], t0Ms, t1Ms: t0Ms + 4 });
      cur = i;
    }
  }
  specs.push({ p: 5, f: 'write', v: 99, t0Ms: 64 });
  specs.push({ p: 4, f: 'read', v: null, r: 1, t0Ms: 68, t1Ms: 72 });
  specs.push({ p: 6, f: 'read', v: null, r: 19, t0Ms: 70, t1Ms: 80 });
  const history = historyFromEvents(registerEvents(specs), 'register');
  const staleRead = history.ops.find((o) => o.process === 4)!;
  const failing = staleRead.completeIndex;
  const prefixOps = history.ops.filter((o) => o.process < 4).sort((a, b) => a.invokeTime - b.invokeTime);
  const prefix = prefixOps.map((o) => o.completeIndex);
  const lin: Anomaly = {
    type: 'linearizable',
    ops: [prefixOps[1].completeIndex, prefix[prefix.length - 1], failing].sort((a, b) => a - b),
    key: 'r',
    op: failing,
    explanation: `read of r (index ${failing}) returned 1, but no order of the operations consistent with real time explains it`,
    linearizedPrefix: prefix,
    concurrent: history.ops.filter((o) => o.process >= 5).map((o) => (o.completeIndex >= 0 ? o.completeIndex : o.invokeIndex)),
    valueAfterPrefix: 19,
  };
  const results: Results = {
    valid: false,
    workload: 'register',
    stats: historyStats(history),
    checkers: { linearizable: { valid: false, count: 1, anomalies: [lin] } },
  };
  return { history, results, failing, prefix, staleRead };
}
