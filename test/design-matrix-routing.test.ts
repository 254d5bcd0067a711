// The seed's read-after-write strategies as routing policies, measured like test/design-matrix:
// each design runs on the memory target in-process through the runner with two seeds, and the
// checkers' verdicts must match what the design implies (docs/knobs.md, src/replication/README.md).
//
// Most rows use a read-heavy mix (1 append in 11 ops): with the default half-writes mix every
// session writes every few milliseconds, so leader-after-write would read from the leader nearly
// always and could not fail. The replication lag is 5-50 ms (plus 1-5 ms latency).

import { designMatrix, runsDir, type Design } from './support/design-matrix.js';

const dir = runsDir('replcheck-matrix-routing-');
const SEEDS = [1, 2];
const READ_HEAVY = 'workload.mix={append: 1, read: 10}';


const law = (window: string, scope: 'session' | 'user', ...more: string[]): string[] => [
  READ_HEAVY,
  `target.leaderWindowMs=${window}`,
  `target.readYourWritesScope=${scope}`,
  ...more,
];

const DESIGNS: Design[] = [
  {
    name: 'leader-after-write, window (150 ms) longer than the lag, per-device metadata: read-your-writes holds, cross-device fails',
    flags: { target: 'memory-leader-after-write', set: law('150ms', 'session') },
    expect: { 'read-your-writes': true, 'read-your-writes-user': false, 'lost-writes': true },
  },
  {
    name: 'leader-after-write with per-user metadata kept centrally by the router keeps cross-device read-your-writes',
    flags: { target: 'memory-leader-after-write', set: law('150ms', 'user') },
    expect: { 'read-your-writes': true, 'read-your-writes-user': true, 'lost-writes': true },
  },
  {
    name: 'leader-after-write with a window (20 ms) shorter than the replication lag fails read-your-writes',
    flags: { target: 'memory-leader-after-write', set: law('20ms', 'user') },
    expect: { 'read-your-writes': false, 'read-your-writes-user': false, 'monotonic-reads': false },
  },
  {
    name: 'owner-on-leader when users write only their own keys keeps read-your-writes (also cross-device), not monotonic reads',
    flags: { target: 'memory-owner-on-leader', workload: 'append-owned' },
    expect: { 'read-your-writes': true, 'read-your-writes-user': true, 'monotonic-reads': false, 'lost-writes': true },
  },
  {
    name: 'owner-on-leader when anyone writes any key (nothing owned) fails read-your-writes',
    flags: { target: 'memory-owner-on-leader', workload: 'append' },
    expect: { 'read-your-writes': false, 'read-your-writes-user': false },
  },
  {
    name: "datacenters, a user's devices in different datacenters: per-user read-your-writes positions fail cross-device",
    flags: { target: 'memory-datacenters' },
    expect: { 'read-your-writes': true, 'read-your-writes-user': false, 'lost-writes': true },
  },
  {
    name: "datacenters, all of a user's devices routed to one datacenter: cross-device read-your-writes holds",
    flags: { target: 'memory-datacenters-home' },
    expect: { 'read-your-writes': true, 'read-your-writes-user': true, 'lost-writes': true },
  },
  {
    name: "datacenters + leader-after-write per user, devices in different datacenters: cross-device fails",
    flags: { target: 'memory-datacenters', set: law('150ms', 'user', 'target.readFrom=leader-after-write') },
    expect: { 'read-your-writes': true, 'read-your-writes-user': false },
  },
  {
    name: 'datacenters + leader-after-write per user, routed to the home datacenter: cross-device holds',
    flags: { target: 'memory-datacenters-home', set: law('150ms', 'user', 'target.readFrom=leader-after-write') },
    expect: { 'read-your-writes': true, 'read-your-writes-user': true },
  },
  {
    name: 'leader-after-write (150 ms) under partition-majority fails read-your-writes: a cut-off follower falls 2 s behind',
    flags: { target: 'memory-leader-after-write', nemesis: 'partition-majority', timeLimit: 20, set: law('150ms', 'session', 'target.replication=semi-sync') },
    expect: { 'read-your-writes': false, 'lost-writes': true },
  },
  {
    name: 'leader-after-write with a window (3 s) longer than the partition keeps read-your-writes under partition-majority',
    flags: { target: 'memory-leader-after-write', nemesis: 'partition-majority', timeLimit: 20, set: law('3s', 'session', 'target.replication=semi-sync') },
    expect: { 'read-your-writes': true, 'lost-writes': true },
  },
  {
    name: 'read-your-writes positions under the same partitions keep read-your-writes (a stale replica redirects)',
    flags: { target: 'memory-leader-after-write', nemesis: 'partition-majority', timeLimit: 20, set: law('150ms', 'session', 'target.replication=semi-sync', 'target.readFrom=read-your-writes') },
    expect: { 'read-your-writes': true, 'lost-writes': true },
  },
];


designMatrix('design matrix: read-after-write routing (memory target)', DESIGNS, dir, SEEDS);
