// A client module that answers every op at once from an in-process register map: what the driver
// costs by itself, with no database behind it (bench/driver.bench.js).
export async function open() {
  const store = new Map();
  return {
    invoke: async (op) => {
      if (op.f === 'read') return { type: 'ok', value: store.get(op.key) ?? null, node: 'n1' };
      if (op.f === 'write') {
        store.set(op.key, op.value);
        return { type: 'ok', value: op.value, node: 'n1' };
      }
      const [expected, next] = op.value;
      if ((store.get(op.key) ?? null) !== expected) return { type: 'fail', error: 'compare failed', node: 'n1' };
      store.set(op.key, next);
      return { type: 'ok', value: op.value, node: 'n1' };
    },
    finalRead: async (key) => store.get(key) ?? null,
  };
}
