// The target conformance suite (DESIGN.md: one suite against every target): the Target contract
// — one completion per invoke, ok/fail/info meaning, final reads per live node, each declared
// capability doing what it claims as seen from outside, and a teardown that leaves nothing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/rng.js';
import { capabilitiesOf, type Completion, type FinalRead, type NodeId, type Target } from '../../../src/targets/types.js';
import type { Built, ConformanceAdapter, NodeView } from './adapter.js';
import { runScript, type Harness } from './harness.js';

const OPS = 200;
const SESSIONS = 6;
const KEYS = 3;
/** How long the mid-run fault lasts, ms of the target's clock (longer than any target's client timeout, so ops do time out). */
const FAULT_MS = 2500;
/** A paused or killed node must not answer a request within this long. */
const SILENT_MS = 500;
const TEST_MS = 120_000;
/** How long a partition holds after the writes made under it, ms (longer than any target's failover). */
const PARTITION_HOLD_MS = 3000;

interface OpRecord {
  process: number;
  session: string;
  f: string;
  key: string;
  value: unknown;
  /** How often done was called (exactly once is the contract). */
  calls: number;
  c?: Completion;
}

const TYPES = ['ok', 'fail', 'info'];

/** The contract's per-op rules over a set of records (check 1); one line per violation. */
function completionProblems(recs: OpRecord[], workload: 'append' | 'register'): string[] {
  const out: string[] = [];
  for (const r of recs) {
    const what = `${r.f} ${r.key} ${JSON.stringify(r.value)} by process ${r.process}`;
    if (r.calls !== 1) out.push(`${what}: done was called ${r.calls} times`);
    if (r.c === undefined) continue;
    if (!TYPES.includes(r.c.type)) out.push(`${what}: completion type ${JSON.stringify(r.c.type)}`);
    if (r.f === 'read' && r.c.type === 'info') out.push(`${what}: a read completed info (${r.c.error ?? ''}); a read that may not have happened is fail`);
    if (workload === 'append' && r.f === 'read' && r.c.type === 'ok' && !Array.isArray(r.c.value)) out.push(`${what}: an ok read returned ${JSON.stringify(r.c.value)}, not a list`);
    if (workload === 'append' && r.f === 'append' && r.c.type === 'ok' && r.c.value !== r.value) out.push(`${what}: an ok append returned ${JSON.stringify(r.c.value)}, not its element`);
  }
  return out;
}

/**
 * Check 2 for the append workload: every element an ok read (or a final read) returns was appended by
 * an op that completed ok or info, never by a failed one (elements are unique per key).
 */
function readSemanticsProblems(recs: OpRecord[], finals: Record<string, FinalRead[]>): string[] {
  const outcome = new Map<string, string>();
  for (const r of recs) if (r.f === 'append' && r.c !== undefined) outcome.set(`${r.key}/${JSON.stringify(r.value)}`, r.c.type);
  const out: string[] = [];
  const seen = (key: string, list: unknown, by: string): void => {
    if (!Array.isArray(list)) return;
    for (const e of list) {
      const o = outcome.get(`${key}/${JSON.stringify(e)}`);
      if (o === 'fail') out.push(`${by} of ${key} returned ${JSON.stringify(e)}, appended by an op that completed fail`);
      else if (o === undefined) out.push(`${by} of ${key} returned ${JSON.stringify(e)}, which no op appended`);
    }
  };
  for (const r of recs) if (r.f === 'read' && r.c?.type === 'ok') seen(r.key, r.c.value, `an ok read by process ${r.process}`);
  for (const [key, reads] of Object.entries(finals)) for (const fr of reads) if (fr.completion.type === 'ok') seen(key, fr.completion.value, `the final read on ${fr.node}`);
  return out;
}

/** Check 3: exactly one ok FinalRead per expected node, all with the same value; one line per violation. */
function finalReadProblems(finals: Record<string, FinalRead[]>, nodes: NodeId[]): string[] {
  const out: string[] = [];
  for (const [key, reads] of Object.entries(finals)) {
    const got = reads.map((r) => r.node).sort();
    if (JSON.stringify(got) !== JSON.stringify([...nodes].sort())) out.push(`${key}: final reads from [${got.join(', ')}], expected one from each of [${[...nodes].sort().join(', ')}]`);
    for (const r of reads) if (r.completion.type !== 'ok') out.push(`${key}: the final read on ${r.node} is ${r.completion.type}`);
    const values = new Set(reads.map((r) => JSON.stringify(r.completion.value)));
    if (values.size > 1) out.push(`${key}: nodes disagree: ${reads.map((r) => `${r.node}=${JSON.stringify(r.completion.value)}`).join(' ')}`);
  }
  return out;
}

