// Which node pairs can talk under a partition: two nodes are connected when some group holds both
// (so a bridge node listed in two groups reaches both sides); a node in no group is cut off alone.

/** cut[i * n + j] === 1 when messages from node i to node j are dropped. */
export function cutLinks(n: number, groups: readonly (readonly string[])[], indexOf: (id: string) => number): Uint8Array {
  const cut = new Uint8Array(n * n).fill(1);
  for (let i = 0; i < n; i++) cut[i * n + i] = 0;
  for (const grp of groups) {
    const ids = grp.map(indexOf);
    for (const a of ids) for (const b of ids) cut[a * n + b] = 0;
  }
  return cut;
}
