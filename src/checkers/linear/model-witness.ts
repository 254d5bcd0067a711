// The smallest failing part of a key under a model other than the register (kv.ts), through the
// Model seam: the key's ops that change the state, with as few of its read-only ops (gets) as still
// admit no order consistent with real time.
//
// Why it proves the whole key fails. Deleting a read-only op from a linearizable history leaves it
// linearizable (the same order without it: it changed nothing, and real time only loses
// constraints). So a subset keeping every op that changes the state and some read-only ops, that is
// not linearizable, shows the key is not; and shrinking is monotone, so one deletion pass (each
// deletion kept when the rest still fails) ends 1-minimal among such subsets. (Ops that change the
// state are all kept: without a model-specific rule, deleting one may make the rest fail.)

import { performance } from 'node:perf_hooks';
import type { Op } from '../../history/types.js';
import { modelProblem, type KeyProblem } from './problem.js';
import { KeySearch } from './search.js';
import type { Witness } from './witness.js';

/** Steps one sub-history's search may take; a search that does not finish keeps the op. */
const CHECK_STEPS = 200_000;

/** Whether the ops (a subset of `p`'s) are not linearizable: true, false, or undefined (undecided). */
function violates(p: KeyProblem, ops: Op[], memoLimit: number): boolean | undefined {
  const s = new KeySearch(subProblem(p, ops), memoLimit);
  const status = s.run(CHECK_STEPS);
  if (status === 'running') s.end('stopped');
  return status === 'violation' ? true : status === 'linearizable' ? false : undefined;
}

function subProblem(p: KeyProblem, ops: Op[]): KeyProblem {
  const sorted = ops.slice().sort((a, b) => a.invokeIndex - b.invokeIndex);
  return modelProblem(p.key, sorted, p.coded!.model as Parameters<typeof modelProblem>[2]);
}

/**
 * Shrinks the failed key `p` (a coded model's) to a witness around `x`, the op where the search
 * stopped, within `until` (a performance.now() time): its read-only ops are deleted one at a time,
 * the farthest from x first. Undefined if the time ran out before even one subset was decided.
 */
export function findModelWitness(p: KeyProblem, x: Op, until: number, memoLimit: number): Witness | undefined {
  const coded = p.coded!;
  const slotOf = new Map(p.ops.map((o, s) => [o, s]));
  const readOnly = (o: Op) => coded.readOnly[slotOf.get(o)!] === 1;
  const dist = (o: Op) => Math.abs(o.invokeIndex - x.invokeIndex);
  let current = new Set(p.ops);
  // First the ops that begin before x ends, when they already fail: most gets after x go at once.
  const xEnd = x.type === 'ok' ? x.completeIndex : Number.POSITIVE_INFINITY;
  const early = new Set(p.ops.filter((o) => !readOnly(o) || o.invokeIndex < xEnd));
  if (early.size < current.size && violates(p, [...early], memoLimit) === true) current = early;
  let minimal = true;
  const order = [...current].filter((o) => o !== x && readOnly(o)).sort((a, b) => dist(b) - dist(a) || b.invokeIndex - a.invokeIndex);
  for (const o of order) {
    if (performance.now() >= until) {
      minimal = false;
      break;
    }
    const without = new Set(current);
    without.delete(o);
    if (violates(p, [...without], memoLimit) === true) current = without;
  }
  const ops = [...current].sort((a, b) => a.invokeIndex - b.invokeIndex);
  const problem = subProblem(p, ops);
  // Where the search without pruning stops on the witness: the op that cannot be placed.
  const s = new KeySearch(problem, memoLimit, false);
  let status = s.run(CHECK_STEPS);
  while (status === 'running' && performance.now() < until) status = s.run(CHECK_STEPS);
  if (status !== 'violation') {
    s.end('stopped');
    return undefined;
  }
  return { ops, problem, frontier: s.frontier(), minimal };
}
