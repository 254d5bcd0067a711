// Free TCP ports for the nodes of a real-time target: the OS picks one (listen on port 0), we
// close it and hand the number on. Ports handed out by this process are never handed out twice.

import net from 'node:net';

const handedOut = new Set<number>();
const MAX_TRIES = 20;

function onePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports on host (default loopback). */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < count; tries++) {
    if (tries > count * MAX_TRIES) throw new Error(`could not find ${count} free ports on ${host}`);
    const p = await onePort(host);
    if (handedOut.has(p) || out.includes(p)) continue;
    handedOut.add(p);
    out.push(p);
  }
  return out;
}
