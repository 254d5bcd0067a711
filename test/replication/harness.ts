// A hand-cranked network for unit tests of the node state machines: zero-latency FIFO delivery,
// timers fired in time order, links that can be cut, clients that are plain addresses.

import { Rng } from '../../src/rng.js';
import type { DesignConfig } from '../../src/config/types.js';
import {
  createNode,
  M_REQ,
  ndKind,
  R_LEADER,
  TIMER_SLOTS,
  type ClientResp,
  type Msg,
  type NodeEnv,
  type ReplicaNode,
} from '../../src/replication/index.js';
import { baseConfig } from '../targets/memory/driver.js';

export { baseConfig };

export class Harness {
  nowNs = 0;
  readonly n: number;
  readonly nodes: (ReplicaNode | undefined)[];
  readonly offsetNs: number[];
  readonly responses: ClientResp[] = [];
  private readonly timers: number[];
  private queue: { from: number; to: number; msg: Msg }[] = [];
  private readonly envs: NodeEnv[];
  private readonly durables: unknown[] = [];
  /** Cut links: blocked(from, to) drops the message. */
  blocked: (from: number, to: number) => boolean = () => false;
  private reqId = 1;
  private timerFires = 0;

  constructor(readonly cfg: DesignConfig, seed = 1) {
    this.n = cfg.nodes;
    const rng = new Rng(seed);
    this.offsetNs = new Array<number>(this.n).fill(0);
    this.timers = new Array<number>(this.n * TIMER_SLOTS).fill(-1);
    this.envs = Array.from({ length: this.n }, (_, id) => this.makeEnv(id, rng.fork()));
    this.nodes = this.envs.map((env) => createNode(cfg, env));
    for (const node of this.nodes) node!.start();
  }

  private makeEnv(id: number, rng: Rng): NodeEnv {
    const h = this;
    return {
      id,
      n: this.n,
      rng,
      monoNs: () => h.nowNs,
      wallNs: () => h.nowNs + h.offsetNs[id],
      send: (to, msg) => h.queue.push({ from: id, to, msg }),
      setTimer: (slot, delayNs) => (h.timers[id * TIMER_SLOTS + slot] = h.nowNs + Math.max(0, delayNs)),
      clearTimer: (slot) => (h.timers[id * TIMER_SLOTS + slot] = -1),
    };
  }

  node<T extends ReplicaNode>(i: number): T {
    return this.nodes[i] as T;
  }

  /** Delivers messages until none is left. */
  flush(): void {
    let delivered = 0;
    while (this.queue.length > 0) {
      delivered += this.queue.length;
      if (delivered > 1_000_000) throw new Error('harness: message storm');
      const q = this.queue;
      this.queue = [];
      for (const { from, to, msg } of q) {
        if (to >= this.n) {
          this.responses.push(msg as ClientResp);
          continue;
        }
        const node = this.nodes[to];
        if (node === undefined || (from < this.n && this.nodes[from] === undefined) || this.blocked(from, to)) continue;
        node.onMessage(from, msg);
      }
    }
  }

  /** Advances virtual time by ms, firing timers and delivering messages in order. */
  run(ms: number): void {
    const end = this.nowNs + ms * 1e6;
    this.flush();
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.timers.length; i++) {
        const t = this.timers[i];
        if (t >= 0 && t <= end && (best < 0 || t < this.timers[best])) best = i;
      }
      if (best < 0) break;
      if (++this.timerFires > 10_000_000) throw new Error(`harness: timer storm at node ${Math.floor(best / TIMER_SLOTS)} slot ${best % TIMER_SLOTS} t=${this.timers[best]} now=${this.nowNs}`);
      this.nowNs = Math.max(this.nowNs, this.timers[best]);
      this.timers[best] = -1;
      const node = this.nodes[Math.floor(best / TIMER_SLOTS)];
      node?.onTimer(best % TIMER_SLOTS);
      this.flush();
    }
    this.nowNs = end;
  }

  /** Sends a client request to node `to`; returns its id (find the reply in responses). */
  request(to: number, f: number, key: string, value: unknown, route = R_LEADER, minIndex = 0, maxLagMs = 0): number {
    const id = this.reqId++;
    const nd = f === 1 ? ndKind(value) : 0;
    this.queue.push({ from: this.n, to, msg: { t: M_REQ, id, f, key, value, nd, route, minIndex, maxLagMs, ctx: null } });
    return id;
  }

  response(id: number): ClientResp | undefined {
    return this.responses.find((r) => r.id === id);
  }

  kill(i: number): void {
    const node = this.nodes[i]!;
    this.durables[i] = node.durable();
    node.close();
    for (let s = 0; s < TIMER_SLOTS; s++) this.timers[i * TIMER_SLOTS + s] = -1;
    this.nodes[i] = undefined;
  }

  restart(i: number): void {
    const node = createNode(this.cfg, this.envs[i], this.durables[i]);
    this.nodes[i] = node;
    node.start();
  }

  /** Isolates the given nodes from everyone else (clients still reach all nodes). */
  isolate(...ids: number[]): void {
    const set = new Set(ids);
    this.blocked = (a, b) => a < this.n && b < this.n && set.has(a) !== set.has(b);
  }

  heal(): void {
    this.blocked = () => false;
  }

  leaders(): number[] {
    const out: number[] = [];
    this.nodes.forEach((n, i) => {
      if (n?.isLeader()) out.push(i);
    });
    return out;
  }
}
