// A scanner for the common shape of a history line, straight from its bytes: one JSON object with
// no whitespace whose fields are SPEC section 4's, each once, with simple values — non-negative
// integers, ASCII strings without escapes, null, lists of int32s, true/false, a plain `served`
// object. It fills a ScannedEvent and says yes, or says no as soon as the line is anything else
// (escapes, floats, negative numbers, unknown or repeated fields, whitespace, nemesis events,
// broken JSON, non-ASCII bytes): the reader then parses that line with JSON.parse as before.

import { HASH_START, hashStep, Interner } from './intern.js';
import { VALUE_INT, VALUE_LIST, VALUE_NULL, type ScannedEvent } from './scanned.js';
import { scanServed } from './scan-served.js';
import { ERROR, F, fieldAt, FINAL, INDEX, KEY, NODE, OPENER_LENGTH, PROCESS, REQUIRED_FIELDS, SERVED, SESSION, TIME, TYPE, USER, VALUE } from './scan-fields.js';

const QUOTE = 34;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const MAX_DIGITS = 15; // below 2^53: every such integer is exact
const INT32_MAX = 0x7fffffff;

export class LineScanner {
  b: Buffer = Buffer.alloc(0);
  p = 0;
  end = 0;
  constructor(private readonly strings = new Interner()) {}

  /** Scans `b[start, end)` (a trailing CR allowed) into `out`; false when the line is not of the common shape. */
  scan(b: Buffer, start: number, end: number, out: ScannedEvent): boolean {
    if (end > start && b[end - 1] === 13) end--;
    if (end - start < 2 || b[start] !== OPEN_BRACE) return false;
    this.b = b;
    this.p = start + 1;
    this.end = end;
    out.reset();
    let seen = 0;
    for (;;) {
      const id = fieldAt(b, this.p, end);
      if (id < 0 || (seen & (1 << id)) !== 0) return false;
      seen |= 1 << id;
      this.p += OPENER_LENGTH[id];
      if (!this.fieldValue(id, out) || this.p >= end) return false;
      const c = b[this.p++];
      if (c === COMMA) continue;
      return c === CLOSE_BRACE && this.p === end && (seen & REQUIRED_FIELDS) === REQUIRED_FIELDS;
    }
  }

  private fieldValue(id: number, out: ScannedEvent): boolean {
    switch (id) {
      case INDEX: return (out.index = this.uint()) >= 0;
      case TIME: return (out.time = this.uint()) >= 0;
      case PROCESS: return (out.process = this.uint()) >= 0;
      case SESSION: return (out.session = this.str()) !== undefined;
      case USER: return (out.user = this.str()) !== undefined;
      case TYPE: return (out.type = this.str() ?? '') !== '';
      case F: return (out.f = this.str() ?? '') !== '';
      case KEY: return (out.key = this.str() ?? '\0') !== '\0';
      case VALUE: return this.value(out);
      case NODE: return (out.node = this.str()) !== undefined;
      case FINAL: return (out.final = this.bool()) !== undefined;
      case ERROR: return (out.error = this.str()) !== undefined;
      case SERVED: return (out.served = scanServed(this)) !== undefined;
      default: return false;
    }
  }

  /**
   * A non-negative integer of at most 15 digits, or -1. Every caller then requires `,` `]` or `}`,
   * so a fraction, an exponent or a digit after a leading 0 makes the line no line of this shape.
   */
  uint(): number {
    const b = this.b;
    const end = this.end;
    const start = this.p;
    let p = start;
    if (p >= end) return -1;
    let d = b[p] - 48;
    if (d < 0 || d > 9) return -1;
    let n = d;
    p++;
    if (n !== 0) {
      while (p < end && (d = b[p] - 48) >= 0 && d <= 9) {
        n = n * 10 + d;
        p++;
      }
      if (p - start > MAX_DIGITS) return -1;
    }
    this.p = p;
    return n;
  }

  /** A string of printable ASCII without escapes, interned, or undefined. */
  str(): string | undefined {
    const b = this.b;
    const end = this.end;
    let p = this.p;
    if (p >= end || b[p] !== QUOTE) return undefined;
    const start = ++p;
    let h = HASH_START;
    for (; p < end; p++) {
      const c = b[p];
      if (c === QUOTE) {
        this.p = p + 1;
        return this.strings.get(b, start, p, h);
      }
      if (c < 0x20 || c > 0x7e || c === 92) return undefined;
      h = hashStep(h, c);
    }
    return undefined;
  }

  private bool(): boolean | undefined {
    const b = this.b;
    const p = this.p;
    if (p + 4 <= this.end && b[p] === 116 && b[p + 1] === 114 && b[p + 2] === 117 && b[p + 3] === 101) {
      this.p = p + 4;
      return true;
    }
    if (p + 5 <= this.end && b[p] === 102 && b[p + 1] === 97 && b[p + 2] === 108 && b[p + 3] === 115 && b[p + 4] === 101) {
      this.p = p + 5;
      return false;
    }
    return undefined;
  }

  /** null, a non-negative integer, or a list of int32s. */
  private value(out: ScannedEvent): boolean {
    const b = this.b;
    const p = this.p;
    if (p + 4 <= this.end && b[p] === 110 && b[p + 1] === 117 && b[p + 2] === 108 && b[p + 3] === 108) {
      this.p = p + 4;
      out.valueKind = VALUE_NULL;
      return true;
    }
    if (b[p] === OPEN_BRACKET) return this.list(out);
    out.valueKind = VALUE_INT;
    return (out.valueInt = this.uint()) >= 0;
  }

  private list(out: ScannedEvent): boolean {
    const b = this.b;
    out.valueKind = VALUE_LIST;
    if (++this.p < this.end && b[this.p] === CLOSE_BRACKET) {
      this.p++;
      return true;
    }
    for (;;) {
      const n = this.uint();
      if (n < 0 || n > INT32_MAX || this.p >= this.end) return false;
      out.push(n);
      const c = b[this.p++];
      if (c === CLOSE_BRACKET) return true;
      if (c !== COMMA) return false;
    }
  }
}
