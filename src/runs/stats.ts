// Failure rates over repeated runs: the Wilson score interval (95%, z = 1.96) around k failures in
// n runs. Unlike the normal approximation it stays inside [0, 1] and is not empty at 0/n or n/n.

export const Z95 = 1.959963984540054;

/** The 95% Wilson score interval [low, high] for `failed` of `runs`; [0, 1] when there are no runs. */
export function wilson(failed: number, runs: number, z = Z95): [number, number] {
  if (runs <= 0) return [0, 1];
  const p = failed / runs;
  const z2 = z * z;
  const denom = 1 + z2 / runs;
  const centre = (p + z2 / (2 * runs)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / runs + z2 / (4 * runs * runs));
  // At 0/n and n/n the bound is exactly 0 or 1 (rounding would leave 1e-17).
  const low = failed === 0 ? 0 : Math.max(0, centre - half);
  const high = failed === runs ? 1 : Math.min(1, centre + half);
  return [low, high];
}

/** 0.35 -> "35%", 0.1812 -> "18%", 0.004 -> "0.4%". */
export function percent(x: number): string {
  const v = x * 100;
  if (v > 0 && v < 1) return `${v.toFixed(1)}%`;
  return `${Math.round(v)}%`;
}
