// One run from setup to teardown: clients driven by the generator, the nemesis on its schedule,
// every invoke/completion recorded as it happens; then heal, settle, final reads on every node.

import type { RunConfig } from '../config/types.js';
import type { History } from '../history/types.js';
import { createNemesis, validateSchedule } from '../nemesis/interpreter.js';
import { Rng } from '../rng.js';
import type { Client, Completion, Invocation, LagSample, Target } from '../targets/types.js';
import { clientSlots, createGenerator, type ClientSlot } from '../workload/index.js';
import { createDriver } from './drive.js';
import { historySink } from './history-sink.js';
import { createTarget, type TargetFactory } from './targets.js';

const NS_PER_MS = 1_000_000;
/**
 * The least (virtual) time between two ops of a process, ns: with zero think time, latency and lag
 * a simulation's clock could otherwise stand still while the history grows without end.
 */
export const MIN_THINK_NS = 100_000;
const TEARDOWN_WAIT_MS = 5000;

export interface ExecuteOptions {
  /** Where history.jsonl goes. */
  historyPath: string;
  /** Builds the target (default: by config.target.type). */
  makeTarget?: TargetFactory;
  /** Called now and then with the number of client ops completed (or virtual ms for time-only runs). */
  onProgress?: (done: number) => void;
  /** Aborting stops the run where it is: the history so far is flushed, the target torn down. */
  signal?: AbortSignal;
  /** Keep the target's temp dirs after the run (`--keep`). */
  keep?: boolean;
  /** Called once the target is set up, with its own lines about where its nodes are. */
  onReady?: (about: string[]) => void;
}

export interface Execution {
  /** The validated history, or undefined when the run was interrupted. */
  history?: History;
  interrupted: boolean;
  /** Client operations issued by the workload (final reads excluded). */
  opsIssued: number;
  lag: LagSample[];
  historyPath: string;
  /** Resolves once the history file is synced to disk and closed (it is complete for readers before). */
  durable: Promise<void>;
}

/** A client session as one process. Its callbacks are made once, not per op. */
interface ClientState {
  slot: ClientSlot;
  process: number;
  client: Client;
  /** The op in flight (a client has at most one), until it is answered. */
  op: Invocation | undefined;
  answer: (c: Completion) => void;
  issueNext: () => void;
}

/** What progress counts: ops for op-limited runs, virtual ms for time-only runs. */
export function progressTotal(config: RunConfig): { total: number; unit: 'ops' | 'ms' } {
  const w = config.workload;
  return w.ops > 0 ? { total: w.ops, unit: 'ops' } : { total: w.timeLimitMs, unit: 'ms' };
}

