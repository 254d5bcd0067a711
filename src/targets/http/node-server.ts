// One replica as an OS process: src/replication's state machine behind node:http on 127.0.0.1,
// peers reached through the runner's fault proxies, real clocks plus a skew offset, durable state
// in an append-only log. Started by the http target as `node node-server.js --id N --config <file|base64>`.

/*
 * Durability: after every step the change to the node's durable() state (single-leader: log
 * entries appended or truncated, term, vote; LWW: changed store entries and sequence;
 * multi-leader: store, outbox and positions) is appended to the log (durable-log.ts), and the
 * messages and client answers that step produced leave the process only once that record is
 * fsynced. Group commit: records appended while an fsync runs share the next one. So everything a
 * peer or a client was ever told survives a SIGKILL of this process, an OS crash and a power loss
 * (as far as fdatasync holds). A restart reads the log back (a torn last record is cut off).
 * Volatile state (commit index, leadership, pending client requests, queued outgoing messages) is
 * lost, as in the simulator. Cost: O(change) per step plus one fdatasync per group.
 */

import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Rng } from '../../rng.js';
import { openDurableLog, type DurableLog } from './durable-log.js';
import { createNode, M_REQ, SingleLeaderNode, TIMER_SLOTS, type ClientReq, type Msg, type NodeEnv, type ReplicaNode } from '../../replication/index.js';
import {
  HOST,
  READY_PREFIX,
  readJsonBody,
  requestJson,
  sendJson,
  type MsgBatch,
  type NodeServerConfig,
  type NodeStatus,
  type ReadAnswer,
  type StartBody,
} from './wire.js';

/** Most messages per POST /msg. */
const MAX_BATCH = 256;

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

/** Durable-state fields that change only at their tail (single-leader log, multi-leader outbox). */
const APPEND_ONLY_FIELDS = ['log', 'outKeys', 'outVs'];

interface PendingClient {
  res: http.ServerResponse;
  timer: NodeJS.Timeout;
}

