// A small, tolerant EDN reader for Jepsen histories (maps, vectors, keywords, tagged records such as
// #jepsen.history.Op{...}), with line numbers for errors, and EDN -> JSON conversion.
//
// It is our own rather than a library (edn-data was a dependency once, never imported, and was
// dropped) because of line numbers: a user with a broken history.edn must be told the line it
// breaks on (an unclosed `{` names the line it was opened on, not the end of the file), every
// top-level form carries the line it starts on so the importer can name an op's line in its own
// errors, and nesting depth is bounded (MAX_VALUE_DEPTH, MAX_OPEN_PREFIXES) so deep input is an
// error naming its line rather than a stack overflow. A general EDN parser returns values, not
// the lines they came from.

import { UserError } from '../../errors.js';
import { MAX_VALUE_DEPTH, TOO_DEEP } from '../limits.js';

/** How many tags or `#_` discards may be open at once (each one is a level of the reader's recursion). */
const MAX_OPEN_PREFIXES = 32;

/** An EDN keyword (`:read`); interned, so keywords compare with ===. */
export class Keyword {
  constructor(readonly name: string) {}
  toString(): string {
    return `:${this.name}`;
  }
}

/** An EDN symbol (`foo`, `jepsen.history/Op`). */
export class Sym {
  constructor(readonly name: string) {}
  toString(): string {
    return this.name;
  }
}

export type EdnValue = null | boolean | number | string | Keyword | Sym | EdnValue[] | EdnMap;
export type EdnMap = Map<EdnValue, EdnValue>;

const keywords = new Map<string, Keyword>();
export function kw(name: string): Keyword {
  let k = keywords.get(name);
  if (!k) keywords.set(name, (k = new Keyword(name)));
  return k;
}

/** A top-level form with the line it starts on (1-based). */
export interface Form {
  value: EdnValue;
  line: number;
}

const DELIMS = new Set(['(', ')', '[', ']', '{', '}', '"', ';', ',']);

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 44 || c === 12;
}

/**
 * Reads EDN forms from a string; `file` and `lineOffset` only feed error messages. At most
 * `maxDepth` collections may be open at once (a top-level op map and MAX_VALUE_DEPTH levels in
 * its value, by default), so deep input is an error naming its line, never a stack overflow.
 */