export async function executeRun(config: RunConfig, opts: ExecuteOptions): Promise<Execution> {
  const rng = new Rng(config.seed);
  const targetRng = rng.fork();
  const workloadRng = rng.fork();
  const nemesisRng = rng.fork();
  const thinkRng = rng.fork();
  const target: Target = (opts.makeTarget ?? createTarget)(config, targetRng, { keep: opts.keep });
  const sched = target.scheduler;
  validateSchedule(config.nemesis, target);

  let durable: Promise<void> = Promise.resolve();
  const sink = historySink(sched, opts.historyPath);

  const w = config.workload;
  const gen = createGenerator(w, workloadRng);
  const nemesis = createNemesis(config.nemesis, {
    nodes: target.nodes(),
    faults: target.faults,
    scheduler: sched,
    rng: nemesisRng,
    record: (f, value) => sink.add({ process: 'nemesis', type: 'info', f, value }),
  });
  const driver = createDriver(sched);
  const progress = progressTotal(config);

  let nextProcess = 0;
  let opsIssued = 0;
  let opsDone = 0;
  let inFlight = 0;
  let generating = false;
  let startNs = 0;
  let limitTimer: { cancel(): void } | undefined;
  let interrupted = false;
  let tornDown = false;

  const think = (): number => Math.max(MIN_THINK_NS, Math.round(thinkRng.between(w.thinkMs[0], w.thinkMs[1]) * NS_PER_MS));

  const newClient = (slot: ClientSlot): ClientState => {
    const process = nextProcess++;
    const session = { process, session: slot.session, ...(slot.user !== undefined ? { user: slot.user } : {}) };
    const st: ClientState = { slot, process, client: target.client(session), op: undefined, answer: () => undefined, issueNext: () => undefined };
    st.answer = (c) => answered(st, c);
    st.issueNext = () => issue(st);
    return st;
  };

  const teardown = (): void => {
    if (tornDown) return;
    tornDown = true;
    target.teardown(() => driver.finish());
  };

  const finalReads = (): void => {
    const keys = gen.keys();
    let k = 0;
    const nextKey = (): void => {
      if (interrupted) return;
      if (k >= keys.length) {
        teardown();
        return;
      }
      const key = keys[k++];
      const byNode = new Map<string, number>();
      for (const node of target.nodes()) {
        const process = nextProcess++;
        byNode.set(node, process);
        sink.add({ process, type: 'invoke', f: 'read', key, value: null, node, final: true });
      }
      target.finalRead(key, (reads) => {
        if (interrupted) return;
        for (const r of reads) {
          let process = byNode.get(r.node);
          if (process === undefined) {
            process = nextProcess++;
            sink.add({ process, type: 'invoke', f: 'read', key, value: null, node: r.node, final: true });
          }
          byNode.delete(r.node);
          sink.complete(process, undefined, { f: 'read', key, value: null }, { ...r.completion, node: r.node }, true);
        }
        for (const [node, process] of byNode) {
          sink.add({ process, type: 'fail', f: 'read', key, value: null, node, final: true, error: 'node did not answer the final read' });
        }
        nextKey();
      });
    };
    nextKey();
  };

  const maybeWindDown = (): void => {
    if (generating || inFlight > 0 || interrupted) return;
    sched.after(Math.round(config.target.settleMs * NS_PER_MS), finalReads);
  };

  const stopGenerating = (): void => {
    if (!generating) return;
    generating = false;
    limitTimer?.cancel();
    nemesis.stop();
    nemesis.healAll();
    maybeWindDown();
  };

  const issue = (st: ClientState): void => {
    if (!generating || interrupted) return;
    if (w.ops > 0 && opsIssued >= w.ops) {
      stopGenerating();
      return;
    }
    opsIssued++;
    inFlight++;
    const op = gen.next(st.slot);
    sink.invoke(st.process, st.slot, op);
    st.op = op;
    st.client.invoke(op, st.answer);
  };

  /** The client's op completed (a second answer to one op is ignored). */
  const answered = (st: ClientState, c: Completion): void => {
    const op = st.op;
    if (op === undefined || interrupted) return;
    st.op = undefined;
    inFlight--;
    opsDone++;
    sink.complete(st.process, st.slot, op, c, false);
    // After an indeterminate op a process never issues another; the client goes on as a new one.
    const next = c.type === 'info' ? newClient(st.slot) : st;
    if (opsDone % 64 === 0 && progress.unit === 'ops') opts.onProgress?.(opsDone);
    if (!generating) {
      maybeWindDown();
      return;
    }
    if (w.ops > 0 && opsIssued >= w.ops) {
      stopGenerating();
      return;
    }
    sched.after(think(), next.issueNext);
  };

  const start = (): void => {
    if (interrupted) return;
    opts.onReady?.(target.about?.() ?? []);
    startNs = sched.nowNs();
    generating = true;
    nemesis.start();
    if (w.timeLimitMs > 0) limitTimer = sched.after(Math.round(w.timeLimitMs * NS_PER_MS), stopGenerating);
    for (const slot of clientSlots(w)) {
      sched.after(think(), newClient(slot).issueNext);
    }
  };

  const onAbort = (): void => {
    if (interrupted || tornDown) return;
    interrupted = true;
    generating = false;
    nemesis.stop();
    // Undo what the nemesis did (a partition command on the user's cluster must not stay in place).
    nemesis.healAll();
    sink.flush();
    teardown();
  };
  opts.signal?.addEventListener('abort', onAbort);
  if (opts.signal?.aborted) onAbort();

  try {
    target.setup(start);
    await driver.run(() => {
      if (progress.unit === 'ms') opts.onProgress?.(Math.min(progress.total, (sched.nowNs() - startNs) / NS_PER_MS));
    });
  } catch (e) {
    // Whatever went wrong, stop the target (its processes) before reporting the error.
    if (!tornDown) await bestEffortTeardown(target);
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    // (written whole now; synced to disk meanwhile, off this thread)
    durable = sink.closeDurable();
  }
  const lag = target.faults.lag?.lagSamples() ?? [];
  if (interrupted) return { interrupted, opsIssued, lag, historyPath: opts.historyPath, durable };
  opts.onProgress?.(progress.total);
  return { history: sink.finish(), interrupted, opsIssued, lag, historyPath: opts.historyPath, durable };
}

/** Tears a target down after a failure, waiting at most TEARDOWN_WAIT_MS. */
async function bestEffortTeardown(target: Target): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, TEARDOWN_WAIT_MS)));
  try {
    target.teardown(() => target.scheduler.stop());
    await Promise.race([target.scheduler.run().catch(() => undefined), timeout]);
  } catch {
    // best effort: the target's own exit hooks are the last line of defence
  } finally {
    clearTimeout(timer);
  }
}
