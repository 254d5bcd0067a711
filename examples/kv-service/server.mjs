// A tiny replicated key-value service, as someone might write it: plain node:http, no dependencies.
// The first node of --peers is the primary: it takes every write, answers, and only then forwards the
// write to the other nodes (fire and forget). Every node serves reads from its own memory.
// Deliberately flawed: asynchronous replication, reads from any node, nothing kept on disk.
//
//   node server.mjs --name n1 [--host 127.0.0.1] --port 7001 --peers n1=http://127.0.0.1:7001,n2=http://127.0.0.1:7002 [--lag-ms 50]
//
// GET /kv/:key → {value} (404 if absent) · POST /kv/:key/append {element} · PUT /kv/:key {value}
// (writes: primary only; others answer 421 {primary}) · GET /health · POST /replicate [{key, write}]
// (internal: the primary's writes, in batches).
import http from 'node:http';
import { parseArgs } from 'node:util';

const str = { type: 'string' };
const { values: args } = parseArgs({ options: { name: str, host: { ...str, default: '127.0.0.1' }, port: str, peers: str, 'lag-ms': { ...str, default: '0' } } });
const peers = args.peers.split(',').map((p) => ({ name: p.split('=')[0], url: p.slice(p.indexOf('=') + 1) }));
const primary = peers[0].name;
const isPrimary = args.name === primary;
const lagMs = Number(args['lag-ms']);
const store = new Map(); // key -> value (a list for appends); lost when the process dies

// Replication: lagMs after answering a write, the primary ships every write still pending to each
// other node in one batch, in order. A batch a node does not take is dropped: nothing is re-sent.
const outboxes = peers.filter((p) => p.name !== args.name).map((p) => ({ url: p.url, pending: [], busy: false }));
function replicate(key, write) {
  for (const box of outboxes) {
    box.pending.push({ key, write, due: Date.now() + lagMs });
    if (!box.busy) ship(box);
  }
}
async function ship(box) {
  box.busy = true;
  while (box.pending.length > 0) {
    await new Promise((r) => setTimeout(r, box.pending[0].due - Date.now()));
    const body = JSON.stringify(box.pending.splice(0).map(({ key, write }) => ({ key, write })));
    await fetch(`${box.url}/replicate`, { method: 'POST', body, signal: AbortSignal.timeout(2000) }).catch(() => {});
  }
  box.busy = false;
}

/** Applies a write, {element} (append to the key's list) or {value} (set), and returns the new value. */
function apply(key, write) {
  const value = 'element' in write ? [...(store.get(key) ?? []), write.element] : write.value;
  store.set(key, value);
  return value;
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function bodyOf(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : {};
}

async function handle(req, res) {
  const [, route, rawKey, action] = req.url.split('/');
  const key = rawKey === undefined ? undefined : decodeURIComponent(rawKey);
  if (req.method === 'GET' && route === 'health') return reply(res, 200, { name: args.name, primary });
  if (req.method === 'GET' && route === 'kv' && key) {
    return store.has(key) ? reply(res, 200, { value: store.get(key) }) : reply(res, 404, { error: 'not found' });
  }
  if (req.method === 'POST' && route === 'replicate') {
    for (const { key, write } of await bodyOf(req)) apply(key, write);
    return reply(res, 200, {});
  }
  const append = req.method === 'POST' && route === 'kv' && key && action === 'append';
  const put = req.method === 'PUT' && route === 'kv' && key && action === undefined;
  if (!append && !put) return reply(res, 404, { error: `no route ${req.method} ${req.url}` });
  if (!isPrimary) return reply(res, 421, { error: 'not the primary', primary });
  const body = await bodyOf(req);
  const write = append ? { element: body.element } : { value: body.value };
  reply(res, 200, { value: apply(key, write) });
  replicate(key, write); // after answering: the client never waits for the other nodes
}

http
  .createServer((req, res) => handle(req, res).catch((e) => reply(res, 400, { error: e.message })))
  .listen(Number(args.port), args.host, () => console.log(`${args.name} listening on ${args.port}${isPrimary ? ' (primary)' : ''}`));
