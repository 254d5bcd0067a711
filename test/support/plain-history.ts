// A History with plain ops (`value` an own field, as an Op literal has it), so that two histories
// compare field by field: the builder's ops keep an ok read's list flat until asked (history/op.ts).

import { plainOp } from '../../src/history/op.js';
import type { History } from '../../src/history/types.js';

export function plainHistory(h: History): History {
  return { ...h, ops: h.ops.map(plainOp) };
}
