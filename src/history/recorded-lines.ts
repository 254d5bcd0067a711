// The history file's lines made from the run's event columns (recorder.ts), a stretch at a time:
// each name (a session, a key, a node, an error) becomes its field's bytes once, the first time it
// is written, not per event; an event is then a few copies and its numbers. The text is byte for
// byte eventToJson's of the recorder's event(i); what the fast path does not cover (a nemesis event,
// a long name or list, a big value) is left to that text.

import { bytes, ENCODE_SLACK, num, other, served } from './encode.js';
import { eventToJson } from './jsonl.js';
import { NEMESIS, NONE, V_INT, V_LIST, V_OTHER, type EventRecorder } from './recorder.js';
import type { Served } from './types.js';

/** Names whose field text is longer than this go through eventToJson (ENCODE_SLACK bounds a line). */
const MAX_FIELD_BYTES = 6 * 1024;
const MAX_FAST_LIST = 2048;
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const L_INDEX = ascii('{"index":');
const L_TIME = ascii(',"time":');
const L_PROCESS = ascii(',"process":');
const L_VALUE = ascii(',"value":');
const L_VALUE_NULL = ascii(',"value":null');
const L_FINAL = [ascii(',"final":false'), ascii(',"final":true')];
const L_SERVED = ascii(',"served":');
const L_TYPE = ['invoke', 'ok', 'fail', 'info'].map((t) => ascii(`,"type":"${t}"`));
/** A field's text for a name too long for the fast path. */
const TOO_LONG = new Uint8Array(0);

/** One field's text (`,"name":"value"`) per name id, made on first use. */
class FieldText {
  private readonly text: (Uint8Array | undefined)[] = [];

  constructor(
    private readonly field: string,
    private readonly names: string[],
  ) {}

  of(id: number): Uint8Array {
    let t = this.text[id];
    if (t === undefined) {
      const s = `,"${this.field}":${JSON.stringify(this.names[id])}`;
      // (a plain Uint8Array, as every other piece copied: one kind of array keeps bytes() monomorphic)
      t = s.length * 3 > MAX_FIELD_BYTES ? TOO_LONG : new Uint8Array(Buffer.from(s));
      this.text[id] = t;
    }
    return t;
  }
}

/** Lines of a recorder's events, for HistoryWriter.writeFrom. */
export class RecordedLines {
  private readonly session: FieldText;
  private readonly user: FieldText;
  private readonly f: FieldText;
  private readonly key: FieldText;
  private readonly node: FieldText;
  private readonly error: FieldText;

  constructor(private readonly rec: EventRecorder) {
    const names = rec.strings.names;
    this.session = new FieldText('session', names);
    this.user = new FieldText('user', names);
    this.f = new FieldText('f', names);
    this.key = new FieldText('key', names);
    this.node = new FieldText('node', names);
    this.error = new FieldText('error', names);
  }

  /** eventToJson's text of event i (without the newline). */
  text(i: number): string {
    return eventToJson(this.rec.event(i));
  }

  /**
   * Event i and a newline at buf[pos..]; the new position, or -1 if it is not for the fast path
   * (the caller then writes text(i)). Needs ENCODE_SLACK bytes free at pos.
   */
  encode(i: number, buf: Buffer, pos: number): number {
    const r = this.rec;
    const p = r.process(i);
    if (p === NEMESIS) return -1;
    const end = pos + ENCODE_SLACK;
    pos = num(buf, bytes(buf, pos, L_INDEX), i);
    pos = num(buf, bytes(buf, pos, L_TIME), r.time(i));
    pos = num(buf, bytes(buf, pos, L_PROCESS), p);
    pos = this.put(this.session, r.session(i), buf, pos);
    pos = this.put(this.user, r.user(i), buf, pos);
    if (pos < 0) return -1;
    pos = bytes(buf, pos, L_TYPE[r.type(i)]);
    pos = this.put(this.f, r.f(i), buf, pos);
    pos = this.put(this.key, r.key(i), buf, pos);
    if (pos < 0) return -1;
    pos = this.value(i, buf, pos, end);
    if (pos < 0) return -1;
    pos = this.put(this.node, r.node(i), buf, pos);
    if (pos < 0) return -1;
    const flags = r.flags(i);
    if (flags & 12) pos = bytes(buf, pos, L_FINAL[(flags & 8) >> 3]);
    pos = this.put(this.error, r.error(i), buf, pos);
    if (pos < 0) return -1;
    const s = r.served(i);
    if (s !== NONE) {
      pos = bytes(buf, pos, L_SERVED);
      const v = r.others[s] as Served;
      const at = served(buf, pos, v);
      pos = at >= 0 ? at : other(buf, pos, v, end - pos - 16);
      if (pos < 0) return -1;
    }
    buf[pos++] = 125;
    buf[pos++] = 10;
    return pos;
  }

  /** The field's text of name id (none for NONE); -1 for a name too long (or if pos is already -1). */
  private put(field: FieldText, id: number, buf: Buffer, pos: number): number {
    if (id === NONE || pos < 0) return pos;
    const t = field.of(id);
    if (t === TOO_LONG) return -1;
    return bytes(buf, pos, t);
  }

  private value(i: number, buf: Buffer, pos: number, end: number): number {
    const r = this.rec;
    const kind = r.flags(i) & 3;
    if (kind === V_INT) return num(buf, bytes(buf, pos, L_VALUE), r.num(i));
    if (kind === V_LIST) {
      const len = r.listLen(i);
      if (len > MAX_FAST_LIST) return -1;
      pos = bytes(buf, pos, L_VALUE);
      buf[pos++] = 91;
      const flat = r.flat;
      for (let j = 0, at = r.num(i); j < len; j++) {
        if (j > 0) buf[pos++] = 44;
        pos = num(buf, pos, flat[at + j]);
      }
      buf[pos++] = 93;
      return pos;
    }
    if (kind === V_OTHER) return other(buf, bytes(buf, pos, L_VALUE), r.others[r.num(i)], end - pos - 2 * MAX_FIELD_BYTES - 64);
    return bytes(buf, pos, L_VALUE_NULL);
  }
}
