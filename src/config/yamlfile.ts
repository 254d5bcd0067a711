// Reading YAML files with positions: parse errors and field paths become file:line UserErrors.
// Keys that could reach a prototype, alias bombs and absurd nesting are input errors too.

import { readFileSync } from 'node:fs';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { UserError, type UserErrorWhere } from '../errors.js';

export type Path = (string | number)[];

export interface YamlFile {
  file: string;
  doc: Document;
  lines: LineCounter;
  /** The parsed plain value. */
  value: unknown;
}

/** Keys no config object may have: through them a path or a merge could reach a prototype. */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export function isReservedKey(k: unknown): boolean {
  return typeof k === 'string' && RESERVED_KEYS.includes(k);
}

export function reservedKeyMessage(k: string): string {
  return `${JSON.stringify(k)} cannot be a config key (${RESERVED_KEYS.join(', ')} are reserved)`;
}

/** Deeper than this a config value is not a configuration (and would strain recursive code). */
export const MAX_DEPTH = 64;
/** Alias expansions allowed per document (yaml's guard against "billion laughs"). */
const MAX_ALIAS_COUNT = 100;

type Ranged = { range?: [number, number, number] | null };

/**
 * The first reserved key, over-deep node or alias of an enclosing node (a circular value) in a
 * document, and where its first alias is; iteratively, so no nesting overflows the stack.
 */
function scan(doc: Document): { problem: string; path: Path; offset?: number; alias?: number } {
  const stack: { node: unknown; path: Path; anchors: string[] }[] = [{ node: doc.contents, path: [], anchors: [] }];
  let alias: number | undefined;
  while (stack.length > 0) {
    const { node, path, anchors: outer } = stack.pop()!;
    const offset = (node as Ranged | null)?.range?.[0];
    if (path.length > MAX_DEPTH) return { problem: `nested more than ${MAX_DEPTH} levels deep`, path: path.slice(0, MAX_DEPTH), offset };
    const anchor = (node as { anchor?: string } | null)?.anchor;
    const anchors = anchor ? [...outer, anchor] : outer;
    if (isAlias(node)) {
      if (alias === undefined) alias = offset;
      if (anchors.includes(node.source)) return { problem: `the alias *${node.source} is inside its own anchor (a circular value)`, path, offset };
    } else if (isMap(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i];
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (isReservedKey(key)) return { problem: reservedKeyMessage(key as string), path: [...path, key as string], offset: (pair.key as Ranged)?.range?.[0] };
        stack.push({ node: pair.value, path: [...path, String(key)], anchors });
      }
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push({ node: node.items[i], path: [...path, i], anchors });
    }
  }
  return { problem: '', path: [], alias };
}

function firstErrorMessage(message: string): string {
  const msg = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return /Maximum call stack/i.test(msg) ? 'nested too deeply' : msg;
}

/**
 * The plain value of a YAML document, or a UserError at `where` (plus the line, when `lines` is
 * given) for a syntax error, a reserved key, too deep a nesting or an alias bomb.
 */
function documentValue(doc: Document, where: UserErrorWhere, lines: LineCounter | undefined, prefix: string): unknown {
  const lineAt = (offset: number | undefined): number | undefined => (lines && offset !== undefined ? lines.linePos(offset).line : undefined);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new UserError(`${prefix}${firstErrorMessage(e.message)}`, { ...where, line: lines ? e.linePos?.[0].line : undefined });
  }
  const s = scan(doc);
  if (s.problem !== '') {
    // Valid YAML, but not a configuration: named by the command-line field, or the path in the file.
    const field = where.field ?? (s.path.length ? formatPath(s.path) : undefined);
    throw new UserError(s.problem, { ...where, line: lineAt(s.offset), field });
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (/alias/i.test(msg)) {
      throw new UserError(`${prefix}aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT} alias expansions; an alias bomb?)`, { ...where, line: lineAt(s.alias) });
    }
    if (/call stack/i.test(msg)) throw new UserError(`${prefix}nested too deeply`, where);
    throw e;
  }
}

/** Parses YAML text; a syntax error is a UserError naming the file and line. */
export function parseYaml(text: string, file: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const value = documentValue(doc, { file }, lines, 'invalid YAML: ');
  return { file, doc, lines, value };
}

/** A value given on the command line (`--set PATH=VALUE`), read as YAML; errors name `field`. */
export function parseYamlValue(text: string, field: string): unknown {
  let doc: Document;
  try {
    doc = parseDocument(text, { uniqueKeys: true });
  } catch (e) {
    throw new UserError(`the value is not valid YAML: ${firstErrorMessage((e as Error).message ?? String(e))}`, { field });
  }
  return documentValue(doc, { field }, undefined, 'the value is not valid YAML: ');
}

export function readYamlFile(file: string): YamlFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
  return parseYaml(text, file);
}

/**
 * The line of the deepest node on `path` that exists in the file (a mapping entry's key line),
 * or undefined when not even the first step exists.
 */
export function lineOf(y: YamlFile, path: Path): number | undefined {
  let node: unknown = y.doc.contents;
  let line: number | undefined;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === step);
      if (!pair) break;
      const at = (isScalar(pair.key) && pair.key.range) || (pair.value as { range?: [number, number, number] } | null)?.range;
      if (at) line = y.lines.linePos(at[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = node.items[step] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      if (item.range) line = y.lines.linePos(item.range[0]).line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

/** `a.b[0].c` */
export function formatPath(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}
