// One replica as an OS process: src/replication's state machine behind node:http on 127.0.0.1,
// peers reached through the runner's fault proxies, real clocks plus a skew offset, durable state
// in an append-only log. Started by the http target as `node node-server.js --id N --config <file|base64>`.
// This file is the process: its arguments, its HTTP routes, its lifetime; the replica itself, and
// how its state is made durable before anything leaves, is node-process.ts.

import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeProcess } from './node-process.js';
import { HOST, READY_PREFIX, readJsonBody, sendJson, type NodeServerConfig, type StartBody } from './wire.js';

function parseArgs(argv: string[]): { id: number; config: NodeServerConfig } {
  let id = -1;
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--id') id = Number(argv[++i]);
    else if (argv[i] === '--config') raw = argv[++i];
  }
  if (!Number.isInteger(id) || id < 0 || raw === undefined) throw new Error('usage: node-server --id N --config <json file | base64 json>');
  const text = fs.existsSync(raw) ? fs.readFileSync(raw, 'utf8') : Buffer.from(raw, 'base64').toString('utf8');
  const config = JSON.parse(text) as NodeServerConfig;
  if (config.id !== id) throw new Error(`node-server: --id ${id} does not match the config's id ${config.id}`);
  return { id, config };
}

/** The HTTP surface of the node: peer messages, client requests, and the runner's admin routes. */
function route(p: NodeProcess, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', `http://${HOST}`);
  const route = `${req.method} ${url.pathname}`;
  const withBody = (fn: (body: unknown) => void): void => {
    readJsonBody(req).then(fn, (e: unknown) => sendJson(res, 400, { error: String(e) }));
  };
  switch (route) {
    case 'POST /msg':
      return withBody((b) => p.onMsg(res, b));
    case 'POST /client':
      return withBody((b) => p.onClient(res, b));
    case 'GET /admin/status':
      return sendJson(res, 200, p.status());
    case 'POST /admin/start':
      return withBody((b) => {
        const s = b as Partial<StartBody> | undefined;
        p.start({ initialLeader: s?.initialLeader === true, offsetMs: Number(s?.offsetMs ?? 0) });
        sendJson(res, 200, p.status());
      });
    case 'POST /admin/skew':
      return withBody((b) => {
        const off = Number((b as { offsetMs?: unknown } | undefined)?.offsetMs);
        if (!Number.isFinite(off)) return sendJson(res, 400, { error: 'offsetMs must be a number' });
        p.setSkew(off);
        sendJson(res, 200, p.status());
      });
    case 'GET /admin/read': {
      const key = url.searchParams.get('key');
      if (key === null) return sendJson(res, 400, { error: 'key is required' });
      const answer = p.readLocal(key);
      if (answer === undefined) return sendJson(res, 503, { error: 'node not started' });
      return sendJson(res, 200, answer);
    }
    case 'GET /admin/stats':
      return sendJson(res, 200, p.stats());
    case 'POST /admin/shutdown':
      sendJson(res, 200, { ok: true });
      p.shutdown(0);
      return;
    default:
      return sendJson(res, 404, { error: `no route ${route}` });
  }
}

/** Listens on the configured port (0: any) and announces the port on stdout; exit 3 if it cannot. */
function listen(id: number, port: number, p: NodeProcess): void {
  const server = http.createServer((req, res) => route(p, req, res));
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 30_000;
  server.on('error', (e) => {
    process.stderr.write(`node-server ${id}: ${String(e)}\n`);
    process.exit(3);
  });
  server.listen(port, HOST, () => {
    const bound = (server.address() as AddressInfo).port;
    process.stdout.write(`${READY_PREFIX}${bound}\n`);
  });
}

function main(): void {
  const { id, config } = parseArgs(process.argv.slice(2));
  const p = new NodeProcess(id, config);
  listen(id, config.port, p);
  // Owned by the runner: when its end of our stdin closes (it exited, however), we exit too.
  process.stdin.on('end', () => p.shutdown(0));
  process.stdin.on('error', () => p.shutdown(0));
  process.stdin.resume();
  process.on('SIGTERM', () => p.shutdown(0));
  process.on('SIGINT', () => p.shutdown(0));
}

try {
  main();
} catch (e) {
  process.stderr.write(`node-server: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
