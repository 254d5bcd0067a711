// What the durable log last recorded of the node's durable() state, to diff the next capture
// against: the delta operations of a record (the format is in durable-log.ts's header) and the
// snapshot a compaction writes.

import { encodeDurable } from './wire.js';

type Shadow =
  | { kind: 'array'; items: unknown[] }
  | { kind: 'map'; entries: Map<unknown, unknown> }
  | { kind: 'value'; text: string };

export class DurableShadow {
  private readonly shadow = new Map<string, Shadow>();

  /** `appendOnly`: the top-level fields diffed as append-only arrays; `recovered`: the state read back. */
  constructor(
    private readonly appendOnly: ReadonlySet<string>,
    recovered: Record<string, unknown> | undefined,
  ) {
    if (recovered !== undefined) for (const [k, v] of Object.entries(recovered)) this.shadow.set(k, this.shadowOf(k, v));
  }

  /** The delta ops (`"field":op`) of what changed in `obj` since the last diff; the shadow takes the changes. */
  diff(obj: Record<string, unknown>): string[] {
    const ops: string[] = [];
    for (const field of Object.keys(obj)) {
      const op = this.diffField(field, obj[field]);
      if (op !== undefined) ops.push(`${JSON.stringify(field)}:${op}`);
    }
    return ops;
  }

  /** The snapshot record of the captured state (the shadow), as JSON text. */
  snapshotText(): string {
    const parts: string[] = [];
    for (const [field, s] of this.shadow) {
      const text = s.kind === 'value' ? s.text : s.kind === 'array' ? encodeDurable(s.items) : encodeDurable(s.entries);
      parts.push(`${JSON.stringify(field)}:${text}`);
    }
    return `{"s":{${parts.join(',')}}}`;
  }

  private shadowOf(field: string, v: unknown): Shadow {
    if (this.appendOnly.has(field) && Array.isArray(v)) return { kind: 'array', items: v.slice() };
    if (v instanceof Map) return { kind: 'map', entries: new Map(v) };
    return { kind: 'value', text: encodeDurable(v) ?? 'null' };
  }

  /** The op of one field, undefined when unchanged. */
  private diffField(field: string, v: unknown): string | undefined {
    const s = this.shadow.get(field);
    const asArray = this.appendOnly.has(field) && Array.isArray(v);
    // a field seen for the first time is recorded even when empty (it must exist on read-back)
    const fresh = s === undefined || s.kind !== (asArray ? 'array' : v instanceof Map ? 'map' : 'value');
    if (asArray) return this.diffArray(field, s, v as unknown[], fresh);
    if (v instanceof Map) return this.diffMap(field, s, v, fresh);
    return this.diffValue(field, s, v);
  }

  private diffArray(field: string, s: Shadow | undefined, v: unknown[], fresh: boolean): string | undefined {
    if (s?.kind !== 'array') {
      s = { kind: 'array', items: [] };
      this.shadow.set(field, s);
    }
    const old = s.items;
    // the first index where the arrays differ: items change only at the tail
    let keep = Math.min(old.length, v.length);
    while (keep > 0 && old[keep - 1] !== v[keep - 1]) keep--;
    if (keep === old.length && keep === v.length && !fresh) return undefined;
    const added = v.slice(keep);
    old.length = keep;
    for (const item of added) old.push(item);
    return `{"t":${keep},"a":${encodeDurable(added)}}`;
  }

  private diffMap(field: string, s: Shadow | undefined, v: Map<unknown, unknown>, fresh: boolean): string | undefined {
    if (s?.kind !== 'map') {
      s = { kind: 'map', entries: new Map() };
      this.shadow.set(field, s);
    }
    const old = s.entries;
    const set: [unknown, unknown][] = [];
    const del: unknown[] = [];
    let added = 0;
    for (const [k, x] of v) {
      if (old.get(k) === x && (x !== undefined || old.has(k))) continue;
      if (!old.has(k)) added++;
      set.push([k, x]);
    }
    // keys were deleted only when the old keys plus the new ones outnumber the current ones
    if (old.size + added > v.size) for (const k of old.keys()) if (!v.has(k)) del.push(k);
    if (set.length === 0 && del.length === 0 && !fresh) return undefined;
    for (const k of del) old.delete(k);
    for (const [k, x] of set) old.set(k, x);
    return `{"m":${encodeDurable(set)},"x":${encodeDurable(del)}}`;
  }

  private diffValue(field: string, s: Shadow | undefined, v: unknown): string | undefined {
    const text = encodeDurable(v) ?? 'null';
    if (s?.kind === 'value' && s.text === text) return undefined;
    this.shadow.set(field, { kind: 'value', text });
    return `{"v":${text}}`;
  }
}
