// Weighted choice of an op kind from a workload's mix.

import type { Rng } from '../rng.js';

export interface Mix<F extends string> {
  fs: F[];
  cumulative: number[];
  total: number;
}

export function makeMix<F extends string>(weights: Partial<Record<F, number>>, order: F[]): Mix<F> {
  const fs: F[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const f of order) {
    const w = weights[f] ?? 0;
    if (w <= 0) continue;
    total += w;
    fs.push(f);
    cumulative.push(total);
  }
  if (fs.length === 0) throw new Error(`empty mix over ${order.join(', ')}`);
  return { fs, cumulative, total };
}

export function pickF<F extends string>(m: Mix<F>, rng: Rng): F {
  const x = rng.float() * m.total;
  for (let i = 0; i < m.fs.length; i++) if (x < m.cumulative[i]) return m.fs[i];
  return m.fs[m.fs.length - 1];
}
