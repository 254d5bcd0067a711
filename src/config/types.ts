// The run configuration (Jepsen's test map): one plain object, validated once, passed down typed.
// Durations are milliseconds here; YAML may write them as "5s", "200ms" or plain numbers (ms).

export type Topology = 'single-leader' | 'multi-leader' | 'leaderless';
export type ReplicationMode = 'sync' | 'async' | 'semi-sync';
export type ReadFrom = 'leader' | 'any' | 'sticky' | 'read-your-writes' | 'bounded-lag' | 'leader-after-write' | 'owner-on-leader';
/** row: logical row changes; statement: re-executed statements; mixed: statements, rows for nondeterministic ones; trigger: a changes table shipped in batches. */
export type LogMode = 'row' | 'statement' | 'mixed' | 'trigger';
export type Range = [number, number];

export interface FailoverConfig {
  /** Elect a new leader automatically after `timeoutMs` without hearing from the leader. */
  enabled: boolean;
  timeoutMs: number;
  promote: 'most-up-to-date' | 'any';
  /** With fencing a deposed leader (older term) can no longer commit; without it, split brain. */
  fencing: boolean;
}

/** `log: trigger`: which keys the triggers capture, and how the capture process ships them. */
export interface TriggerConfig {
  /** Key patterns (`*` any run of characters, `?` one character); only matching keys are replicated. */
  keys: string[];
  /** The capture process reads the changes table this often, ms. */
  batchMs: number;
  /** ...and ships at most this many changes per read. */
  batchSize: number;
}

export interface QuorumConfig {
  n: number;
  w: number;
  r: number;
  readRepair: boolean;
}

/** One datacenter: a name and the nodes in it ("n1".."nN"). */
export interface DatacenterConfig {
  name: string;
  nodes: string[];
}

export interface DatacentersConfig {
  sites: DatacenterConfig[];
  /** One-way latency between two datacenters, ms (within one: the design's latencyMs). */
  latencyMs: Range;
  /**
   * Which datacenter a session (device) connects to: `per-device`, session s<i> to site i mod
   * sites (a user's devices land in different datacenters); `user-home`, every device of user
   * u<j> is routed to site j mod sites.
   */
  placement: 'per-device' | 'user-home';
}

/** The `target:` section of a replication design replcheck runs itself (memory simulator, http cluster). */
export interface DesignConfig {
  /** Built-in kind. */
  type: 'memory' | 'http';
  /** Short name for reports (preset name or file stem). */
  name: string;
  /** One line for `replcheck list` (optional). */
  description?: string;
  nodes: number;
  topology: Topology;
  replication: ReplicationMode;
  readFrom: ReadFrom;
  /**
   * Scope of the router's last-write metadata (read-your-writes positions, leader-after-write
   * times): per session (device), or per user, kept centrally so every device of a user sees it.
   */
  readYourWritesScope: 'session' | 'user';
  /** leader-after-write: read from the leader for this long after the scope's own last write. */
  leaderWindowMs: number;
  /** Memory target only: datacenters with their nodes, the latency between them, and session placement. */
  datacenters?: DatacentersConfig;
  /** bounded-lag: no reads from a replica lagging more than this. */
  maxLagMs: number;
  failover: FailoverConfig;
  quorum: QuorumConfig;
  conflicts: 'lww';
  log: LogMode;
  /** `log: trigger` only (defaults: every key, 200 ms, 100 changes; src/replication/trigger.ts). */
  trigger?: TriggerConfig;
  /**
   * Replication delay range per follower, ms, network latency excluded. Single-leader: spent on the
   * leader's side (its replication stream hands an entry to the network this long after the write),
   * so a crashed leader loses its unshipped tail; multi-leader: on the receiver's side.
   */
  lagMs: Range;
  /** One-way network latency range, ms. */
  latencyMs: Range;
  /** A client gives up after this long: the op completes `info` (or `fail` for reads). */
  clientTimeoutMs: number;
  /** After healing, wait this long before the final reads. */
  settleMs: number;
  /** Target-specific extras (http ports, external commands); validated by the target itself. */
  options?: Record<string, unknown>;
}

/** A command as an argv array; `{placeholders}` are substituted per element, never through a shell. */
export type Argv = string[];

/** How replcheck knows a node it started is ready. */
export type ReadyProbe = { http: string } | { tcp: string } | { command: Argv };

export interface ExternalNodeConfig {
  name: string;
  /** Per-node variables, substituted as `{var}`. */
  vars: Record<string, string>;
}

/** A cluster-wide variable joined from every node: `{ each: "{name}=http://{host}:{peerPort}", join: "," }`. */
export interface JoinedVar {
  each: string;
  join: string;
}

export type KnobValue = string | number | boolean;

/** A knob a target file declares (`--set target.NAME=VALUE`): its default and allowed values. */
export interface KnobSpec {
  default: KnobValue;
  values?: KnobValue[];
  description?: string;
}

