// The node server's messages to its peers: a bounded queue per peer, sent in batches of at most
// MAX_BATCH per POST /msg, one request in flight per peer (through the runner's fault proxies).

import http from 'node:http';
import type { Msg } from '../../replication/index.js';
import { requestJson, type MsgBatch } from './wire.js';

/** Most messages per POST /msg. */
const MAX_BATCH = 256;

export interface PeerOutboxOptions {
  /** This node's id (the batches' `from`). */
  from: number;
  /** Port of each peer, by node id (its fault proxy). */
  peerPorts: number[];
  peerTimeoutMs: number;
  /** Messages queued per peer past which new ones are dropped. */
  maxQueuedPerPeer: number;
  /** True once the node is shutting down: nothing more is sent. */
  closing: () => boolean;
}

export class PeerOutbox {
  /** Messages dropped: queue full, or lost on the wire (partition, dead or paused peer). */
  dropped = 0;
  private readonly ready: Msg[][];
  private readonly inFlight: boolean[];
  private readonly agents: http.Agent[];

  constructor(
    n: number,
    private readonly o: PeerOutboxOptions,
  ) {
    this.ready = Array.from({ length: n }, () => []);
    this.inFlight = new Array<boolean>(n).fill(false);
    this.agents = Array.from({ length: n }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  }

  /** Queues msg for peer `to` (send it with pump); false, and counted as dropped, when its queue is full. */
  enqueue(to: number, msg: Msg): boolean {
    if (this.ready[to].length >= this.o.maxQueuedPerPeer) {
      this.dropped++;
      return false;
    }
    this.ready[to].push(msg);
    return true;
  }

  /** Sends peer j's next batch unless one is in flight; the next one follows when it is done. */
  pump(j: number): void {
    const { ready, inFlight } = this;
    if (inFlight[j] || ready[j].length === 0 || this.o.closing()) return;
    const batch = ready[j].splice(0, MAX_BATCH);
    inFlight[j] = true;
    const body: MsgBatch = { from: this.o.from, msgs: batch };
    requestJson(this.agents[j], this.o.peerPorts[j], 'POST', '/msg', body, this.o.peerTimeoutMs)
      .catch(() => {
        this.dropped += batch.length; // lost on the wire (partition, dead or paused peer)
      })
      .finally(() => {
        inFlight[j] = false;
        this.pump(j);
      });
  }

  /** Messages queued per peer. */
  queued(): number[] {
    return this.ready.map((q) => q.length);
  }
}
