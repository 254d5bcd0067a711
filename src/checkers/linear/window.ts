// Refutation by windows: a violation that no single fence proves (refute.ts) but that lies in a
// short stretch of real time, decided by searching that stretch alone from every possible state
// instead of the whole key's history up to it (where the search drowns in the orders before).
//
// Why it is sound. A window [from, to] (history indices) relaxes the key's history H into R(v) for
// a value v: ops completed before `from` go; ops running at `from` (called before, returning
// after) and ops called after `to` become indeterminate (optional, no return) if they set a value,
// and go if they are reads; a first op writes v before all the rest. Take a linearization L of H
// and let v be the register's value just after the last op of L that completed before `from` (nil
// if none). Every op called at or after `from` comes after that op in L (real time), so the part
// of L after it holds only kept ops, begins in state v, and is a linearization of R(v): dropping
// reads and relaxed setters placed before it is allowed (they are optional or gone), a relaxed op
// has fewer real-time constraints, not more. So if no R(v) is linearizable, neither is H.

import { plainOp } from '../../history/op.js';
import type { Op } from '../../history/types.js';
import { keyProblem, withoutUnobserved, type KeyProblem } from './model.js';
import { KeySearch } from './search.js';

/** Window widths tried (history events before the frontier), and how far past it a window reaches. */
const WIDTHS = [100, 200];
const REACH = 200;
/** Steps one window's search may take for one starting value. */
const WINDOW_STEPS = 100_000;

/** A window's verdict: the op (of the key's problem) its searches could not linearize. */
export interface WindowRefutation {
  /** The op blocked in the first starting value's search (undefined: the write of the value). */
  blocked?: Op;
  from: number;
  to: number;
}

/** What one try of windows did: the refutation if one window gave it, and the search steps spent over all windows tried. */
export interface WindowTry {
  refutation?: WindowRefutation;
  steps: number;
}

/** The value every value outside the kept ones becomes (a string no JSON history holds). */
const OTHER = '\u0000other';

/** φ: a kept value (by its JSON) as itself, any other as OTHER; all values when `kept` is undefined. */
function merger(kept: Set<string> | undefined): (v: unknown) => unknown {
  return (v) => (kept === undefined || kept.has(JSON.stringify(v ?? null)) ? v : OTHER);
}

/** The op with its values mapped by φ (reads: the value read; writes; cas: both sides). */
function mapped(o: Op, phi: (v: unknown) => unknown, relaxed: boolean): Op {
  const type = relaxed ? 'info' : o.type;
  if (o.f === 'read') return { ...plainOp(o), type, value: phi(o.value) };
  const iv = o.f === 'cas' && Array.isArray(o.invokeValue) ? [phi(o.invokeValue[0]), phi(o.invokeValue[1])] : phi(o.invokeValue);
  return { ...plainOp(o), type, invokeValue: iv, value: iv };
}

/**
 * The ops of R(v) for the window [from, to] of `ops` (see above), values outside `kept` merged
 * into one, with a map to the originals.
 */
export function windowOps(ops: Op[], from: number, to: number, v: unknown, kept?: Set<string>): { ops: Op[]; origin: Map<Op, Op> } {
  const out: Op[] = [];
  const origin = new Map<Op, Op>();
  const phi = merger(kept);
  for (const o of ops) {
    const ok = o.type === 'ok';
    if (ok && o.completeIndex < from) continue;
    const running = o.invokeIndex < from;
    const late = o.invokeIndex > to;
    if ((running || late) && o.f === 'read') continue;
    const c = mapped(o, phi, ok && (running || late));
    out.push(c);
    origin.set(c, o);
  }
  const first = ops.find((o) => o.f === 'write') ?? ops[0];
  const init: Op = { ...plainOp(first), id: -1, f: 'write', type: 'ok', invokeIndex: -2, completeIndex: -1, invokeValue: v, value: v };
  return { ops: [init, ...out], origin };
}

/** The history index of the op blocked at return entry `e` (its completion, or the latest before). */
function entryIndex(p: KeyProblem, e: number): number {
  for (let i = e; i > 0; i--) {
    const o = p.ops[p.entrySlot[i]];
    if (p.entryIsCall[i] === 0 && o.type === 'ok') return o.completeIndex;
    if (p.entryIsCall[i] === 1) return o.invokeIndex;
  }
  return 0;
}

/**
 * Searches R(v) of the window for every value v of the key; the op blocked in the first, or
 * undefined when some R(v) is linearizable or a search does not finish within `WINDOW_STEPS`.
 */
function refuteWindow(p: KeyProblem, from: number, to: number, kept: Set<string>, memoLimit: number, until: number): { refuted: boolean; blocked?: Op; steps: number } {
  let steps = 0;
  let blocked: Op | undefined;
  const phi = merger(kept);
  const starts = new Map(p.values.map((v) => [JSON.stringify(phi(v) ?? null), phi(v)]));
  for (const v of starts.values()) {
    if (performance.now() > until) return { refuted: false, steps };
    const w = windowOps(p.ops, from, to, v, kept);
    const wp = keyProblem(p.key, withoutUnobserved(w.ops));
    const search = new KeySearch(wp, memoLimit);
    const status = search.run(WINDOW_STEPS);
    steps += search.steps;
    search.end('stopped');
    if (status !== 'violation') return { refuted: false, steps };
    blocked ??= w.origin.get(wp.ops[search.frontier().blockedSlot]);
  }
  return { refuted: true, blocked, steps };
}

/**
 * The sets of values a window keeps apart (the rest merged into one, see merger): every pair of
 * values, those with the value the blocked op observes or sets first, then all values.
 */
function keptSets(p: KeyProblem, blocked: Op): Set<string>[] {
  const all = p.values.filter((v) => v !== null).map((v) => JSON.stringify(v));
  const own = JSON.stringify((blocked.f === 'read' ? blocked.value : blocked.f === 'cas' && Array.isArray(blocked.invokeValue) ? blocked.invokeValue[0] : blocked.invokeValue) ?? null);
  const pairs: [number, Set<string>][] = [];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) pairs.push([all[i] === own || all[j] === own ? 0 : 1, new Set([all[i], all[j]])]);
  }
  return [...pairs.sort((a, b) => a[0] - b[0]).map((x) => x[1]), new Set(all)];
}

/**
 * Tries windows around return entry `frontier` (where a key's search got furthest): each width,
 * each set of values kept apart, until the first refuted or the time `until` (performance.now()).
 * Register problems only.
 */
export function refuteByWindows(p: KeyProblem, frontier: number, memoLimit: number, until = Infinity): WindowTry {
  let steps = 0;
  if (p.coded || frontier <= 0) return { steps };
  const at = entryIndex(p, frontier);
  const sets = keptSets(p, p.ops[p.entrySlot[frontier]]);
  for (const width of WIDTHS) {
    const from = Math.max(0, at - width);
    for (const kept of sets) {
      const r = refuteWindow(p, from, at + REACH, kept, memoLimit, until);
      steps += r.steps;
      if (r.refuted) return { refutation: { blocked: r.blocked, from, to: at + REACH }, steps };
      if (performance.now() > until) return { steps };
    }
  }
  return { steps };
}
