// Reading YAML files with positions: parse errors and field paths become file:line UserErrors.

import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { UserError } from '../errors.js';

export type Path = (string | number)[];

export interface YamlFile {
  file: string;
  doc: Document;
  lines: LineCounter;
  /** The parsed plain value. */
  value: unknown;
}

/** Parses YAML text; a syntax error is a UserError naming the file and line. */
export function parseYaml(text: string, file: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const msg = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError(`invalid YAML: ${msg}`, { file, line: e.linePos?.[0].line });
  }
  return { file, doc, lines, value: doc.toJS({ maxAliasCount: 100 }) as unknown };
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
