// Deterministic, seeded hard register histories for the tests and the bench: one key, many
// concurrent clients, few distinct values (so values repeat and no value pins an order), with or
// without one planted stale read that no order of the history can explain.

import { historyFromEvents } from '../../history/builder.js';
import type { History, HistoryEvent } from '../../history/types.js';

export interface HardOptions {
  seed: number;
  /** Ops invoked (the planted write and read included). */
  ops: number;
  /** Concurrent clients (a client whose op ends info goes on as a new process). */
  clients?: number;
  /** Distinct values written: 1..values. */
  values?: number;
  /** Chance an op ends indeterminate (never for a write of the planted value, see below). */
  infoRate?: number;
  /** Plant the stale read (a violation); false: the same history with the read's true value. */
  bad?: boolean;
}

/** mulberry32: a small seeded generator (the tests' and benches' histories use it too, so a seed replays). */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pending {
  process: number;
  f: 'read' | 'write' | 'cas';
  value: unknown;
  applied: boolean;
  failed?: boolean;
  result: unknown;
  /** The planted ops: the fencing write (must end ok) and the read whose value is replaced. */
  role?: 'fence' | 'stale';
}

/**
 * The planted violation, a stale read with a proof in real time: at 3/4 of the history, writes of
 * the value V = `values` stop; once every write of V has completed, a write `u` of another value
 * runs and completes; then a read runs, and in the bad history returns V. Every op that could set
 * V began before `u` did and completed before it, and writes of V never end info, so in any order
 * `u` comes after every setter of V and before the read: the read cannot return V. The ok history
 * keeps the read's real value (the register is atomic, so that history is linearizable).
 */
export function hardHistory(o: HardOptions): History {
  return historyFromEvents(hardEvents(o));
}

/** The events of hardHistory. */
export function hardEvents(o: HardOptions): HistoryEvent[] {
  const g = new Gen(o);
  while (g.invoked < o.ops || g.pending.length > 0 || !g.planted()) g.tick();
  return g.events;
}

class Gen {
  readonly rand: () => number;
  readonly events: HistoryEvent[] = [];
  readonly pending: Pending[] = [];
  readonly idle: number[];
  invoked = 0;
  private state: unknown = null;
  private nextProcess: number;
  private readonly values: number;
  private readonly infoRate: number;
  /** 0: before the plant; 1: V banned, waiting for its writes; 2: fence running; 3: fence done; 4: read running; 5: done. */
  private phase = 0;
  private readonly plantAt: number;

  constructor(private readonly o: HardOptions) {
    this.rand = mulberry32(o.seed);
    const clients = o.clients ?? 30;
    this.idle = Array.from({ length: clients }, (_, i) => i);
    this.nextProcess = clients;
    this.values = o.values ?? 5;
    this.infoRate = o.infoRate ?? 0.1;
    this.plantAt = Math.floor((o.ops * 3) / 4);
  }

  private emit(e: Omit<HistoryEvent, 'index' | 'time'>): void {
    this.events.push({ index: this.events.length, time: this.events.length * 1000, ...e });
  }

  /** A value to write: 1..values, never V while it is banned. */
  private fresh(): number {
    const banned = this.phase >= 1 && this.phase < 5;
    const n = banned ? this.values - 1 : this.values;
    return 1 + Math.floor(this.rand() * n);
  }

  private invoke(f: Pending['f'], value: unknown, role?: Pending['role']): void {
    const process = this.idle.splice(Math.floor(this.rand() * this.idle.length), 1)[0];
    this.pending.push({ process, f, value, applied: false, result: null, role });
    this.emit({ process, type: 'invoke', f, key: 'x', value });
    this.invoked++;
  }

  /** Whether the plant is over (or there is none: fewer than two values). */
  planted(): boolean {
    return this.phase === 5 || this.values < 2;
  }

  /** One step: invoke an op, apply one, or complete one. */
  tick(): void {
    this.plant();
    const canInvoke = this.invoked < this.o.ops && this.idle.length > 0;
    if (canInvoke && (this.rand() < 0.5 || this.pending.length === 0)) {
      const r = this.rand();
      const f = this.invoked === 0 ? 'write' : r < 0.5 ? 'read' : r < 0.85 ? 'write' : 'cas';
      this.invoke(f, f === 'read' ? null : f === 'write' ? this.fresh() : [this.state, this.fresh()]);
      return;
    }
    if (this.pending.length === 0) return;
    const i = Math.floor(this.rand() * this.pending.length);
    const p = this.pending[i];
    if (!p.applied && this.rand() < 0.5) return this.apply(p);
    const info = p.role === undefined && this.rand() < this.infoRate && !this.setsV(p);
    if (!info && !p.applied) return;
    this.pending.splice(i, 1);
    this.complete(p, info);
  }

  private setsV(p: Pending): boolean {
    const v = p.f === 'write' ? p.value : p.f === 'cas' ? (p.value as unknown[])[1] : undefined;
    return v === this.values;
  }

  private apply(p: Pending): void {
    p.applied = true;
    if (p.f === 'read') p.result = this.state;
    else if (p.f === 'write') this.state = p.value;
    else if ((p.value as unknown[])[0] === this.state) this.state = (p.value as unknown[])[1];
    else p.failed = true;
  }

  private complete(p: Pending, info: boolean): void {
    const type = info ? 'info' : p.failed ? 'fail' : 'ok';
    let value = p.f === 'read' ? (type === 'ok' ? p.result : null) : p.value;
    if (p.role === 'stale' && this.o.bad) value = this.values;
    this.emit({ process: p.process, type, f: p.f, key: 'x', value });
    this.idle.push(info ? this.nextProcess++ : p.process);
    if (p.role === 'fence') this.phase = 3;
    if (p.role === 'stale') this.phase = 5;
  }

  /** Moves the plant along: ban V, then the fence once V's writes are done, then the read. */
  private plant(): void {
    if (this.phase === 0 && this.invoked >= this.plantAt && this.values > 1) this.phase = 1;
    if (this.phase === 1 && this.idle.length > 0 && !this.pending.some((p) => this.setsV(p))) {
      this.invoke('write', 1 + Math.floor(this.rand() * (this.values - 1)), 'fence');
      this.phase = 2;
    } else if (this.phase === 3 && this.idle.length > 0) {
      this.invoke('read', null, 'stale');
      this.phase = 4;
    }
  }
}
