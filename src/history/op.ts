// The Op as HistoryBuilder makes it, over the builder's columns (columns.ts): its times, indices,
// type, final, error and served live in columns (no boxed number per time, 10 fields instead of
// 17), and an ok read whose list the builder kept flat holds no JS array until something asks for
// its `value`. Loading the 1M-op bench history keeps well under half the heap plain Op objects kept.

import type { HistoryColumns } from './columns.js';
import type { CompletionType, Op, Served } from './types.js';

/** `raw` of an op whose value is its list in the columns' FlatLists. */
const IN_LISTS: unknown = Object.freeze({});

export class BuiltOp implements Op {
  /** The value, or IN_LISTS until it is first asked for. */
  private raw: unknown;

  constructor(
    private readonly cols: HistoryColumns,
    public id: number,
    public process: number,
    public session: string,
    public user: string | undefined,
    public f: string,
    public key: string,
    invokeIndex: number,
    invokeTime: number,
    public invokeValue: unknown,
    public node: string | undefined,
    final: boolean,
  ) {
    this.raw = invokeValue;
    cols.open(id, invokeIndex, invokeTime, final);
  }

  get type(): CompletionType {
    return this.cols.type(this.id);
  }

  set type(t: CompletionType) {
    this.cols.setType(this.id, t);
  }

  get final(): boolean {
    return this.cols.final(this.id);
  }

  set final(f: boolean) {
    this.cols.setFinal(this.id, f);
  }

  get invokeIndex(): number {
    return this.cols.invokeIndex[this.id];
  }

  set invokeIndex(i: number) {
    this.cols.setInvokeIndex(this.id, i);
  }

  get completeIndex(): number {
    return this.cols.completeIndex[this.id];
  }

  set completeIndex(i: number) {
    this.cols.setCompleteIndex(this.id, i);
  }

  get invokeTime(): number {
    return this.cols.invokeTime[this.id];
  }

  set invokeTime(t: number) {
    this.cols.invokeTime[this.id] = t;
  }

  get completeTime(): number {
    return this.cols.completeTime[this.id];
  }

  set completeTime(t: number) {
    this.cols.completeTime[this.id] = t;
  }

  get error(): string | undefined {
    return this.cols.errors?.[this.id];
  }

  set error(e: string | undefined) {
    this.cols.setError(this.id, e);
  }

  get served(): Served | undefined {
    return this.cols.served?.[this.id];
  }

  set served(s: Served | undefined) {
    this.cols.setServed(this.id, s);
  }

  get value(): unknown {
    const raw = this.raw;
    return raw === IN_LISTS ? (this.raw = this.cols.lists.list(this.id)) : raw;
  }

  set value(v: unknown) {
    this.raw = v;
  }

  /** The value is the op's list in the columns' FlatLists: made into an array only when asked for. */
  keepInLists(): void {
    this.raw = IN_LISTS;
  }

  /** What JSON.stringify writes: the plain Op. */
  toJSON(): Op {
    return this.plain();
  }

  /** A plain Op with the same fields, in the order a literal Op has them. */
  plain(): Op {
    return {
      id: this.id,
      process: this.process,
      session: this.session,
      user: this.user,
      f: this.f,
      key: this.key,
      type: this.type,
      invokeIndex: this.invokeIndex,
      completeIndex: this.completeIndex,
      invokeTime: this.invokeTime,
      completeTime: this.completeTime,
      invokeValue: this.invokeValue,
      value: this.value,
      node: this.node,
      final: this.final,
      error: this.error,
      served: this.served,
    };
  }
}

/** An op as a plain object (own fields only, `value` among them), to copy with changes: `{ ...plainOp(op), f: 'x' }`. */
export function plainOp(op: Op): Op {
  return op instanceof BuiltOp ? op.plain() : { ...op };
}
