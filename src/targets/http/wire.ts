// What the http target's runner side and its node servers share: the node server's start-up
// config, JSON over node:http with a timeout on every call, and durable-state (de)serialisation.

import http from 'node:http';
import { requestJson as request, type HttpAnswer, MAX_BODY_BYTES, LOOPBACK } from '../real/http-client.js';
import type { DesignConfig } from '../../config/types.js';

/** Loopback only: nodes, proxies and clients never bind or dial anything else. */
export const HOST = LOOPBACK;
export { MAX_BODY_BYTES, type HttpAnswer };

/** The config file a node server is started with (`--config <file>`). */
export interface NodeServerConfig {
  id: number;
  n: number;
  /** Seed of this incarnation's random generator (run seed, node id and incarnation mixed). */
  seed: number;
  target: DesignConfig;
  /** Port of the fault proxy for the link id -> j, per peer j (-1 for the node itself). */
  peerPorts: number[];
  /** Port to listen on (0: let the OS choose; a restart asks for its previous port). */
  port: number;
  /** Where the node keeps its durable state: an append-only log (durable-log.ts). */
  stateFile: string;
  /** Per-request timeout for peer messages, ms. */
  peerTimeoutMs: number;
  /** Most messages queued per peer link; more are dropped (like a full network buffer). */
  maxQueuedPerPeer: number;
  /** Most client requests a node holds open at once; more get 503. */
  maxPendingClients: number;
}

/** The node server's first stdout line once it listens: `LISTENING <port>`. */
export const READY_PREFIX = 'LISTENING ';

/** GET /admin/status answer. */
export interface NodeStatus {
  id: number;
  pid: number;
  started: boolean;
  isLeader: boolean;
  term: number;
  lagMs: number;
  offsetMs: number;
}

/** POST /admin/start body: begin running the state machine. */
export interface StartBody {
  /** Node 0 of the first incarnation leads term 1 without an election (as in the simulator). */
  initialLeader: boolean;
  offsetMs: number;
}

/** GET /admin/read answer: the node's local value (absent: the key was never written here). */
export interface ReadAnswer {
  absent: boolean;
  value: unknown;
}

/** POST /msg body: a batch of replication messages on one link, in send order. */
export interface MsgBatch {
  from: number;
  msgs: unknown[];
}

/** Reads a request body (bounded), parses JSON; rejects on oversize or bad JSON. */
export function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve(text.length ? JSON.parse(text) : undefined);
      } catch (e) {
        reject(e);
      }
    });
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** JSON with Maps (the LWW stores are Maps): encoded as {"$map": [[k, v], ...]}. */
export function encodeDurable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? { $map: [...v.entries()] } : v));
}

export function decodeDurable(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const m = (v as { $map?: unknown }).$map;
      if (Array.isArray(m) && Object.keys(v).length === 1) return new Map(m as [unknown, unknown][]);
    }
    return v;
  });
}

/** One JSON request to 127.0.0.1:port (see real/http-client.ts). */
export function requestJson(
  agent: http.Agent | undefined,
  port: number,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<HttpAnswer> {
  return request({ agent, host: HOST, port, method, path, body, timeoutMs });
}
