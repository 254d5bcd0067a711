// Refutation by epochs, without a search: observers that real time pins to one setter each, and
// two setters whose groups (the setter and its pinned observers) real time orders both ways.
// Decides in O(n log n) violations no single fence proves (generate.ts: cross, oscillate; a read
// of v, a write of w, a read of v again with one setter of v), however hard the search would be.
//
// Why it is sound. In a valid order, the setter placed last before an observer o (a read of v, a
// cas from v) sets v, and refute.ts shows it is one of o's candidates: a setter of v (or the
// initial nil) called before o returned that no fence cuts off from o. When o has exactly one
// candidate S, o lies in S's epoch: after S, with no setter between them (a cas that observes is at
// most the next setter itself, the end of the epoch). The epochs of distinct setters that take
// effect are disjoint stretches of the order, in the order of their setters. So if some member of
// S's group precedes some member of T's group in real time, S's epoch comes before T's; if also
// some member of T's precedes some member of S's, no order exists. A setter that must take effect
// has a group even with no observer pinned to it; an indeterminate one only with one (then it
// took effect).

import { ABSENT, K_READ, type KeyProblem } from './model.js';
import { fenceCalls, observersByCall, positions, settersSorted } from './refute.js';

/** The initial nil as a setter: placed before every op. */
const INIT = -1;

/** A setter's group: its earliest return and its latest call, and the members (slots) they belong to. */
interface Group {
  setter: number;
  minRet: number;
  maxCall: number;
  first: number;
  last: number;
}

/**
 * The proof of a conflict: `setters` S and T (INIT: the initial nil); `before` = [a, b], a member
 * of S's group that ended before b, of T's, began; `after` = [c, d], a member of T's that ended
 * before d, of S's, began. A member is the setter itself or an observer pinned to it; `a` is INIT
 * when S is (the initial nil precedes everything). `x`: the observer called last among the four
 * (the op the anomaly names).
 */
export interface EpochProof {
  x: number;
  setters: [number, number];
  before: [number, number];
  after: [number, number];
}

/**
 * Per value, its setters sorted by call with, per prefix, the two latest returns and the setter
 * of the latest: a prefix holds exactly one setter not fenced off at F when second <= F < first.
 */
interface Prefixes {
  calls: number[];
  first: number[];
  second: number[];
  firstSlot: number[];
}

function setterPrefixes(p: KeyProblem, call: Int32Array, ret: Float64Array): Map<number, Prefixes> {
  const out = new Map<number, Prefixes>();
  for (const [v, l] of settersSorted(p, call)) {
    const px: Prefixes = { calls: [], first: [], second: [], firstSlot: [] };
    let first = -Infinity;
    let second = -Infinity;
    let slot = -1;
    for (const s of l) {
      if (ret[s] > first) [second, first, slot] = [first, ret[s], s];
      else if (ret[s] > second) second = ret[s];
      px.calls.push(call[s]);
      px.first.push(first);
      px.second.push(second);
      px.firstSlot.push(slot);
    }
    out.set(v, px);
  }
  return out;
}

/** How many of a sorted array's entries are below x. */
function countBelow(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The one candidate setter of observer o (INIT: the initial nil), or undefined when it has none or several. */
function onlyCandidate(p: KeyProblem, o: number, retO: number, fence: number, setters: Map<number, Prefixes>): number | undefined {
  const v = p.arg1[o];
  const init = v === ABSENT && fence < 0 ? 1 : 0;
  const px = setters.get(v);
  const n = px ? countBelow(px.calls, retO) : 0;
  if (n === 0 || px!.first[n - 1] <= fence) return init === 1 ? INIT : undefined;
  if (init === 1 || px!.second[n - 1] > fence) return undefined;
  return px!.firstSlot[n - 1];
}

/** The groups of the setters with a pinned observer and of every setter that must take effect. */
function setterGroups(p: KeyProblem, call: Int32Array, ret: Float64Array): Group[] {
  const observers = observersByCall(p, call);
  const fence = fenceCalls(p, call, ret, observers);
  const setters = setterPrefixes(p, call, ret);
  // The orders between groups use real returns only: an indeterminate op with a deadline (model.ts
  // deadlines) never returned, though its deadline serves the pins above as refute.ts's fences.
  const real = (s: number): number => (p.ops[s].type === 'ok' ? ret[s] : Infinity);
  const groups = new Map<number, Group>();
  const groupOf = (s: number): Group => {
    let g = groups.get(s);
    // (the initial nil is a member that precedes everything)
    if (!g) groups.set(s, (g = s === INIT ? { setter: s, minRet: -Infinity, maxCall: -Infinity, first: INIT, last: INIT } : { setter: s, minRet: real(s), maxCall: call[s], first: s, last: s }));
    return g;
  };
  for (const o of observers) {
    const s = onlyCandidate(p, o, ret[o], fence[o], setters);
    if (s === undefined) continue;
    const g = groupOf(s);
    if (real(o) < g.minRet) [g.minRet, g.first] = [real(o), o];
    if (call[o] > g.maxCall) [g.maxCall, g.last] = [call[o], o];
  }
  // Every setter that must take effect has its epoch, observed or not (a write between two reads of
  // another value pinned to one setter proves as much as a read would).
  for (let s = 0; s < p.okCount; s++) if (p.kind[s] !== K_READ) groupOf(s);
  return [...groups.values()];
}

/** Two setters' groups that real time orders both ways, with the members that show it, or undefined. Register problems only. */
export function epochConflict(p: KeyProblem): EpochProof | undefined {
  if (p.coded) return undefined;
  const { call, ret } = positions(p);
  const groups = setterGroups(p, call, ret).sort((a, b) => a.minRet - b.minRet);
  const minRets = groups.map((g) => g.minRet);
  // best[i]: among groups[0..i], the one whose latest call is latest
  const best: number[] = [];
  for (let i = 0; i < groups.length; i++) best.push(i > 0 && groups[best[i - 1]].maxCall >= groups[i].maxCall ? best[i - 1] : i);
  for (let i = 1; i < groups.length; i++) {
    const g = groups[i];
    // earlier groups h with a member that returned before g's last call began (h before g) ...
    const j = Math.min(i, countBelow(minRets, g.maxCall));
    if (j === 0) continue;
    // ... one of which has a member called after g's first return (g before h)
    const h = groups[best[j - 1]];
    if (h.maxCall <= g.minRet) continue;
    const [a, b, c, d] = [h.first, g.last, g.first, h.last];
    // The observer called last among the four (they cannot all be the setters: S before T before S).
    const members: [number, number][] = [[d, h.setter], [b, g.setter], [c, g.setter], [a, h.setter]];
    let x = -1;
    for (const [m, setter] of members) if (m !== setter && (x < 0 || call[m] > call[x])) x = m;
    return { x, setters: [h.setter, g.setter], before: [a, b], after: [c, d] };
  }
  return undefined;
}
