// `replcheck run --target etcd` through the real bin against real etcd 3.4 members in network
// namespaces: linearizable reads hold every guarantee under leader kills, partitions and pauses;
// serializable reads from an isolated member are stale; Ctrl-C and SIGTERM leave nothing behind.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonlHistory } from '../../src/history/jsonl.js';
import type { History } from '../../src/history/types.js';
import { APPEND_CHECKERS, assertNothingLeft, processesUnder, replcheck as replcheckIn, runDirs as runDirsIn } from '../support/real-run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'replcheck.js');
const dir = mkdtempSync(join(tmpdir(), 'replcheck-e2e-etcd-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runDirs = (name: string) => runDirsIn(dir, name);
const replcheck = (args: string[], tmp: string) => replcheckIn(dir, args, tmp);


function verdicts(out: string): Record<string, boolean | string> {
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  return Object.fromEntries(Object.entries(r.checkers as Record<string, { valid: boolean | string }>).map(([k, v]) => [k, v.valid]));
}

/** Leader kills, leader isolation and leader pauses in one schedule. */
const MIXED = join(dir, 'etcd-mixed.yaml');
writeFileSync(
  MIXED,
  `name: etcd-mixed
description: kill, isolate and pause the leader in turn
schedule:
  - { at: 2s, every: 7s, fault: kill-leader, restartAfter: 1s }
  - { at: 4500ms, every: 7s, fault: partition, shape: isolate-leader, duration: 1500ms }
  - { at: 7s, every: 7s, fault: pause-leader, duration: 1s }
`,
);

interface Anomaly {
  ops: number[];
  explanation: string;
  faults?: { f: string; relation: string; what: string }[];
}

function anomalies(out: string, checker: string): Anomaly[] {
  return (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { checkers: Record<string, { anomalies: Anomaly[] }> }).checkers[checker].anomalies;
}

/**
 * `served` from etcd's response headers: every ok op has it, with the raft term and the revision;
 * one leader per term at most (Raft's rule: a broken role or term would show several), both
 * leaders and followers answer, and nearly every answer's role is known (`member`: not yet learnt);
 * each ok append's revision is its own (a txn that put creates one).
 */
function assertServedEtcd(h: History): void {
  const ok = h.ops.filter((o) => o.type === 'ok' && !o.final);
  expect(ok.filter((o) => o.served === undefined || !['leader', 'follower', 'member'].includes(o.served.role) || !(o.served.term! >= 1) || !(o.served.pos! >= 1))).toEqual([]);
  const leadersOf = new Map<number, Set<string>>();
  for (const o of ok) if (o.served!.role === 'leader') leadersOf.set(o.served!.term!, (leadersOf.get(o.served!.term!) ?? new Set()).add(o.node!));
  expect([...leadersOf].filter(([, nodes]) => nodes.size > 1)).toEqual([]);
  expect(leadersOf.size, 'the leader faults made new terms, each with its leader').toBeGreaterThan(1);
  expect(ok.filter((o) => o.served!.role === 'follower').length).toBeGreaterThan(0);
  expect(ok.filter((o) => o.served!.role === 'member').length).toBeLessThan(ok.length * 0.05);
  const revisions = ok.filter((o) => o.f === 'append').map((o) => o.served!.pos);
  expect(new Set(revisions).size).toBe(revisions.length);
}

function nemesisFaults(out: string): string[] {
  return readJsonlHistory(join(out, 'history.jsonl')).nemesis.map((e) => e.f);
}

/**
 * A stale read's revision is older than each own write it missed (else the member's store would
 * hold them), its explanation names the member, role and term that served it, and the stale reads
 * of the cut-off member are tied to the partition that isolated it.
 */
function assertStaleReadsAttributed(h: History, stale: Anomaly[]): void {
  const byIndex = new Map(h.ops.map((o) => [o.completeIndex, o]));
  expect(stale.length).toBeGreaterThan(0);
  for (const a of stale) {
    const ops = a.ops.map((i) => byIndex.get(i)!);
    const read = ops[ops.length - 1];
    for (const w of ops.slice(0, -1)) expect(read.served!.pos!).toBeLessThan(w.served!.pos!);
    expect(a.explanation).toContain(`read from ${read.node} as ${read.served!.role} of term ${read.served!.term}`);
  }
  expect(stale.some((a) => a.faults?.some((f) => f.f === 'partition' && f.relation === 'during' && f.what.startsWith(`isolated ${byIndex.get(a.ops[a.ops.length - 1])!.node} from`)))).toBe(true);
}

describe('replcheck run --target etcd', () => {
  it('linearizable reads keep every append guarantee under leader kills, partitions and pauses', async () => {
    const { out, tmp } = runDirs('lin-append');
    const r = await replcheck(['run', '--target', 'etcd', '--nemesis', MIXED, '--time-limit', '15', '--out', out], tmp);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(verdicts(out)).toEqual(Object.fromEntries(APPEND_CHECKERS.map((c) => [c, true])));
    expect(new Set(nemesisFaults(out))).toEqual(new Set(['kill-leader', 'restart', 'partition', 'heal', 'pause-leader', 'resume']));
    assertServedEtcd(readJsonlHistory(join(out, 'history.jsonl')));
    await assertNothingLeft(r.stdout, tmp);
  });

  it('the register workload is linearizable under the same faults', async () => {
    const { out, tmp } = runDirs('lin-register');
    const r = await replcheck(['run', '--target', 'etcd', '--workload', 'register', '--nemesis', MIXED, '--time-limit', '15', '--out', out], tmp);
    expect(r.exitCode).toBe(0);
    expect(verdicts(out)).toEqual({ linearizable: true });
    await assertNothingLeft(r.stdout, tmp);
  });

  it('serializable reads from an isolated member are stale: read-your-writes and monotonic reads fail', async () => {
    const { out, tmp } = runDirs('ser-append');
    const r = await replcheck(['run', '--target', 'etcd', '--set', 'target.reads=serializable', '--nemesis', 'partition-majority', '--time-limit', '10', '--out', out], tmp);
    expect(r.exitCode).toBe(1);
    const v = verdicts(out);
    expect(v['read-your-writes']).toBe(false);
    expect(v['monotonic-reads']).toBe(false);
    // Stale is not lost, forked or divergent: etcd still holds every acknowledged append.
    expect([v['lost-writes'], v['consistent-prefix'], v.convergence]).toEqual([true, true, true]);
    assertStaleReadsAttributed(readJsonlHistory(join(out, 'history.jsonl')), anomalies(out, 'read-your-writes'));
    await assertNothingLeft(r.stdout, tmp);
  });

  it('serializable reads make the register not linearizable', async () => {
    const { out, tmp } = runDirs('ser-register');
    const r = await replcheck(['run', '--target', 'etcd', '--workload', 'register', '--set', 'target.reads=serializable', '--nemesis', 'partition-majority', '--time-limit', '10', '--out', out], tmp);
    expect(r.exitCode).toBe(1);
    expect(verdicts(out)).toEqual({ linearizable: false });
    await assertNothingLeft(r.stdout, tmp);
  });

  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${sig} mid-run stops every member, removes the namespaces and keeps a well-formed history (exit ${code})`, async () => {
      const { out, tmp } = runDirs(`signal-${sig}`);
      const child = replcheck(['run', '--target', 'etcd', '--nemesis', 'partition-leader', '--time-limit', '60', '--out', out], tmp);
      const hist = join(out, 'history.jsonl');
      const deadline = Date.now() + 30_000;
      // Stop it while the leader is cut off: the heal and the teardown must not trip over each other.
      const partitioned = (): boolean => existsSync(hist) && readFileSync(hist, 'utf8').includes('"f":"partition"');
      while (Date.now() < deadline && !partitioned()) await new Promise((r) => setTimeout(r, 50));
      expect(partitioned()).toBe(true);
      expect(processesUnder(tmp).length).toBeGreaterThanOrEqual(3);
      child.kill(sig);
      const r = await child;
      expect(r.exitCode).toBe(code);
      expect(r.stderr).toMatch(/interrupted; the history so far is in/);
      const lines = readFileSync(hist, 'utf8').split('\n').filter(Boolean);
      for (const l of lines) JSON.parse(l);
      // The interrupted run healed the partition it had made, and says so in the history.
      expect(lines.some((l) => l.includes('"f":"heal"'))).toBe(true);
      expect(readJsonlHistory(hist).eventCount).toBe(lines.length);
      await assertNothingLeft(r.stdout, tmp);
    });
  }

  it('SIGKILL of a runner in a session of its own mid-partition: the watchdog stops the members, removes namespaces and temp dir', async () => {
    const { out, tmp } = runDirs('sigkill');
    const child = execa('node', [BIN, 'run', '--target', 'etcd', '--nemesis', 'partition-leader', '--time-limit', '60', '--out', out], {
      cwd: dir,
      reject: false,
      detached: true,
      env: { NO_COLOR: '1', TMPDIR: tmp },
    });
    const hist = join(out, 'history.jsonl');
    const deadline = Date.now() + 40_000;
    const partitioned = (): boolean => existsSync(hist) && readFileSync(hist, 'utf8').includes('"f":"partition"');
    while (Date.now() < deadline && !partitioned()) await new Promise((r) => setTimeout(r, 100));
    expect(partitioned()).toBe(true);
    child.kill('SIGKILL');
    const r = await child;
    expect(r.signal).toBe('SIGKILL');
    const until = Date.now() + 15_000;
    while (Date.now() < until && (processesUnder(tmp).length > 0 || readdirSync(tmp).length > 0)) await new Promise((res) => setTimeout(res, 100));
    await assertNothingLeft(r.stdout, tmp);
  });

  it('a clock-skew schedule exits 2 before anything starts, saying why etcd has no clock capability', async () => {
    const { tmp } = runDirs('skew');
    const r = await replcheck(['run', '--target', 'etcd', '--nemesis', 'clock-skew'], tmp);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^replcheck: nemesis clock-skew: schedule\[0\]\.fault: clock-skew needs a target that can skew node clocks \(capability clock\); target etcd cannot \(its faults: kill, pause, partition, leader\): .*libfaketime/),
    ]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