/** Final reads of every key, repeated until they satisfy check 3 or settleMs passes; the last ones. */
async function settledFinalReads(h: Harness, keys: string[], nodes: NodeId[], settleMs: number): Promise<Record<string, FinalRead[]>> {
  let last: Record<string, FinalRead[]> = {};
  await h.until(settleMs, 200, async () => {
    const finals: Record<string, FinalRead[]> = {};
    for (const k of keys) finals[k] = await h.finalRead(k);
    last = finals;
    return finalReadProblems(finals, nodes).length === 0 ? true : undefined;
  });
  return last;
}

/** The view's facts that contradict "down" (killed) or "frozen" (paused); empty when it holds. */
function stillUp(v: NodeView, how: 'killed' | 'paused'): string[] {
  const out: string[] = [];
  if (v.answers) out.push(`it answered a request within ${SILENT_MS} ms`);
  if (how === 'killed') {
    if (v.process !== undefined && v.process !== 'gone') out.push(`its PID ${v.pid} is ${v.process}`);
    if (v.portRefused === false) out.push('its client port still accepts connections');
    if (v.replica === true) out.push('its replica still exists');
  } else {
    if (v.process !== undefined && v.process !== 'stopped') out.push(`its PID ${v.pid} is ${v.process}, not stopped (T)`);
    if (v.replica === false) out.push('its replica is gone (a pause must lose nothing)');
  }
  return out;
}

/** What an adapter must observe of a live node: its process (pid, state, client port) or its replica. */
function unobserved(v: NodeView, processes: boolean): string[] {
  if (!processes) return v.replica === undefined ? ['the adapter sees no replica'] : [];
  const out: string[] = [];
  if (v.pid === undefined) out.push('the adapter knows no PID for it');
  if (v.process === undefined) out.push('the adapter sees no process state');
  if (v.portRefused === undefined) out.push('the adapter does not try its client port');
  return out;
}

/** The facts that contradict "up again" after restart or resume. */
function notBack(v: NodeView): string[] {
  const out: string[] = [];
  if (!v.answers) out.push('it does not answer');
  if (v.process !== undefined && v.process !== 'running') out.push(`its PID ${v.pid} is ${v.process}`);
  if (v.replica === false) out.push('it has no replica');
  return out;
}

