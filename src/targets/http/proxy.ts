// TCP fault proxy (node:net, in the runner process): one listener per directed link i -> j on
// 127.0.0.1. While the link is cut, its existing connections are destroyed and new ones are
// closed at once (the sender sees a reset: its messages are lost); restore() lets traffic through.

import net from 'node:net';
import { HOST } from './wire.js';

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

/**
 * Listens on an OS-chosen loopback port and forwards each connection to 127.0.0.1:targetPort(),
 * looked up per connection (a restarted node may come back on another port; undefined = down).
 */
export function createLinkProxy(targetPort: () => number | undefined): Promise<LinkProxy> {
  let cut = false;
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
      a.pipe(b);
      b.pipe(a);
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
