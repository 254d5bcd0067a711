// The node server's client requests waiting for their answer: each is given an address (past the
// node ids) the replica answers to, and is answered 504 when no answer comes in time.

import type http from 'node:http';
import { sendJson } from './wire.js';

interface PendingClient {
  res: http.ServerResponse;
  timer: NodeJS.Timeout;
}

export class PendingClients {
  private readonly pending = new Map<number, PendingClient>();
  private nextAddr: number;

  /** `firstAddr`: the first client address (the node count); `holdMs`: how long a request waits. */
  constructor(
    firstAddr: number,
    private readonly holdMs: number,
  ) {
    this.nextAddr = firstAddr;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Holds `res` until its answer comes or the hold expires (504); forgets it if the client goes. Its address. */
  hold(res: http.ServerResponse): number {
    const addr = this.nextAddr++;
    const timer = setTimeout(() => {
      this.pending.delete(addr);
      sendJson(res, 504, { error: 'no answer from the replica' });
    }, this.holdMs);
    this.pending.set(addr, { res, timer });
    res.on('close', () => {
      const p = this.pending.get(addr);
      if (p !== undefined && p.res === res) {
        clearTimeout(p.timer);
        this.pending.delete(addr);
      }
    });
    return addr;
  }

  /** Answers the client at `addr` with msg (nothing if it gave up). */
  answer(addr: number, msg: unknown): void {
    const p = this.pending.get(addr);
    if (p === undefined) return; // the client gave up
    this.pending.delete(addr);
    clearTimeout(p.timer);
    sendJson(p.res, 200, msg);
  }

  /** Answers every waiting client 503 (shutdown). */
  rejectAll(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      sendJson(p.res, 503, { error: 'node shutting down' });
    }
    this.pending.clear();
  }
}