export function describeConformance(adapter: ConformanceAdapter): void {
  const run = <T>(t: Target, fn: (h: Harness) => Promise<T>): Promise<T> => runScript(t, adapter.virtualTime, fn);

  /** Tears down (even when the script fails) and returns what is left over, plus a teardown failure. */
  const tearDown = async (b: Built): Promise<{ left: string[]; failure?: unknown }> => {
    let left = ['the leftovers were never checked'];
    try {
      await run(b.target, async (h) => {
        try {
          await h.teardown();
        } finally {
          left = await b.observer.leftovers(h);
        }
      });
      return { left };
    } catch (failure) {
      return { left, failure };
    }
  };

  describe(`target conformance: ${adapter.name}`, () => {
    afterAll(() => adapter.dispose?.());

    describe('append workload, on one cluster', () => {
      let built: Built | undefined;
      let tornDown = false;
      const killed = new Set<NodeId>();
      const paused = new Set<NodeId>();
      const skewed = new Set<NodeId>();
      let partitioned = false;
      /** The concurrent run's records, re-checked for late second completions at teardown. */
      let concurrent: OpRecord[] = [];
      let concurrentKeys: string[] = [];

      const target = (): Target => {
        if (built === undefined) throw new Error('the cluster was not built');
        return built.target;
      };

      /** Undoes what earlier tests left (heal, resume, restart what they killed), then waits until every node answers. */
      const restore = async (h: Harness): Promise<void> => {
        const f = target().faults;
        if (partitioned && f.partition) await h.call(() => f.partition!.heal());
        partitioned = false;
        for (const n of paused) await h.call(() => f.pause!.resume(n));
        paused.clear();
        for (const n of killed) await h.call(() => f.kill!.restart(n));
        killed.clear();
        for (const n of skewed) await h.call(() => f.clock!.skewClock(n, 0));
        skewed.clear();
        let views: NodeView[] = [];
        const ok = await h.until(adapter.restartWithinMs, 200, async () => {
          views = await Promise.all(target().nodes().map((n) => built!.observer.view(h, n, 1000)));
          return views.every((v) => v.answers) ? true : undefined;
        });
        if (!ok) throw new Error(`the cluster is not healthy before the test: ${target().nodes().filter((_, i) => !views[i].answers).join(', ')} do not answer`);
        await built!.observer.record(h);
      };

      /** Nodes other than the one that really leads (all nodes when none does). */
      const followers = async (h: Harness): Promise<NodeId[]> => {
        const l = await built!.observer.leader(h);
        return target().nodes().filter((n) => n !== l);
      };

      const onCluster = <T>(fn: (h: Harness, t: Target) => Promise<T>): Promise<T> =>
        run(target(), async (h) => {
          await restore(h);
          return fn(h, target());
        });

      beforeAll(async () => {
        built = adapter.build('append');
        await run(built.target, async (h) => {
          await h.setup();
          await built!.observer.record(h);
        });
      }, TEST_MS);

      afterAll(async () => {
        if (built === undefined || tornDown) return;
        tornDown = true;
        const { left, failure } = await tearDown(built);
        expect(left, 'teardown after a failed test left things behind').toEqual([]);
        if (failure !== undefined) throw failure;
      }, TEST_MS);

      it(`declares exactly the capabilities ${adapter.capabilities.join(', ')}`, () => {
        expect(capabilitiesOf(target().faults)).toEqual(adapter.capabilities);
      });

      it(`exactly one completion per invoke: ${OPS} ops over ${SESSIONS} sessions with a fault in the middle; reads only see ok or info appends`, async () => {
        const { recs, fault } = await onCluster(async (h, t) => {
          const keys = Array.from({ length: KEYS }, (_, i) => `conc-k${i + 1}`);
          concurrentKeys = keys;
          const leader = await built!.observer.leader(h);
          // The mid-run fault hits a majority, the leader first (no quorum: writes and quorum reads time out),
          // for FAULT_MS: pause them (else kill them, else isolate each node).
          const nodes = t.nodes();
          const victims = [...(leader ? [leader] : []), ...nodes.filter((n) => n !== leader)].slice(0, Math.floor(nodes.length / 2) + 1);
          const f = t.faults;
          // (the sets let a later test undo the fault if this one dies half-way)
          const each = (set: Set<NodeId>, on: boolean, fn: (n: NodeId) => void) => () =>
            victims.forEach((v) => {
              fn(v);
              if (on) set.add(v);
              else set.delete(v);
            });
          const fault: { name: string; start(): void; stop(): void } | undefined = f.pause
            ? { name: `pause ${victims.join(' ')}`, start: each(paused, true, f.pause.pause), stop: each(paused, false, f.pause.resume) }
            : f.kill
              ? { name: `kill ${victims.join(' ')}`, start: each(killed, true, f.kill.kill), stop: each(killed, false, f.kill.restart) }
              : f.partition
                ? {
                    name: 'isolate every node',
                    start: () => {
                      f.partition!.partition(nodes.map((n) => [n]));
                      partitioned = true;
                    },
                    stop: () => {
                      f.partition!.heal();
                      partitioned = false;
                    },
                  }
                : undefined;
          const recs = await h.wait<OpRecord[]>(
            `${OPS} concurrent ops`,
            (resolve) => {
              const out: OpRecord[] = [];
              const rng = new Rng(11);
              const counters = new Map<string, number>();
              let issued = 0;
              let live = SESSIONS;
              let nextProcess = SESSIONS;
              let faultOver = fault === undefined;
              const maybeDone = (): void => {
                if (live === 0 && faultOver) resolve(out);
              };
              const session = (slot: number, process: number): void => {
                const client = t.client({ process, session: `s${slot}` });
                const step = (): void => {
                  if (issued >= OPS) {
                    live--;
                    return maybeDone();
                  }
                  if (issued++ === OPS / 2 && fault !== undefined) {
                    fault.start();
                    t.scheduler.after(FAULT_MS * 1e6, () => {
                      fault.stop();
                      faultOver = true;
                      maybeDone();
                    });
                  }
                  const key = rng.pick(keys);
                  const append = rng.chance(0.5);
                  const n = (counters.get(key) ?? 0) + 1;
                  if (append) counters.set(key, n);
                  const rec: OpRecord = { process, session: `s${slot}`, f: append ? 'append' : 'read', key, value: append ? n : null, calls: 0 };
                  out.push(rec);
                  client.invoke({ f: rec.f, key, value: rec.value }, (c) => {
                    rec.calls++;
                    if (rec.calls > 1) return;
                    rec.c = c;
                    // Jepsen's rule: a process whose op is indeterminate is done; the session goes on as a new one.
                    if (c.type === 'info') t.scheduler.after(1e6, () => session(slot, nextProcess++));
                    else t.scheduler.after(rng.between(0, 2) * 1e6, step);
                  });
                };
                step();
              };
              for (let s = 0; s < SESSIONS; s++) t.scheduler.after(0, () => session(s, s));
            },
            TEST_MS,
          );
          concurrent = recs;
          return { recs, fault: fault?.name };
        });
        expect(fault, 'the target declares no fault to inject mid-run').toBeDefined();
        expect(recs.length, 'invokes').toBe(OPS);
        expect(recs.filter((r) => r.calls >= 1).length, 'completions').toBe(OPS);
        expect(completionProblems(recs, 'append')).toEqual([]);
        expect(readSemanticsProblems(recs, {})).toEqual([]);
        // the fault really hit: some ops did not complete ok
        expect(recs.filter((r) => r.c?.type !== 'ok').length, `ops that did not complete ok under ${fault}`).toBeGreaterThan(0);
        // a working cluster completes most of its ops
        expect(recs.filter((r) => r.f === 'append' && r.c?.type === 'ok').length, 'ok appends').toBeGreaterThan(OPS / 10);
        expect(recs.filter((r) => r.f === 'read' && r.c?.type === 'ok').length, 'ok reads').toBeGreaterThan(OPS / 10);
      }, TEST_MS);

      it('finalRead: exactly one ok FinalRead per node, the same value on every node after settling; only ok/info appends in it', async () => {
        const { finals, nodes, recs } = await onCluster(async (h, t) => {
          // a key of its own too, so this check stands even when the concurrent run did not happen
          const own: OpRecord[] = [];
          for (let i = 1; i <= 5; i++) {
            const rec: OpRecord = { process: 100, session: 'fin', f: 'append', key: 'fin-k', value: i, calls: 0 };
            own.push(rec);
            rec.c = await h.wait<Completion>('append', (res) =>
              t.client({ process: 100, session: 'fin' }).invoke({ f: 'append', key: 'fin-k', value: i }, (c) => {
                rec.calls++;
                res(c);
              }),
            );
          }
          const keys = [...concurrentKeys, 'fin-k'];
          return { finals: await settledFinalReads(h, keys, t.nodes(), adapter.settleMs), nodes: t.nodes(), recs: [...concurrent, ...own] };
        });
        expect(finalReadProblems(finals, nodes)).toEqual([]);
        expect(readSemanticsProblems(recs, finals)).toEqual([]);
        expect(finals['fin-k'][0]?.completion.value, 'five sequential ok appends on a healthy cluster').toEqual(
          recs.filter((r) => r.key === 'fin-k' && r.c?.type === 'ok').map((r) => r.value),
        );
      }, TEST_MS);

      if (adapter.capabilities.includes('leader')) {
        it('leader: names the node that really leads', async () => {
          const seen = await onCluster(async (h, t) => {
            let named: NodeId | undefined;
            let real: NodeId | undefined;
            const agreed = await h.until(adapter.faultWithinMs, 100, async () => {
              named = t.faults.leader!.leader();
              real = await built!.observer.leader(h);
              return named !== undefined && named === real ? named : undefined;
            });
            return { agreed, named, real, nodes: t.nodes() };
          });
          expect(seen.real, 'the system has a leader').toBeDefined();
          expect({ leaderSays: seen.named, reallyLeads: seen.real }).toEqual({ leaderSays: seen.real, reallyLeads: seen.real });
          expect(seen.nodes).toContain(seen.agreed);
        }, TEST_MS);
      }

      if (adapter.capabilities.includes('clock')) {
        it('clock: skewClock moves that node clock by the offset (and only that node), 0 resets it', async () => {
          const r = await onCluster(async (h, t) => {
            const [other, n] = t.nodes();
            const offset = async (id: NodeId): Promise<number> => built!.observer.clockOffsetMs!(h, id);
            await h.call(() => t.faults.clock!.skewClock(n, 7000));
            skewed.add(n);
            const skewedMs =
              (await h.until(adapter.faultWithinMs, 50, async () => {
                const o = await offset(n);
                return Math.abs(o - 7000) < 1 ? o : undefined;
              })) ?? (await offset(n));
            const otherMs = await offset(other);
            await h.call(() => t.faults.clock!.skewClock(n, 0));
            const resetMs =
              (await h.until(adapter.faultWithinMs, 50, async () => {
                const o = await offset(n);
                return Math.abs(o) < 1 ? o : undefined;
              })) ?? (await offset(n));
            skewed.delete(n);
            return { skewedMs, otherMs, resetMs };
          });
          expect(r.skewedMs, 'offset after skewClock(n, 7000)').toBeCloseTo(7000, 0);
          expect(r.otherMs, 'another node is not moved').toBeCloseTo(0, 0);
          expect(r.resetMs, 'offset after skewClock(n, 0)').toBeCloseTo(0, 0);
        }, TEST_MS);
      }

      if (adapter.capabilities.includes('lag')) {
        it('lag: lagSamples() has samples of every node, with finite non-negative lag, taken during the run', async () => {
          const r = await onCluster(async (h, t) => {
            await h.sleep(1000);
            return { samples: t.faults.lag!.lagSamples().slice(), nowNs: t.scheduler.nowNs(), nodes: t.nodes() };
          });
          expect(r.samples.length).toBeGreaterThan(0);
          expect(new Set(r.samples.map((s) => s.node))).toEqual(new Set(r.nodes));
          expect(r.samples.filter((s) => !(Number.isFinite(s.lagMs) && s.lagMs >= 0))).toEqual([]);
          // (the contract says nothing about their order: consumers sort them per node)
          expect(r.samples.filter((s) => s.timeNs < 0 || s.timeNs > r.nowNs), 'samples outside the run').toEqual([]);
        }, TEST_MS);
      }

      if (adapter.capabilities.includes('pause')) {
        it(`pause: a paused node answers nothing (no answer within ${SILENT_MS} ms, process stopped) until resumed; then it answers again`, async () => {
          const r = await onCluster(async (h, t) => {
            const victim = (await followers(h))[0];
            const before = await built!.observer.view(h, victim, 2000);
            await h.call(() => t.faults.pause!.pause(victim));
            paused.add(victim);
            // (a fault made in the background may take a moment; after that it must hold)
            await h.until(adapter.faultWithinMs, 50, async () => (stillUp(await built!.observer.view(h, victim, SILENT_MS), 'paused').length === 0 ? true : undefined));
            const during: string[] = [];
            for (let k = 0; k < 3; k++) {
              during.push(...stillUp(await built!.observer.view(h, victim, SILENT_MS), 'paused').map((p) => `probe ${k + 1}: ${p}`));
              await h.sleep(200);
            }
            await h.call(() => t.faults.pause!.resume(victim));
            paused.delete(victim);
            let after: NodeView | undefined;
            await h.until(adapter.faultWithinMs, 100, async () => {
              after = await built!.observer.view(h, victim, 1000);
              return notBack(after).length === 0 ? true : undefined;
            });
            return { victim, before, during, after: after! };
          });
          expect(unobserved(r.before, adapter.processes), `what the adapter sees of ${r.victim}`).toEqual([]);
          expect(notBack(r.before), `${r.victim} before the pause`).toEqual([]);
          expect(r.during, `${r.victim} while paused`).toEqual([]);
          expect(notBack(r.after), `${r.victim} after resume`).toEqual([]);
          if (r.before.pid !== undefined) expect(r.after.pid, 'the same process goes on after resume').toBe(r.before.pid);
        }, TEST_MS);
      }

      if (adapter.capabilities.includes('partition')) {
        it('partition: traffic between groups is cut and flows within them, clients still reach every node; heal: it flows again, and writes made meanwhile converge', async () => {
          const r = await onCluster(async (h, t) => {
            const nodes = t.nodes();
            const leader = (await built!.observer.leader(h)) ?? nodes[0];
            const groups = [[leader], nodes.filter((n) => n !== leader)];
            const same = (a: NodeId, b: NodeId): boolean => groups.some((g) => g.includes(a) && g.includes(b));
            const pairs = nodes.flatMap((a) => nodes.filter((b) => b !== a).map((b) => [a, b] as const));
            const matrix = async (): Promise<Record<string, boolean>> => {
              const flows = await Promise.all(pairs.map(([a, b]) => built!.observer.flows(h, a, b)));
              return Object.fromEntries(pairs.map(([a, b], i) => [`${a}->${b}`, flows[i]]));
            };
            const want = (cut: boolean): Record<string, boolean> => Object.fromEntries(pairs.map(([a, b]) => [`${a}->${b}`, !cut || same(a, b)]));
            const settle = async (expected: Record<string, boolean>): Promise<Record<string, boolean>> => {
              let last: Record<string, boolean> = {};
              await h.until(adapter.faultWithinMs, 100, async () => {
                last = await matrix();
                return JSON.stringify(last) === JSON.stringify(expected) ? true : undefined;
              });
              return last;
            };
            const before = await matrix();
            await h.call(() => t.faults.partition!.partition(groups));
            partitioned = true;
            const during = await settle(want(true));
            const views = await Promise.all(nodes.map((n) => built!.observer.view(h, n, 2000)));
            const unreachable = nodes.filter((_, i) => !views[i].answers);
            // Appends while partitioned (wherever the target sends them; any outcome), then heal: the
            // nodes must agree again after settling, whatever the side that took the writes.
            const appended: OpRecord[] = [];
            for (let i = 1; i <= 3; i++) {
              const rec: OpRecord = { process: 300, session: 'part', f: 'append', key: 'part-k', value: i, calls: 0 };
              appended.push(rec);
              rec.c = await h.wait<Completion>('append', (res) =>
                t.client({ process: 300 + i, session: 'part' }).invoke({ f: 'append', key: 'part-k', value: i }, (c) => {
                  rec.calls++;
                  res(c);
                }),
              );
            }
            // long enough for the majority side to fail over (every target's failover takes well under this)
            await h.sleep(PARTITION_HOLD_MS);
            await h.call(() => t.faults.partition!.heal());
            partitioned = false;
            const after = await settle(want(false));
            const finals = await settledFinalReads(h, ['part-k'], nodes, adapter.settleMs);
            return { groups, before, during, after, unreachable, want, appended, finals, nodes };
          });
          expect(r.before, 'links before the partition').toEqual(r.want(false));
          expect(r.during, `links under partition ${JSON.stringify(r.groups)}`).toEqual(r.want(true));
          expect(r.unreachable, 'nodes a client on the host cannot reach under the partition').toEqual([]);
          expect(r.after, 'links after heal').toEqual(r.want(false));
          expect(completionProblems(r.appended, 'append')).toEqual([]);
          expect(
            finalReadProblems(r.finals, r.nodes),
            `final reads ${adapter.settleMs} ms after heal; the appends under the partition completed ${r.appended.map((a) => `${a.value}:${a.c?.type}@${a.c?.node ?? '?'}`).join(' ')}`,
          ).toEqual([]);
          expect(readSemanticsProblems(r.appended, r.finals)).toEqual([]);
        }, TEST_MS);
      }

      if (adapter.capabilities.includes('kill')) {
        it('kill: the node answers nothing (process gone, port refused); finalRead then reads only the others; restart: it answers again and catches up', async () => {
          const r = await onCluster(async (h, t) => {
            const victim = (await followers(h)).slice(-1)[0];
            const others = t.nodes().filter((n) => n !== victim);
            const before = await built!.observer.view(h, victim, 2000);
            await h.call(() => t.faults.kill!.kill(victim));
            killed.add(victim);
            let down: NodeView | undefined;
            await h.until(adapter.faultWithinMs, 100, async () => {
              down = await built!.observer.view(h, victim, SILENT_MS);
              return stillUp(down, 'killed').length === 0 ? true : undefined;
            });
            const client = t.client({ process: 200, session: 'kill' });
            const appended: OpRecord[] = [];
            for (let i = 1; i <= 3; i++) {
              const rec: OpRecord = { process: 200, session: 'kill', f: 'append', key: 'kill-k', value: i, calls: 0 };
              appended.push(rec);
              rec.c = await h.wait<Completion>('append', (res) =>
                client.invoke({ f: 'append', key: 'kill-k', value: i }, (c) => {
                  rec.calls++;
                  res(c);
                }),
              );
            }
            const finalsDown = await settledFinalReads(h, ['kill-k'], others, adapter.settleMs);
            await h.call(() => t.faults.kill!.restart(victim));
            killed.delete(victim);
            let back: NodeView | undefined;
            await h.until(adapter.restartWithinMs, 200, async () => {
              back = await built!.observer.view(h, victim, 1000);
              return notBack(back).length === 0 ? true : undefined;
            });
            await built!.observer.record(h);
            const finalsBack = await settledFinalReads(h, ['kill-k'], t.nodes(), adapter.settleMs);
            return { victim, others, nodes: t.nodes(), before, down: down!, back: back!, appended, finalsDown, finalsBack };
          });
          expect(unobserved(r.before, adapter.processes), `what the adapter sees of ${r.victim}`).toEqual([]);
          expect(notBack(r.before), `${r.victim} before the kill`).toEqual([]);
          expect(stillUp(r.down, 'killed'), `${r.victim} after kill`).toEqual([]);
          expect(completionProblems(r.appended, 'append')).toEqual([]);
          expect(finalReadProblems(r.finalsDown, r.others), `final reads with ${r.victim} killed`).toEqual([]);
          expect(readSemanticsProblems(r.appended, r.finalsDown)).toEqual([]);
          expect(notBack(r.back), `${r.victim} after restart (within ${adapter.restartWithinMs} ms)`).toEqual([]);
          if (r.before.pid !== undefined) expect(r.back.pid, 'a restart is a new process').not.toBe(r.before.pid);
          expect(finalReadProblems(r.finalsBack, r.nodes), `final reads after ${r.victim} restarted`).toEqual([]);
          expect(readSemanticsProblems(r.appended, r.finalsBack)).toEqual([]);
        }, TEST_MS);
      }

      it('teardown leaves nothing behind (processes, temp dirs, namespaces, links, timers), and no op ever completes twice', async () => {
        if (built === undefined) throw new Error('the cluster was not built');
        tornDown = true;
        const { left, failure } = await tearDown(built);
        expect(left).toEqual([]);
        if (failure !== undefined) throw failure;
        expect(concurrent.filter((r) => r.calls !== 1).map((r) => `${r.f} ${r.key} ${JSON.stringify(r.value)}: done called ${r.calls} times`)).toEqual([]);
      }, TEST_MS);
    });

    it('register workload: read of an absent key, write, cas that holds and one that does not; final reads agree', async () => {
      const b = adapter.build('register');
      const recs: OpRecord[] = [];
      let finals: Record<string, FinalRead[]> = {};
      let nodes: NodeId[] = [];
      let failure: unknown;
      try {
        await run(b.target, async (h) => {
          await h.setup();
          await b.observer.record(h);
          const t = b.target;
          nodes = t.nodes();
          const op = async (f: string, value: unknown): Promise<Completion> => {
            const rec: OpRecord = { process: 0, session: 'reg', f, key: 'reg-r', value, calls: 0 };
            recs.push(rec);
            rec.c = await h.wait<Completion>(f, (res) =>
              t.client({ process: 0, session: 'reg' }).invoke({ f, key: 'reg-r', value }, (c) => {
                rec.calls++;
                res(c);
              }),
            );
            return rec.c;
          };
          await op('read', null);
          await op('write', 1);
          await op('read', null);
          await op('cas', [1, 2]);
          await op('cas', [1, 3]);
          await op('read', null);
          finals = await settledFinalReads(h, ['reg-r'], nodes, adapter.settleMs);
          await h.sleep(200); // a second completion would come by now
        });
      } catch (e) {
        failure = e;
      }
      const { left, failure: tdFailure } = await tearDown(b);
      expect(left, 'teardown of the register cluster').toEqual([]);
      if (failure !== undefined) throw failure;
      if (tdFailure !== undefined) throw tdFailure;
      expect(completionProblems(recs, 'register')).toEqual([]);
      expect(recs.map((r) => `${r.f} ${JSON.stringify(r.value)}: ${r.c?.type}`)).toEqual([
        'read null: ok',
        'write 1: ok',
        'read null: ok',
        'cas [1,2]: ok',
        'cas [1,3]: fail',
        'read null: ok',
      ]);
      expect(recs[0].c?.value, 'an absent register reads null').toBeNull();
      // ok reads see only values written by ok/info ops: never 3 (its cas failed)
      expect([null, 1]).toContainEqual(recs[2].c?.value);
      expect([null, 1, 2]).toContainEqual(recs[5].c?.value);
      expect(finalReadProblems(finals, nodes)).toEqual([]);
      expect(finals['reg-r']?.[0]?.completion.value).toBe(2);
    }, TEST_MS);
  });
}
