// Partition links: a bridge node listed in two groups reaches both sides; unlisted nodes are alone.

import { describe, expect, it } from 'vitest';
import { cutLinks } from '../../src/targets/links.js';

const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
const idx = (id: string) => ids.indexOf(id);

describe('cutLinks', () => {
  it('connects nodes that share a group and cuts the rest', () => {
    const cut = cutLinks(5, [['n1', 'n2', 'n3'], ['n3', 'n4', 'n5']], idx);
    const can = (a: string, b: string) => cut[idx(a) * 5 + idx(b)] === 0;
    expect(can('n1', 'n2')).toBe(true);
    expect(can('n3', 'n1')).toBe(true);
    expect(can('n3', 'n5')).toBe(true);
    expect(can('n1', 'n4')).toBe(false);
    expect(can('n5', 'n2')).toBe(false);
  });

  it('isolates a node listed in no group', () => {
    const cut = cutLinks(5, [['n1', 'n2'], ['n3', 'n4']], idx);
    for (const other of ['n1', 'n2', 'n3', 'n4']) {
      expect(cut[idx('n5') * 5 + idx(other)]).toBe(1);
      expect(cut[idx(other) * 5 + idx('n5')]).toBe(1);
    }
    expect(cut[idx('n5') * 5 + idx('n5')]).toBe(0);
  });
});
