// The 95% Wilson score interval against values computed by hand (and by R's prop.test without
// continuity correction), and the percentages the terminal prints.

import { describe, expect, it } from 'vitest';
import { percent, wilson } from '../../src/runs/stats.js';

describe('wilson', () => {
  it('gives known intervals: 0/20, 20/20, 7/20, 1/2, 50/100', () => {
    const near = (got: [number, number], want: [number, number]) => {
      expect(got[0]).toBeCloseTo(want[0], 4);
      expect(got[1]).toBeCloseTo(want[1], 4);
    };
    near(wilson(0, 20), [0, 0.16113]);
    near(wilson(20, 20), [0.83887, 1]);
    near(wilson(7, 20), [0.18119, 0.56714]);
    near(wilson(1, 2), [0.09453, 0.90547]);
    near(wilson(50, 100), [0.40383, 0.59617]);
  });

  it('is exactly 0 or 1 at the ends, inside [0, 1], contains the rate, and narrows as runs grow', () => {
    expect(wilson(0, 5)[0]).toBe(0);
    expect(wilson(5, 5)[1]).toBe(1);
    for (let n = 1; n <= 60; n++) {
      for (let k = 0; k <= n; k++) {
        const [lo, hi] = wilson(k, n);
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        expect(lo).toBeLessThanOrEqual(k / n);
        expect(hi).toBeGreaterThanOrEqual(k / n);
      }
    }
    const width = (k: number, n: number) => wilson(k, n)[1] - wilson(k, n)[0];
    expect(width(35, 100)).toBeLessThan(width(7, 20));
  });

  it('is [0, 1] without runs', () => {
    expect(wilson(0, 0)).toEqual([0, 1]);
  });
});

describe('percent', () => {
  it('rounds to whole percents, one decimal under 1%', () => {
    expect(percent(0.35)).toBe('35%');
    expect(percent(0.18119)).toBe('18%');
    expect(percent(0.56714)).toBe('57%');
    expect(percent(0)).toBe('0%');
    expect(percent(1)).toBe('100%');
    expect(percent(0.004)).toBe('0.4%');
  });
});
