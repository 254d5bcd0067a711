// What the importer tests share: a temp dir of numbered files (removed after the calling file's
// tests), and the UserError a call throws.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { UserError } from '../../src/errors.js';

/** A writer of files h0.EXT, h1.EXT, ... in a fresh temp dir; `.dir` is the dir. */
export function tempFiles(prefix: string, defaultExt: string): { dir: string; file(text: string, ext?: string): string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return {
    dir,
    file(text: string, ext = defaultExt): string {
      const p = join(dir, `h${n++}${ext}`);
      writeFileSync(p, text);
      return p;
    },
  };
}

/** The UserError f throws (anything else is rethrown; no error at all fails the test). */
export function userError(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}