/** The `target:` section of a system replcheck did not write (SPEC section 7). */
export interface ExternalTargetConfig {
  type: 'external';
  name: string;
  description?: string;
  /** The knobs the file declares; their values are `settings`, substituted as `{knob}` and given to the client. */
  knobs: Record<string, KnobSpec>;
  settings: Record<string, KnobValue>;
  /** Why the file lacks a capability (`clock: Go programs ignore libfaketime`), shown when a schedule needs it. */
  unsupported: Partial<Record<'kill' | 'pause' | 'partition' | 'clock' | 'leader' | 'lag', string>>;
  nodes: ExternalNodeConfig[];
  /** Cluster-wide variables (strings, or joined over the nodes). */
  vars: Record<string, string | JoinedVar>;
  /** Per-node ports replcheck allocates (free on the node's address), as variables of these names. */
  ports: string[];
  /**
   * namespaces: each node in its own network namespace and address (partitions cut real traffic);
   * loopback: every node on 127.0.0.1 (no partitions unless commands are given); auto: namespaces when possible.
   */
  network: 'auto' | 'namespaces' | 'loopback';
  /** Programs the target needs, with the command that installs each (checked before the run). */
  binaries: Record<string, string>;
  /** Present when replcheck starts each node itself (and then kills, pauses, restarts it by PID). */
  start?: {
    command: Argv;
    ready?: ReadyProbe;
    timeoutMs: number;
    env: Record<string, string>;
    /** More processes of each node, started in order after the first (a Sentinel beside its server). */
    also: { command: Argv; ready?: ReadyProbe }[];
    /** The OS user the node's processes run as (the run's temp dir is handed to it). */
    user?: string;
  };
  /** Files written for every node before it starts: path template (under {dataDir} or {dir}) -> content template. */
  files: Record<string, string>;
  /** A lifecycle module that orders start-up and reacts to faults (promote a standby, rejoin an old primary). */
  lifecycle?: { module: string };
  /** Commands run once before the nodes start / after they stopped (e.g. initdb), per node. */
  init?: Argv[];
  /** Commands for faults on nodes replcheck does not own (`ssh host systemctl kill ...`); per node. */
  commands: Partial<Record<'kill' | 'restart' | 'pause' | 'resume' | 'partition' | 'heal' | 'skewClock', Argv>>;
  /** Leader discovery: by the client module's leader(), by a command printing the node's name, or none. */
  leader: 'client' | 'none' | { command: Argv; everyMs: number };
  /** The client: a built-in name (etcd, ...) or a path to an ESM module; other keys go to it as options. */
  client: { module: string; options: Record<string, unknown> };
  /** A client gives up after this long: the op completes `info` (or `fail` for reads). */
  clientTimeoutMs: number;
  /** After healing, wait this long before the final reads. */
  settleMs: number;
  /** The file the target came from (relative module paths resolve against it). */
  file?: string;
}

export type TargetConfig = DesignConfig | ExternalTargetConfig;

export interface WorkloadConfig {
  name: string;
  /** One line for `replcheck list` (optional). */
  description?: string;
  kind: 'append' | 'register';
  keys: number;
  /** Stop after this many client operations... */
  ops: number;
  /** ...or after this much (virtual, for memory) time, whichever comes first; 0 = no limit. */
  timeLimitMs: number;
  /** Concurrent client processes. */
  concurrency: number;
  /** Sessions (devices) per user; 1 = every session is its own user. */
  sessionsPerUser: number;
  /** Pause between a process's ops, ms range; at least 0.1 ms of (virtual) time whatever the range says (MIN_THINK_NS, src/runner/execute.ts). */
  thinkMs: Range;
  /** Relative weights of the op kinds: append/read for append; read/write/cas for register. */
  mix: Partial<Record<'append' | 'read' | 'write' | 'cas', number>>;
  /**
   * Fraction of appends that are nondeterministic statements (the element is derived from the
   * executing node's clock/random generator), for `log: statement`; 0 = none.
   */
  nondeterministic: number;
  /**
   * append: retire a key after this many appends and use a fresh key instead, so lists (and
   * reads of whole lists) stay bounded in long runs; 0 or absent = never.
   */
  maxAppendsPerKey?: number;
  /**
   * Key ownership (for `readFrom: owner-on-leader`): each user owns a share of the keys, named
   * `<user>:k<i>` (`<session>:k<i>` when sessions have no user), and writes only its own keys;
   * reads go to any key. Absent or false: keys `k<i>`, anyone writes any key.
   */
  ownedKeys?: boolean;
}

/** How a killed node dies (SPEC 9): `host` drops what it had in flight, `process` lets the kernel deliver it. */
export type CrashKind = 'host' | 'process';
export type FaultKind = 'kill' | 'kill-leader' | 'pause' | 'pause-leader' | 'partition' | 'clock-skew' | 'heal';
export type PartitionShape = 'isolate-leader' | 'majority-minority' | 'halves' | 'bridge' | 'random';

export interface FaultSpec {
  fault: FaultKind;
  /** Repeat with this period, ms (first at `every` unless `at` is given too). */
  everyMs?: number;
  /** Start at this time, ms since the run started. */
  atMs?: number;
  /** How long the fault lasts before it is undone (partition, pause, clock-skew). */
  durationMs?: number;
  /** kill / kill-leader: restart the node after this long. */
  restartAfterMs?: number;
  /** kill / kill-leader: host (nothing more leaves the node) or process (sent data is still delivered); absent = the target's default. */
  crash?: CrashKind;
  /** kill, pause, clock-skew: a node id, "random" or "leader". */
  node?: string;
  shape?: PartitionShape;
  offsetMs?: number;
  /** clock-skew strobe: flip the node's clock between +offsetMs and 0 every periodMs. */
  strobe?: { periodMs: number };
}

export interface NemesisConfig {
  name: string;
  description: string;
  schedule: FaultSpec[];
}

export interface RunConfig {
  seed: number;
  target: TargetConfig;
  workload: WorkloadConfig;
  nemesis: NemesisConfig;
  /** Checker names; empty = all that fit the workload. */
  checkers: string[];
}

/** Output options of a run (flags, not part of the test map written to config.yaml). */
export interface OutputOptions {
  out?: string;
  junit?: string;
  quiet: boolean;
  verbose: boolean;
  html: boolean;
}
