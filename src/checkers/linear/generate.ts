// Deterministic, seeded hard register histories for the tests and the bench: one key, many
// concurrent clients, few distinct values (so values repeat and no value pins an order), with or
// without one planted violation that no order of the history can explain: a stale read fenced off by
// real time (refute.ts decides it), or reads of two values in an order no single fence rules out.

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
  /** Plant the violation; false: the same history with the planted reads' true values. */
  bad?: boolean;
  /** The violation's kind (default 'stale'); see hardHistory and ROUNDS. */
  plant?: PlantKind;
}

/**
 * `stale`: one read fenced off from every setter of its value. `cross`: two rounds of two
 * concurrent reads, A B then B A; `oscillate`: three reads one after another, A B A. In both A and
 * B are set only by two writes running through all the rounds (see hardHistory).
 */
export type PlantKind = 'stale' | 'cross' | 'oscillate';

/** The reads planted per round, as offsets below `values` (0: A = values, 1: B = values - 1). */
const ROUNDS: Record<Exclude<PlantKind, 'stale'>, number[][]> = {
  cross: [
    [0, 1],
    [1, 0],
  ],
  oscillate: [[0], [1], [0]],
};

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
  /** The planted ops: the fencing write, the read(s) whose value is replaced, the held writes. */
  role?: 'fence' | 'stale' | 'hold';
  /** A planted read's value in the bad history. */
  badValue?: number;
}

/**
 * The planted violation, a stale read with a proof in real time: at 3/4 of the history, writes of
 * the value V = `values` stop; once every write of V has completed, a write `u` of another value
 * runs and completes; then a read runs, and in the bad history returns V. Every op that could set
 * V began before `u` did and completed before it, and writes of V never end info, so in any order
 * `u` comes after every setter of V and before the read: the read cannot return V. The ok history
 * keeps the read's real value (the register is atomic, so that history is linearizable).
 *
 * The other kinds ban A and B (the two highest values) the same way, run the fence, then start the
 * two writes of A and B (held: they end only after the last round) and the rounds of reads, each
 * round once the one before has completed. After the fence only the held writes set A or B. Cross:
 * round one sees both, so both writes are placed before round two, after which the register can
 * hold only the one placed last, yet round two sees both. Oscillate: A then B puts the write of A
 * before the first read and the write of B after it, so nothing can set A for the third read. No
 * single op fences a read off from the held writes, so refute.ts does not decide these.
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
  /**
   * 0: before the plant; 1: V banned, waiting for its writes; 2: fence running; 3: fence done; 4:
   * read(s) running; 5: done. Rounds: 3 starts the held writes and each round, 4 waits for it.
   */
  private phase = 0;
  private readonly plantAt: number;
  /** The rounds of planted reads (none for 'stale'), the next one, and the values banned. */
  private readonly rounds: number[][] | undefined;
  private round = 0;
  private readonly banned: number;

  constructor(private readonly o: HardOptions) {
    this.rand = mulberry32(o.seed);
    const clients = o.clients ?? 30;
    this.idle = Array.from({ length: clients }, (_, i) => i);
    this.nextProcess = clients;
    this.values = o.values ?? 5;
    this.infoRate = o.infoRate ?? 0.1;
    this.plantAt = Math.floor((o.ops * 3) / 4);
    this.rounds = o.plant === undefined || o.plant === 'stale' ? undefined : ROUNDS[o.plant];
    this.banned = this.rounds ? 2 : 1;
  }

  private emit(e: Omit<HistoryEvent, 'index' | 'time'>): void {
    this.events.push({ index: this.events.length, time: this.events.length * 1000, ...e });
  }

  /** A value to write: 1..values, never V (A and B) while banned. */
  private fresh(): number {
    const banned = this.phase >= 1 && this.phase < 5;
    const n = banned ? this.values - this.banned : this.values;
    return 1 + Math.floor(this.rand() * n);
  }

  private invoke(f: Pending['f'], value: unknown, role?: Pending['role'], badValue?: number): void {
    const process = this.idle.splice(Math.floor(this.rand() * this.idle.length), 1)[0];
    this.pending.push({ process, f, value, applied: false, result: null, role, badValue });
    this.emit({ process, type: 'invoke', f, key: 'x', value });
    this.invoked++;
  }

  /** Whether the plant is over (or there is none: fewer than two values, three for rounds). */
  planted(): boolean {
    return this.phase === 5 || this.values < this.banned + 1;
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
    if ((!info && !p.applied) || (p.role === 'hold' && this.phase < 5)) return;
    this.pending.splice(i, 1);
    this.complete(p, info);
  }

  /** Whether the op sets a banned value (V; A or B). */
  private setsV(p: Pending): boolean {
    const v = p.f === 'write' ? p.value : p.f === 'cas' ? (p.value as unknown[])[1] : undefined;
    return typeof v === 'number' && v > this.values - this.banned;
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
    if (p.role === 'stale' && this.o.bad) value = p.badValue ?? this.values;
    this.emit({ process: p.process, type, f: p.f, key: 'x', value });
    this.idle.push(info ? this.nextProcess++ : p.process);
    if (p.role === 'fence') this.phase = 3;
    if (p.role === 'stale' && !this.pending.some((q) => q.role === 'stale')) this.phase = this.rounds && this.round < this.rounds.length ? 3 : 5;
  }

  /** Moves the plant along: ban V, then the fence once V's writes are done, then the read. */
  private plant(): void {
    if (this.phase === 0 && this.invoked >= this.plantAt && this.values > 1) this.phase = 1;
    if (this.phase === 1 && this.idle.length > 0 && !this.pending.some((p) => this.setsV(p))) {
      this.invoke('write', 1 + Math.floor(this.rand() * (this.values - this.banned)), 'fence');
      this.phase = 2;
    } else if (this.phase === 3 && this.rounds) {
      this.nextRound(this.rounds);
    } else if (this.phase === 3 && this.idle.length > 0) {
      this.invoke('read', null, 'stale');
      this.phase = 4;
    }
  }

  /** Starts the held writes of A and B (first time) and the next round of reads, if clients are idle. */
  private nextRound(rounds: number[][]): void {
    const reads = rounds[this.round];
    const first = this.round === 0;
    if (this.idle.length < reads.length + (first ? 2 : 0)) return;
    if (first) {
      this.invoke('write', this.values, 'hold');
      this.invoke('write', this.values - 1, 'hold');
    }
    for (const d of reads) this.invoke('read', null, 'stale', this.values - d);
    this.round++;
    this.phase = 4;
  }
}
