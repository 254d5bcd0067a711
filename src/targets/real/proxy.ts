// TCP fault proxy (node:net, in the runner process): one listener per directed link i -> j on
// 127.0.0.1. While the link is cut, its existing connections are destroyed and new ones are
// closed at once (the sender sees a reset: its messages are lost); restore() lets traffic through.
// An optional one-way latency delays every chunk, keeping byte order (TCP stays FIFO).

import net from 'node:net';
import { LOOPBACK as HOST } from './http-client.js';

export interface LinkProxy {
  /** The port node i dials to reach node j. */
  readonly port: number;
  cut(): void;
  restore(): void;
  isCut(): boolean;
  /** Open proxied connections (tests). */
  connections(): number;
  close(): Promise<void>;
}

/** Most simultaneous connections per link (a node uses one keep-alive socket per peer). */
const MAX_CONNECTIONS = 64;
const CONNECT_TIMEOUT_MS = 2000;
/** Bytes held back by the latency delay before the source is paused. */
const MAX_DELAYED_BYTES = 4 * 1024 * 1024;

export interface LinkProxyOptions {
  /** One-way delay added to each chunk, ms, drawn uniformly from [lo, hi] by `random` (default none). */
  latencyMs?: [number, number];
  /** A uniform float in [0, 1) (the target's seeded generator; default: the middle of the range). */
  random?: () => number;
}

/** Forwards from -> to, each chunk delayed by delayMs(), in order; pauses `from` when too much is held. */
function delayedPipe(from: net.Socket, to: net.Socket, delayMs: () => number): void {
  let lastAtMs = 0;
  let heldBytes = 0;
  from.on('data', (chunk: Buffer) => {
    const at = Math.max(lastAtMs, performance.now() + delayMs());
    lastAtMs = at;
    heldBytes += chunk.length;
    if (heldBytes > MAX_DELAYED_BYTES) from.pause();
    setTimeout(() => {
      heldBytes -= chunk.length;
      if (!to.destroyed) to.write(chunk);
      if (heldBytes <= MAX_DELAYED_BYTES && from.isPaused()) from.resume();
    }, at - performance.now());
  });
  from.on('end', () => {
    const wait = Math.max(0, lastAtMs - performance.now());
    setTimeout(() => to.end(), wait);
  });
}

/**
 * Listens on an OS-chosen loopback port and forwards each connection to 127.0.0.1:targetPort(),
 * looked up per connection (a restarted node may come back on another port; undefined = down).
 */
export function createLinkProxy(targetPort: () => number | undefined, opts: LinkProxyOptions = {}): Promise<LinkProxy> {
  let cut = false;
  const [loMs, hiMs] = opts.latencyMs ?? [0, 0];
  const random = opts.random ?? ((): number => 0.5);
  const delayed = hiMs > 0;
  const delayMs = (): number => (hiMs > loMs ? loMs + random() * (hiMs - loMs) : loMs);
  const pairs = new Set<{ a: net.Socket; b: net.Socket }>();
  const server = net.createServer({ pauseOnConnect: true }, (a) => {
    const port = targetPort();
    if (cut || port === undefined || pairs.size >= MAX_CONNECTIONS) {
      a.destroy();
      return;
    }
    const b = net.connect({ host: HOST, port });
    a.setNoDelay(true);
    b.setNoDelay(true);
    const pair = { a, b };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      a.destroy();
      b.destroy();
    };
    b.setTimeout(CONNECT_TIMEOUT_MS, () => {
      if (b.connecting) end();
    });
    b.on('connect', () => {
      b.setTimeout(0);
      if (delayed) {
        delayedPipe(a, b, delayMs);
        delayedPipe(b, a, delayMs);
      } else {
        a.pipe(b);
        b.pipe(a);
      }
      a.resume();
    });
    a.on('error', end);
    b.on('error', end);
    a.on('close', end);
    b.on('close', end);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        cut() {
          cut = true;
          for (const p of [...pairs]) {
            pairs.delete(p);
            p.a.destroy();
            p.b.destroy();
          }
        },
        restore() {
          cut = false;
        },
        isCut: () => cut,
        connections: () => pairs.size,
        close() {
          cut = true;
          for (const p of pairs) {
            p.a.destroy();
            p.b.destroy();
          }
          pairs.clear();
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}
