// Runs an async test script against a target on the target's own scheduler and its run() loop:
// waits are scheduler callbacks (scheduler.after), so virtual time (memory) and real time (http,
// external) are driven alike. With virtual time the clock only moves while the script waits.

import type { Completion, FinalRead, Invocation, Scheduler, SessionInfo, Target } from '../../../src/targets/types.js';

/** What a script can do on the target's scheduler. */
export interface Harness {
  readonly target: Target;
  /** Milliseconds of the target's clock since the script started. */
  nowMs(): number;
  /** Resolves after ms of the target's time. */
  sleep(ms: number): Promise<void>;
  /**
   * Resolves with what `start` hands its callback (called from a scheduler callback); rejects after
   * `timeoutMs` of the target's time (default 60 s; Infinity: never), or when the scheduler's run() fails.
   */
  wait<T>(what: string, start: (resolve: (v: T) => void) => void, timeoutMs?: number): Promise<T>;
  /** Like wait, but resolves with `fallback` (instead of rejecting) when timeoutMs passes first. */
  race<T>(start: (resolve: (v: T) => void) => void, timeoutMs: number, fallback: T): Promise<T>;
  /** Polls `probe` every everyMs until it returns something other than undefined, for at most withinMs; the last value is returned as undefined. */
  until<T>(withinMs: number, everyMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T | undefined>;
  /** Runs fn as a scheduler callback (faults are applied from inside the scheduler, as the nemesis does). */
  call<T>(fn: () => T): Promise<T>;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  finalRead(key: string): Promise<FinalRead[]>;
  invoke(session: SessionInfo, op: Invocation, timeoutMs?: number): Promise<Completion>;
}

const DEFAULT_WAIT_MS = 60_000;

/**
 * Runs `script` while driving `target.scheduler.run()`; `virtualTime`: the scheduler runs only while
 * the script waits on it (so the script's own async observations see a frozen simulation).
 */
export async function runScript<T>(target: Target, virtualTime: boolean, script: (h: Harness) => Promise<T>): Promise<T> {
  const sched: Scheduler & { hold?: () => () => void } = target.scheduler;
  const t0Ns = sched.nowNs();
  const rejecters = new Set<(e: unknown) => void>();
  let waiting = 0;
  let kicked = false;
  let finished = false;
  let wakeLoop: (() => void) | undefined;
  /** Failures run() reported (a fault that could not be applied...): the script fails with the first. */
  const runErrors: unknown[] = [];
  const nudge = (): void => {
    const w = wakeLoop;
    wakeLoop = undefined;
    w?.();
  };

  const wait = <V>(what: string, start: (resolve: (v: V) => void) => void, timeoutMs = DEFAULT_WAIT_MS): Promise<V> =>
    new Promise<V>((resolve, reject) => {
      let settled = false;
      waiting++;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        waiting--;
        rejecters.delete(fail);
        timer.cancel();
        if (virtualTime) {
          kicked = true;
          sched.stop();
        }
        return true;
      };
      const fail = (e: unknown): void => {
        if (settle()) reject(e);
      };
      rejecters.add(fail);
      const timer = Number.isFinite(timeoutMs)
        ? sched.after(timeoutMs * 1e6, () => fail(new Error(`${what}: nothing within ${timeoutMs} ms of the target's time`)))
        : { cancel: () => undefined };
      start((v) => {
        if (settle()) resolve(v);
      });
      nudge();
    });

  const h: Harness = {
    target,
    nowMs: () => (sched.nowNs() - t0Ns) / 1e6,
    sleep: (ms) => wait(`sleep ${ms}`, (res) => sched.after(ms * 1e6, () => res(undefined)), Infinity),
    wait,
    race: <V>(start: (resolve: (v: V) => void) => void, timeoutMs: number, fallback: V) =>
      wait<V>('race', (res) => {
        sched.after(timeoutMs * 1e6, () => res(fallback));
        start(res);
      }),
    async until<V>(withinMs: number, everyMs: number, probe: () => Promise<V | undefined> | V | undefined): Promise<V | undefined> {
      const deadline = h.nowMs() + withinMs;
      for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (h.nowMs() >= deadline) return undefined;
        await h.sleep(everyMs);
      }
    },
    call: <V>(fn: () => V) => wait<V>('call', (res) => sched.after(0, () => res(fn()))),
    setup: () => wait<void>(`setup of ${target.name}`, (res) => target.setup(() => res())),
    teardown: () => wait<void>(`teardown of ${target.name}`, (res) => target.teardown(() => res())),
    finalRead: (key) => wait<FinalRead[]>(`finalRead(${key})`, (res) => target.finalRead(key, res)),
    invoke: (session, op, timeoutMs) => wait<Completion>(`${op.f} ${op.key}`, (res) => target.client(session).invoke(op, res), timeoutMs),
  };

  // A real-time scheduler must not finish its run() while the script does its own async work.
  const release = !virtualTime && sched.hold !== undefined ? sched.hold() : undefined;
  let outcome: { ok: true; v: T } | { ok: false; e: unknown } | undefined;
  const done = script(h).then(
    (v) => (outcome = { ok: true, v }),
    (e: unknown) => (outcome = { ok: false, e }),
  );
  void done.finally(() => {
    finished = true;
    release?.();
    sched.stop();
    nudge();
  });

  while (!finished) {
    if (virtualTime && waiting === 0) {
      // the script is busy with its own (synchronous or outside) work: the simulation stays frozen
      await new Promise<void>((r) => {
        wakeLoop = r;
        if (finished || waiting > 0) nudge();
      });
      continue;
    }
    kicked = false;
    try {
      await sched.run();
    } catch (e) {
      runErrors.push(e);
      for (const rej of [...rejecters]) rej(e);
    }
    if (virtualTime && !kicked && !finished && waiting > 0) {
      // run() came back on its own: nothing is left to happen, so what the script waits for never will
      for (const rej of [...rejecters]) rej(new Error('the scheduler ran out of events while the test waited'));
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  await done;
  if (outcome === undefined) throw new Error('script ended without an outcome');
  if (!outcome.ok) throw outcome.e;
  if (runErrors.length > 0) throw runErrors[0];
  return outcome.v;
}