function main(): void {
  const { id, config: sc } = parseArgs(process.argv.slice(2));
  const n = sc.n;
  const hrStart = process.hrtime.bigint();
  // The real-time adapter: the one place wall-clock time enters a node.
  const wallBaseNs = Date.now() * 1e6;
  let offsetNs = 0;
  const monoNs = (): number => Number(process.hrtime.bigint() - hrStart);

  let node: ReplicaNode | undefined;
  let closing = false;
  const timers: (NodeJS.Timeout | undefined)[] = new Array<NodeJS.Timeout | undefined>(TIMER_SLOTS).fill(undefined);
  /** Messages produced since the last flush (not yet allowed out: state not yet persisted). */
  let staged: { to: number; msg: Msg }[] = [];
  const ready: Msg[][] = Array.from({ length: n }, () => []);
  const inFlight: boolean[] = new Array<boolean>(n).fill(false);
  let dropped = 0;
  const pending = new Map<number, PendingClient>();
  let nextClientAddr = n;
  let flushScheduled = false;
  /** The durable log, opened by /admin/start (recovery reads it back). */
  let wal: DurableLog | undefined;
  const agents = Array.from({ length: n }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const holdMs = Math.max(1000, sc.target.clientTimeoutMs * 2);

  /** Appends what changed in the durable state since the last step (not yet fsynced). */
  const persist = (): void => {
    if (node === undefined || wal === undefined) return;
    wal.capture(node.durable());
  };

  const pump = (j: number): void => {
    if (inFlight[j] || ready[j].length === 0 || closing) return;
    const batch = ready[j].splice(0, MAX_BATCH);
    inFlight[j] = true;
    const body: MsgBatch = { from: id, msgs: batch };
    requestJson(agents[j], sc.peerPorts[j], 'POST', '/msg', body, sc.peerTimeoutMs)
      .catch(() => {
        dropped += batch.length; // lost on the wire (partition, dead or paused peer)
      })
      .finally(() => {
        inFlight[j] = false;
        pump(j);
      });
  };

  const flush = (): void => {
    flushScheduled = false;
    persist();
    if (staged.length === 0) return;
    const out = staged;
    staged = [];
    // Out only once the state they were produced from is durable (at once when it already is).
    if (wal === undefined) release(out);
    else wal.whenDurable(() => release(out));
  };

  /** Hands messages to peers, clients and this node itself, in the order they were produced. */
  const release = (out: { to: number; msg: Msg }[]): void => {
    if (closing) return;
    const touched = new Set<number>();
    const local: Msg[] = [];
    for (const { to, msg } of out) {
      if (to === id) {
        local.push(msg); // to itself: delivered here, after the state is persisted
        continue;
      }
      if (to >= n) {
        const p = pending.get(to);
        if (p === undefined) continue; // the client gave up
        pending.delete(to);
        clearTimeout(p.timer);
        sendJson(p.res, 200, msg);
        continue;
      }
      if (ready[to].length >= sc.maxQueuedPerPeer) {
        dropped++;
        continue;
      }
      ready[to].push(msg);
      touched.add(to);
    }
    for (const j of touched) pump(j);
    for (const m of local) if (node !== undefined && !closing) node.onMessage(id, m);
    if (local.length > 0) scheduleFlush();
  };

  const scheduleFlush = (): void => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  };

  const env: NodeEnv = {
    id,
    n,
    rng: new Rng(sc.seed),
    monoNs,
    wallNs: () => wallBaseNs + monoNs() + offsetNs,
    send(to: number, msg: Msg): void {
      if (closing) return;
      staged.push({ to, msg });
      scheduleFlush();
    },
    setTimer(slot: number, delayNs: number): void {
      const old = timers[slot];
      if (old !== undefined) clearTimeout(old);
      if (closing) return;
      timers[slot] = setTimeout(
        () => {
          timers[slot] = undefined;
          node?.onTimer(slot);
          scheduleFlush();
        },
        Math.max(0, delayNs / 1e6),
      );
    },
    clearTimer(slot: number): void {
      const old = timers[slot];
      if (old !== undefined) clearTimeout(old);
      timers[slot] = undefined;
    },
  };

  const status = (): NodeStatus => ({
    id,
    pid: process.pid,
    started: node !== undefined,
    isLeader: node?.isLeader() ?? false,
    term: node?.term() ?? 0,
    lagMs: node?.lagMs() ?? 0,
    offsetMs: offsetNs / 1e6,
  });

  const shutdown = (code: number): void => {
    if (closing) return;
    try {
      persist();
      wal?.syncNow();
    } catch {
      // best effort: the log keeps every record already written (a torn last one is cut off on restart)
    }
    closing = true;
    node?.close();
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      sendJson(p.res, 503, { error: 'node shutting down' });
    }
    pending.clear();
    setTimeout(() => process.exit(code), 20).unref();
  };

  const start = (body: StartBody): void => {
    if (node !== undefined) return;
    offsetNs = body.offsetMs * 1e6;
    wal = openDurableLog(sc.stateFile, {
      appendOnly: APPEND_ONLY_FIELDS,
      onError: (e) => {
        // an fsync that failed cannot be retried safely (the page cache may have dropped the data)
        process.stderr.write(`node-server ${id}: durable log: ${e.message}\n`);
        process.exit(4);
      },
    });
    const durable = wal.recovered;
    node = createNode(sc.target, env, durable);
    node.start();
    if (body.initialLeader && durable === undefined && node instanceof SingleLeaderNode) node.initialLeader();
    scheduleFlush();
    persist();
  };

  const onClient = (res: http.ServerResponse, body: unknown): void => {
    if (node === undefined) return sendJson(res, 503, { error: 'node not started' });
    if (pending.size >= sc.maxPendingClients) return sendJson(res, 503, { error: 'too many pending client requests' });
    const r = body as Partial<ClientReq> | undefined;
    if (r === undefined || typeof r !== 'object' || typeof r.f !== 'number' || typeof r.key !== 'string') {
      return sendJson(res, 400, { error: 'bad client request' });
    }
    const addr = nextClientAddr++;
    const timer = setTimeout(() => {
      pending.delete(addr);
      sendJson(res, 504, { error: 'no answer from the replica' });
    }, holdMs);
    pending.set(addr, { res, timer });
    res.on('close', () => {
      const p = pending.get(addr);
      if (p !== undefined && p.res === res) {
        clearTimeout(p.timer);
        pending.delete(addr);
      }
    });
    const req: ClientReq = {
      t: M_REQ,
      id: Number(r.id ?? 0),
      f: r.f,
      key: r.key,
      value: r.value ?? null,
      nd: Number(r.nd ?? 0),
      route: Number(r.route ?? 0),
      minIndex: Number(r.minIndex ?? 0),
      maxLagMs: Number(r.maxLagMs ?? 0),
      ctx: null,
    };
    node.onMessage(addr, req);
    scheduleFlush();
  };

  const onMsg = (res: http.ServerResponse, body: unknown): void => {
    const b = body as Partial<MsgBatch> | undefined;
    const from = b?.from;
    if (typeof from !== 'number' || !Number.isInteger(from) || from < 0 || from >= n || !Array.isArray(b?.msgs)) {
      return sendJson(res, 400, { error: 'bad message batch' });
    }
    if (node !== undefined && !closing) {
      for (const m of b.msgs) node.onMessage(from, m as Msg);
      scheduleFlush();
    }
    sendJson(res, 204, undefined);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const route = `${req.method} ${url.pathname}`;
    const withBody = (fn: (body: unknown) => void): void => {
      readJsonBody(req).then(fn, (e: unknown) => sendJson(res, 400, { error: String(e) }));
    };
    switch (route) {
      case 'POST /msg':
        return withBody((b) => onMsg(res, b));
      case 'POST /client':
        return withBody((b) => onClient(res, b));
      case 'GET /admin/status':
        return sendJson(res, 200, status());
      case 'POST /admin/start':
        return withBody((b) => {
          const s = b as Partial<StartBody> | undefined;
          start({ initialLeader: s?.initialLeader === true, offsetMs: Number(s?.offsetMs ?? 0) });
          sendJson(res, 200, status());
        });
      case 'POST /admin/skew':
        return withBody((b) => {
          const off = Number((b as { offsetMs?: unknown } | undefined)?.offsetMs);
          if (!Number.isFinite(off)) return sendJson(res, 400, { error: 'offsetMs must be a number' });
          offsetNs = off * 1e6;
          sendJson(res, 200, status());
        });
      case 'GET /admin/read': {
        const key = url.searchParams.get('key');
        if (key === null) return sendJson(res, 400, { error: 'key is required' });
        if (node === undefined) return sendJson(res, 503, { error: 'node not started' });
        const v = node.readLocal(key);
        const answer: ReadAnswer = { absent: v === undefined, value: v === undefined ? null : v };
        return sendJson(res, 200, answer);
      }
      case 'GET /admin/stats':
        return sendJson(res, 200, { dropped, pendingClients: pending.size, queued: ready.map((q) => q.length), log: wal?.stats() });
      case 'POST /admin/shutdown':
        sendJson(res, 200, { ok: true });
        shutdown(0);
        return;
      default:
        return sendJson(res, 404, { error: `no route ${route}` });
    }
  });
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 30_000;
  server.on('error', (e) => {
    process.stderr.write(`node-server ${id}: ${String(e)}\n`);
    process.exit(3);
  });
  server.listen(sc.port, HOST, () => {
    const port = (server.address() as AddressInfo).port;
    process.stdout.write(`${READY_PREFIX}${port}\n`);
  });

  // Owned by the runner: when its end of our stdin closes (it exited, however), we exit too.
  process.stdin.on('end', () => shutdown(0));
  process.stdin.on('error', () => shutdown(0));
  process.stdin.resume();
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));
}

try {
  main();
} catch (e) {
  process.stderr.write(`node-server: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
