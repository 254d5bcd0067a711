// The Model seam of the linearizability search (Porcupine's idea): a sequential specification as
// init / step / hash+equal / describe, and its integer coding for the search (CodedModel).
//
// The search (search.ts) works on integer state codes and a bitset of linearized ops. The register
// keeps its own inline integer-coded step (model.ts: values are codes, a step is a comparison);
// any other model (kv.ts) goes through CodedModel, which interns the model's states into codes by
// hash + equal, so the search's memo holds (set of ops, state code) pairs as for the register.

import type { Op } from '../../history/types.js';

/** A sequential specification of one key's object. States are treated as immutable values. */
export interface Model<S, I, O> {
  name: string;
  init(): S;
  /** The state after an op with `input` returned `output` in `state`; undefined: it could not have. */
  step(state: S, input: I, output: O): S | undefined;
  hash(state: S): number;
  equal(a: S, b: S): boolean;
  /** True when the op, wherever it is allowed, leaves the state as it was (a read): the search prunes on it. */
  readOnly(input: I): boolean;
  describeState(state: S): string;
  describeOp(input: I, output: O): string;
  /** The state as plain data for results.json (`valueAfterPrefix`). */
  toJson(state: S): unknown;
  /**
   * Optional pruning. `reachable` is false only when no sequence of ops that are not resets can
   * lead from `from` to a state where the read-only op (input, output) is allowed; the search then
   * cuts an order that leaves such a state while that op is still to come and no reset is left.
   * A false "true" only prunes less. `resets`: the ops that may lead anywhere (kv: put).
   */
  reachable?(from: S, input: I, output: O): boolean;
  resets?(input: I): boolean;
}

/** A model of a workload's ops: which ops it searches, and each op's input and output. */
export interface HistoryModel<S, I, O> extends Model<S, I, O> {
  /** Whether an op takes part in the search (fail ops and indeterminate reads do not). */
  searched(op: Op): boolean;
  input(op: Op): I;
  /** The op's output (meaningful for ok ops; indeterminate ops the search keeps change state only). */
  output(op: Op): O;
}

const NOT_ALLOWED = -1;

/**
 * One key's ops under a model, as the search sees them: `step(code, slot)` is the state code after
 * op `slot` in the state of `code`, or -1 when the op is not allowed there. Code 0 is init().
 */
export class CodedModel<S = unknown, I = unknown, O = unknown> {
  /** code -> state */
  readonly states: S[] = [];
  /** slot -> 1 when the op never changes the state */
  readonly readOnly: Uint8Array;
  /** slot -> 1 for the model's resets (see Model.resets) */
  readonly resets: Uint8Array;
  /** Whether the model has the reachability pruning. */
  readonly prunes: boolean;
  private readonly byHash = new Map<number, number | number[]>();
  constructor(
    readonly model: Model<S, I, O>,
    readonly inputs: I[],
    readonly outputs: O[],
  ) {
    const n = inputs.length;
    this.readOnly = new Uint8Array(n);
    this.resets = new Uint8Array(n);
    for (let s = 0; s < n; s++) {
      this.readOnly[s] = model.readOnly(inputs[s]) ? 1 : 0;
      this.resets[s] = model.resets?.(inputs[s]) ? 1 : 0;
    }
    this.prunes = model.reachable !== undefined;
    this.code(model.init());
  }

  /** The code of a state, interning it when new. */
  code(state: S): number {
    const h = this.model.hash(state) | 0;
    const at = this.byHash.get(h);
    if (at !== undefined) {
      if (typeof at === 'number') {
        if (this.model.equal(this.states[at], state)) return at;
      } else {
        for (const c of at) if (this.model.equal(this.states[c], state)) return c;
      }
    }
    const c = this.states.length;
    this.states.push(state);
    if (at === undefined) this.byHash.set(h, c);
    else if (typeof at === 'number') this.byHash.set(h, [at, c]);
    else at.push(c);
    return c;
  }

  /**
   * The state code after op `slot` in state `code`, or -1. A read-only op keeps the code; any
   * other step's state is interned. (Transitions are not cached: the memo already keeps the search
   * from repeating a (set, state) pair, so the same (state, op) pair rarely comes twice, and a
   * cache measured slower than stepping again on Porcupine's kv histories.)
   */
  step(code: number, slot: number): number {
    const next = this.model.step(this.states[code], this.inputs[slot], this.outputs[slot]);
    if (next === undefined) return NOT_ALLOWED;
    return this.readOnly[slot] === 1 ? code : this.code(next);
  }
}

/** Whether the read-only op `slot` may still be allowed after the state of `code` (see Model.reachable). */
export function reachable(m: CodedModel, code: number, slot: number): boolean {
  return m.model.reachable!(m.states[code], m.inputs[slot], m.outputs[slot]);
}

/** FNV-1a over a string's UTF-16 units: a hash for models whose states are strings. */
export function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}