export class EdnReader {
  pos = 0;
  line: number;
  /** Collections open now. */
  private depth = 0;
  /** Tags and #_ discards open now. */
  private prefixes = 0;
  constructor(
    readonly text: string,
    private readonly file?: string,
    lineOffset = 1,
    private readonly maxDepth = MAX_VALUE_DEPTH + 1,
  ) {
    this.line = lineOffset;
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) this.fail(TOO_DEEP);
  }

  private enterPrefix(): void {
    if (++this.prefixes > MAX_OPEN_PREFIXES) this.fail(`more than ${MAX_OPEN_PREFIXES} tags or #_ discards in a row`);
  }

  private fail(message: string, line = this.line): never {
    throw new UserError(`EDN: ${message}`, { file: this.file, line });
  }

  /** Skips whitespace, commas and comments; false at the end of the text. */
  private skip(): boolean {
    const t = this.text;
    for (;;) {
      if (this.pos >= t.length) return false;
      const c = t.charCodeAt(this.pos);
      if (c === 10) {
        this.line++;
        this.pos++;
      } else if (isSpace(c)) this.pos++;
      else if (c === 59) {
        // ; comment
        while (this.pos < t.length && t.charCodeAt(this.pos) !== 10) this.pos++;
      } else if (c === 35 && t.charCodeAt(this.pos + 1) === 95) {
        // #_ discards the next form
        this.pos += 2;
        this.enterPrefix();
        this.read();
        this.prefixes--;
      } else return true;
    }
  }

  /** The next top-level form, or undefined at the end. */
  next(): Form | undefined {
    if (!this.skip()) return undefined;
    const line = this.line;
    return { value: this.read(), line };
  }

  /** True when only whitespace and comments are left. */
  atEnd(): boolean {
    return !this.skip();
  }

  /** Reads one form (after skipping); fails at the end of the text. */
  read(): EdnValue {
    if (!this.skip()) this.fail('unexpected end of input, expected a value');
    const t = this.text;
    const c = t[this.pos];
    switch (c) {
      case '[':
        this.pos++;
        return this.readSeq(']');
      case '(':
        this.pos++;
        return this.readSeq(')');
      case '{':
        this.pos++;
        return this.readMap();
      case '"':
        return this.readString();
      case ':':
        return kw(this.readToken().slice(1));
      case '\\':
        return this.readChar();
      case ')':
      case ']':
      case '}':
        this.fail(`unexpected ${c}`);
      // falls through (fail never returns)
      case '#':
        return this.readDispatch();
      default:
        return this.readAtom();
    }
  }

  private readSeq(close: string): EdnValue[] {
    this.enter();
    const out: EdnValue[] = [];
    const start = this.line;
    for (;;) {
      if (!this.skip()) this.fail(`unclosed ${close === ']' ? '[' : close === ')' ? '(' : '#{'} (opened here, never closed)`, start);
      if (this.text[this.pos] === close) {
        this.pos++;
        this.depth--;
        return out;
      }
      out.push(this.read());
    }
  }

  private readMap(): EdnMap {
    this.enter();
    const out: EdnMap = new Map();
    const start = this.line;
    for (;;) {
      if (!this.skip()) this.fail('unclosed { (opened here, never closed)', start);
      if (this.text[this.pos] === '}') {
        this.pos++;
        this.depth--;
        return out;
      }
      const k = this.read();
      if (!this.skip()) this.fail('unclosed { (opened here, never closed)', start);
      if (this.text[this.pos] === '}') this.fail(`a map needs a value for the key ${String(k)}`);
      out.set(k, this.read());
    }
  }

  private readString(): string {
    const t = this.text;
    const start = this.line;
    let i = this.pos + 1;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= t.length) this.fail('unterminated string (opened here, never closed)', start);
      const c = t.charCodeAt(i);
      if (c === 34) break;
      if (c === 10) this.line++;
      if (c === 92) {
        out += t.slice(from, i);
        const e = t[i + 1];
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', b: '\b', f: '\f' };
        if (e === 'u') {
          out += String.fromCharCode(parseInt(t.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          out += map[e] ?? e;
          i += 2;
        }
        from = i;
        continue;
      }
      i++;
    }
    out += t.slice(from, i);
    this.pos = i + 1;
    return out;
  }

  private readToken(): string {
    const t = this.text;
    const start = this.pos;
    let i = this.pos + 1;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (isSpace(c) || DELIMS.has(t[i])) break;
      i++;
    }
    this.pos = i;
    return t.slice(start, i);
  }

  private readChar(): string {
    const tok = this.readToken().slice(1);
    const named: Record<string, string> = { newline: '\n', space: ' ', tab: '\t', return: '\r', backspace: '\b', formfeed: '\f' };
    if (tok.length === 0) {
      // `\(` and friends: the delimiter itself is the character.
      return this.text[this.pos++];
    }
    if (named[tok] !== undefined) return named[tok];
    if (tok.length === 5 && tok[0] === 'u') return String.fromCharCode(parseInt(tok.slice(1), 16));
    return tok[0];
  }

  private readDispatch(): EdnValue {
    const t = this.text;
    const n = t[this.pos + 1];
    if (n === '{') {
      this.pos += 2;
      return this.readSeq('}');
    }
    if (n === '#') {
      this.pos += 2;
      const tok = this.readToken();
      const sym = `#${tok}`;
      if (sym === '#Inf') return Number.POSITIVE_INFINITY;
      if (sym === '#-Inf') return Number.NEGATIVE_INFINITY;
      if (sym === '#NaN') return Number.NaN;
      this.fail(`unknown symbolic value ##${tok}`);
    }
    // A tagged element: #inst "...", #uuid "...", #jepsen.history.Op{...}: keep the element.
    this.pos++;
    const tag = this.readToken();
    if (tag.length === 0) this.fail('a # must be followed by a tag');
    this.enterPrefix();
    const v = this.read();
    this.prefixes--;
    return v;
  }

  private readAtom(): EdnValue {
    const line = this.line;
    const tok = this.readToken();
    if (tok === 'nil') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    const c = tok.charCodeAt(0);
    const numeric = (c >= 48 && c <= 57) || ((c === 45 || c === 43) && tok.length > 1 && tok.charCodeAt(1) >= 48 && tok.charCodeAt(1) <= 57);
    if (numeric) {
      const body = tok.endsWith('N') || tok.endsWith('M') ? tok.slice(0, -1) : tok;
      const slash = body.indexOf('/');
      const n = slash > 0 ? Number(body.slice(0, slash)) / Number(body.slice(slash + 1)) : Number(body);
      if (Number.isNaN(n)) this.fail(`not a number: ${tok}`, line);
      return n;
    }
    if (tok.length === 0) this.fail(`unexpected character ${JSON.stringify(this.text[this.pos])}`, line);
    return new Sym(tok);
  }
}

/** Reads a whole string that must hold exactly one form (a value: MAX_VALUE_DEPTH levels at most). */
export function readOne(text: string, file?: string, line?: number, maxDepth = MAX_VALUE_DEPTH): EdnValue {
  const r = new EdnReader(text, file, line, maxDepth);
  const v = r.read();
  if (!r.atEnd()) throw new UserError(`EDN: unexpected text after the value: ${JSON.stringify(text.slice(r.pos, r.pos + 20))}`, { file, line });
  return v;
}

/** EDN as JSON: keywords and symbols become their names, maps objects, sets and lists arrays. */
export function ednToJson(v: EdnValue): unknown {
  if (v instanceof Keyword || v instanceof Sym) return v.name;
  if (Array.isArray(v)) return v.map(ednToJson);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[typeof k === 'string' ? k : k instanceof Keyword || k instanceof Sym ? k.name : JSON.stringify(ednToJson(k))] = ednToJson(x);
    return o;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}
