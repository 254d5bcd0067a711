// Which replication design keeps which guarantee, measured: each design runs on the memory target
// in-process through the runner with two seeds, and the checkers' verdicts must match the theory.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRunConfig } from '../src/config/load.js';
import { runTest } from '../src/runner/run.js';
import { designMatrix, runsDir, type Design } from './support/design-matrix.js';

const dir = runsDir('replcheck-matrix-');
const SEEDS = [1, 2];


const DESIGNS: Design[] = [
  {
    name: 'sync replication + leader reads under kill-leader keeps every guarantee',
    flags: { nemesis: 'kill-leader', timeLimit: 20, set: ['target.replication=sync', 'target.readFrom=leader'] },
    expect: { 'read-your-writes': true, 'read-your-writes-user': true, 'monotonic-reads': true, 'lost-writes': true, 'consistent-prefix': true, convergence: true },
  },
  {
    name: 'async replication + reads from any replica violates read-your-writes and monotonic reads',
    flags: { set: ['target.replication=async', 'target.readFrom=any'] },
    expect: { 'read-your-writes': false, 'monotonic-reads': false, 'lost-writes': true, convergence: true },
  },
  {
    name: 'sticky reads keep monotonic reads (but not read-your-writes)',
    flags: { set: ['target.readFrom=sticky'] },
    expect: { 'monotonic-reads': true, 'read-your-writes': false },
  },
  {
    name: 'read-your-writes routing keeps read-your-writes',
    flags: { set: ['target.readFrom=read-your-writes'] },
    expect: { 'read-your-writes': true },
  },
  {
    name: 'async failover with promote any loses acknowledged writes (leader isolated)',
    flags: { nemesis: 'partition-leader', timeLimit: 20, set: ['target.replication=async', 'target.failover.promote=any', 'target.readFrom=leader'] },
    expect: { 'lost-writes': false },
  },
  {
    name: 'semi-sync with most-up-to-date promotion loses no acknowledged write (leader isolated)',
    flags: { nemesis: 'partition-leader', timeLimit: 20, set: ['target.replication=semi-sync', 'target.failover.promote=most-up-to-date', 'target.readFrom=leader'] },
    expect: { 'lost-writes': true, 'consistent-prefix': true, convergence: true },
  },
  {
    name: 'no fencing + a paused leader yields anomalies (split brain)',
    flags: { nemesis: 'pause-leader', timeLimit: 20, set: ['target.failover.fencing=false', 'target.readFrom=leader'] },
    expect: { 'lost-writes': false, 'consistent-prefix': false },
  },
  {
    name: 'with fencing the same paused leader yields no anomaly (no replication lag: nothing left unshipped)',
    flags: { nemesis: 'pause-leader', timeLimit: 20, set: ['target.failover.fencing=true', 'target.readFrom=leader', 'target.lagMs=0'] },
    expect: { 'read-your-writes': true, 'monotonic-reads': true, 'lost-writes': true, 'consistent-prefix': true, convergence: true },
  },
  {
    name: 'async with lag: a paused fenced leader still loses the tail its stream had not shipped',
    flags: { nemesis: 'pause-leader', timeLimit: 20, set: ['target.failover.fencing=true', 'target.readFrom=leader'] },
    expect: { 'lost-writes': false },
  },
  {
    name: 'async + kill-leader + promote any loses acknowledged writes (the unshipped tail dies with the host)',
    flags: { target: 'memory-async-crash', nemesis: 'kill-leader', timeLimit: 20 },
    expect: { 'lost-writes': false },
  },
  {
    name: 'semi-sync + most-up-to-date + kill-leader loses no acknowledged write',
    flags: { nemesis: 'kill-leader', timeLimit: 20, set: ['target.replication=semi-sync', 'target.failover.promote=most-up-to-date', 'target.readFrom=leader'] },
    expect: { 'lost-writes': true, 'consistent-prefix': true, convergence: true },
  },
  {
    name: 'sync + most-up-to-date + kill-leader loses no acknowledged write',
    flags: { nemesis: 'kill-leader', timeLimit: 20, set: ['target.replication=sync', 'target.failover.promote=most-up-to-date', 'target.readFrom=leader'] },
    expect: { 'lost-writes': true, 'consistent-prefix': true, convergence: true },
  },
  {
    name: 'leaderless w=1 r=1 reads stale values',
    flags: { set: ['target.topology=leaderless', 'target.quorum={n: 3, w: 1, r: 1, readRepair: false}'] },
    expect: { 'read-your-writes': false },
  },
  {
    name: 'multi-leader last-write-wins under clock skew loses writes',
    flags: { nemesis: 'clock-skew', timeLimit: 20, set: ['target.topology=multi-leader'] },
    expect: { 'lost-writes': false },
  },
  {
    name: 'statement-based log with nondeterministic appends fails convergence',
    flags: { workload: 'append-nondeterministic', set: ['target.log=statement'] },
    expect: { convergence: false },
  },
  {
    name: 'row-based log with the same nondeterministic appends converges',
    flags: { workload: 'append-nondeterministic', set: ['target.log=row'] },
    expect: { convergence: true },
  },
  {
    name: 'statement-based log with deterministic statements only (nondeterministic share 0, VoltDB rule) converges',
    flags: { target: 'memory-statement-log', workload: 'append', set: ['workload.nondeterministic=0'] },
    expect: { convergence: true },
  },
  {
    name: 'mixed log (rows for nondeterministic statements) converges where statement diverges',
    flags: { target: 'memory-mixed-log', workload: 'append-nondeterministic' },
    expect: { convergence: true, 'lost-writes': true },
  },
  {
    name: 'trigger-based log: the replicated subset converges, reads from any replica are stale',
    flags: { target: 'memory-trigger-log' },
    expect: { convergence: true, 'lost-writes': true, 'read-your-writes': false, 'monotonic-reads': false },
  },
  {
    name: 'trigger-based log with read-your-writes routing keeps read-your-writes',
    flags: { target: 'memory-trigger-log', set: ['target.readFrom=read-your-writes'] },
    expect: { convergence: true, 'read-your-writes': true },
  },
  {
    name: 'session-scoped read-your-writes routing fails read-your-writes-user',
    flags: { set: ['target.readFrom=read-your-writes', 'target.readYourWritesScope=session'] },
    expect: { 'read-your-writes': true, 'read-your-writes-user': false },
  },
  {
    name: 'user-scoped read-your-writes routing keeps read-your-writes-user',
    flags: { set: ['target.readFrom=read-your-writes', 'target.readYourWritesScope=user'] },
    expect: { 'read-your-writes': true, 'read-your-writes-user': true },
  },
  {
    name: 'register: sync replication + leader reads stays linearizable under kill-leader',
    flags: { workload: 'register', nemesis: 'kill-leader', timeLimit: 20, set: ['target.replication=sync', 'target.readFrom=leader'] },
    expect: { linearizable: true },
  },
  {
    name: 'register: reads from any async replica are not linearizable',
    flags: { workload: 'register', set: ['target.replication=async', 'target.readFrom=any'] },
    expect: { linearizable: false },
  },
];


/**
 * Nondeterministic appends are recorded with the marker {"nondeterministic":"clock"} on the invoke
 * and the element the node computed on the ok completion. A sound design (sync, leader reads, row
 * log) must then keep every guarantee: the checkers take an ok append's element from its completion.
 */
describe('nondeterministic appends under a sound design', () => {
  it('row log + sync + leader reads keeps every append guarantee', async () => {
    const { config } = loadRunConfig({ workload: 'append-nondeterministic', seed: 1, set: ['target.log=row', 'target.replication=sync', 'target.readFrom=leader'] });
    const r = await runTest(config, { dir: join(dir, 'nd-sound'), html: false });
    const verdicts = Object.fromEntries(Object.entries(r.results!.checkers).map(([k, v]) => [k, v.valid]));
    expect(Object.values(verdicts).every((v) => v === true)).toBe(true);
  });
});

designMatrix('design matrix (memory target)', DESIGNS, dir, SEEDS);
