// replcheck's client module for examples/kv-service (docs/external-targets.md): appends (and
// register writes) go to the primary, reads to a node picked at random per op (any replica), or to
// the primary with `--set target.reads=primary`.
//
// Error table, what replcheck records:
//   200                          ok
//   404 on a read                ok: the key is absent, [] (append workload) or null (register)
//   421 (not the primary)        fail: the node refused the write, nothing changed
//   connection refused           fail: thrown with `definite: true`, the request never left
//   anything else (reset, 5xx,   thrown without `definite`: info for a write (it may have happened),
//   timeout, bad answer)         fail for a read (a read changes nothing)

export async function open(ctx) {
  const nodes = ctx.nodes.map((n) => ({ name: n.name, url: `http://${n.host}:${n.vars.port}` }));
  const primary = nodes[0]; // the first node of the target file, as the servers' --peers say
  const absent = ctx.workload === 'append' ? [] : null;
  const readFrom = () => (ctx.options.reads === 'primary' ? primary : nodes[Math.floor(Math.random() * nodes.length)]);

  async function call(node, path, init, signal) {
    try {
      const res = await fetch(node.url + path, { ...init, signal });
      return { status: res.status, body: await res.json() };
    } catch (e) {
      if (e.cause?.code === 'ECONNREFUSED') throw Object.assign(new Error(`${node.name}: connection refused`), { definite: true });
      throw e;
    }
  }

  async function get(key, node, signal) {
    const r = await call(node, `/kv/${encodeURIComponent(key)}`, {}, signal);
    if (r.status === 404) return absent;
    if (r.status !== 200) throw new Error(`${node.name}: http ${r.status}: ${r.body.error}`);
    return r.body.value;
  }

  async function write(op, signal) {
    const [method, path, body] =
      op.f === 'append' ? ['POST', `/kv/${encodeURIComponent(op.key)}/append`, { element: op.value }] : ['PUT', `/kv/${encodeURIComponent(op.key)}`, { value: op.value }];
    const r = await call(primary, path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, signal);
    if (r.status === 200) return { type: 'ok', value: op.value, node: primary.name };
    if (r.status === 421) return { type: 'fail', node: primary.name, error: `${primary.name} is not the primary (${r.body.primary} is)` };
    throw new Error(`${primary.name}: http ${r.status}: ${r.body.error}`);
  }

  return {
    async invoke(op, { signal }) {
      if (op.f === 'append' || op.f === 'write') return write(op, signal);
      if (op.f !== 'read') return { type: 'fail', error: `${op.f} is not supported by this service` };
      const node = readFrom();
      return { type: 'ok', value: await get(op.key, node, signal), node: node.name };
    },
    finalRead: (key, node, { signal }) => get(key, nodes.find((n) => n.name === node), signal),
    leader: async () => primary.name, // no failover: the primary never changes
  };
}
