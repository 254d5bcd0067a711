// The simulator's virtual clock: a binary min-heap of events keyed by (timeNs, seq), so same-time
// events run in the order they were scheduled. Events are plain objects of one shape; the target
// dispatches its own kinds, callbacks (Scheduler.after) run here.

import type { Scheduler, Timer } from '../types.js';

export const K_DEAD = 0;
export const K_CALLBACK = 1;
export const K_MSG = 2;
export const K_TIMER = 3;
export const K_CLIENT_TIMEOUT = 4;
export const K_SAMPLE = 5;
export const K_PROBE = 6;
export const KIND_NAMES = ['cancelled', 'callback', 'message', 'node-timer', 'client-timeout', 'lag-sample', 'leader-probe'];

export class Ev implements Timer {
  constructor(
    public t: number,
    public s: number,
    public k: number,
    public a: number,
    public b: number,
    public c: number,
    public x: unknown,
  ) {}

  cancel(): void {
    this.k = K_DEAD;
    this.x = undefined;
  }
}

export type Dispatch = (ev: Ev) => void;

export class SimScheduler implements Scheduler {
  readonly virtual = true;
  private heap: Ev[] = [];
  private readonly pool: Ev[] = [];
  private seq = 0;
  private now = 0;
  private stopped = false;
  private running = false;
  /** Events executed, by kind (for the benchmark's breakdown). */
  readonly counts = [0, 0, 0, 0, 0, 0, 0];
  dispatch: Dispatch = () => {};

  nowNs(): number {
    return this.now;
  }

  /** Number of pending events (including cancelled ones not yet popped). */
  size(): number {
    return this.heap.length;
  }

  schedule(delayNs: number, k: number, a: number, b: number, c: number, x: unknown): Ev {
    // Times are whole nanoseconds: a fractional delay would let a timer re-arm at the same instant.
    const ev = new Ev(this.now + (delayNs > 0 ? Math.ceil(delayNs) : 0), this.seq++, k, a, b, c, x);
    this.push(ev);
    return ev;
  }

  /** Schedules at an absolute time (>= now). */
  scheduleAt(timeNs: number, k: number, a: number, b: number, c: number, x: unknown): Ev {
    const ev = new Ev(timeNs > this.now ? Math.ceil(timeNs) : this.now, this.seq++, k, a, b, c, x);
    this.push(ev);
    return ev;
  }

  /**
   * Schedules a message delivery at an absolute time. Its event object is never handed out, so it
   * is recycled after it ran (fewer allocations on the hottest path).
   */
  message(timeNs: number, to: number, from: number, inc: number, msg: unknown): void {
    const t = timeNs > this.now ? Math.ceil(timeNs) : this.now;
    const ev = this.pool.pop();
    if (ev === undefined) {
      this.push(new Ev(t, this.seq++, K_MSG, to, from, inc, msg));
      return;
    }
    ev.t = t;
    ev.s = this.seq++;
    ev.k = K_MSG;
    ev.a = to;
    ev.b = from;
    ev.c = inc;
    ev.x = msg;
    this.push(ev);
  }

  /** Cancels every pending message whose sender is `from` (a host crash); returns how many. */
  dropMessagesFrom(from: number): number {
    let dropped = 0;
    for (const ev of this.heap) {
      if (ev.k === K_MSG && ev.b === from) {
        ev.cancel();
        dropped++;
      }
    }
    return dropped;
  }

  after(delayNs: number, fn: () => void): Timer {
    if (!(delayNs >= 0)) delayNs = 0;
    return this.schedule(Math.round(delayNs), K_CALLBACK, 0, 0, 0, fn);
  }

  stop(): void {
    this.stopped = true;
  }

  run(): Promise<void> {
    if (this.running) return Promise.reject(new Error('scheduler: run() is already running'));
    this.running = true;
    this.stopped = false;
    const heap = this.heap;
    const counts = this.counts;
    try {
      while (heap.length > 0 && !this.stopped) {
        const ev = this.pop();
        const k = ev.k;
        counts[k]++;
        if (k === K_DEAD) continue;
        this.now = ev.t;
        if (k === K_CALLBACK) (ev.x as () => void)();
        else if (k === K_MSG) {
          this.dispatch(ev);
          ev.x = undefined;
          if (this.pool.length < 4096) this.pool.push(ev);
        } else this.dispatch(ev);
      }
    } catch (e) {
      this.running = false;
      return Promise.reject(e);
    }
    this.running = false;
    return Promise.resolve();
  }

  /** Runs events up to and including time limitNs (tests). */
  runUntil(limitNs: number): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0].t <= limitNs) {
      const ev = this.pop();
      this.counts[ev.k]++;
      if (ev.k === K_DEAD) continue;
      this.now = ev.t;
      if (ev.k === K_CALLBACK) (ev.x as () => void)();
      else this.dispatch(ev);
    }
    if (limitNs > this.now) this.now = limitNs;
  }

  private push(ev: Ev): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = heap[p];
      if (pe.t < ev.t || (pe.t === ev.t && pe.s < ev.s)) break;
      heap[i] = pe;
      i = p;
    }
    heap[i] = ev;
  }

  private pop(): Ev {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop() as Ev;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let c = l;
        let ce = heap[l];
        const r = l + 1;
        if (r < n) {
          const re = heap[r];
          if (re.t < ce.t || (re.t === ce.t && re.s < ce.s)) {
            c = r;
            ce = re;
          }
        }
        if (last.t < ce.t || (last.t === ce.t && last.s < ce.s)) break;
        heap[i] = ce;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}
