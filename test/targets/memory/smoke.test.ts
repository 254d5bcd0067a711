import { describe, expect, it } from 'vitest';
import { baseConfig, drive } from './driver.js';

describe('smoke', () => {
  it('runs', async () => {
    const r = await drive(baseConfig(), { seed: 1, ops: 2000 });
    expect(r.invokes).toBe(2000);
    expect(r.completions).toBe(2000);
    console.log(r.target.stats(), r.finals.k1?.map((f) => (f.completion.value as unknown[]).length));
  });
});
