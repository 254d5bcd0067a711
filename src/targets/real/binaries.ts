// Checks, before a run starts anything, that the programs a target needs are installed: a
// missing one is a UserError carrying the command that installs it.

import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';

/** The absolute path of an executable named on PATH (or given as a path), or undefined. */
export function findExecutable(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/') ? [name] : envPath.split(path.delimiter).filter(Boolean).map((d) => path.join(d, name));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Throws for the first missing binary: `etcd is not installed; install it with: apt-get install -y etcd-server`. */
export function requireBinaries(binaries: Record<string, string>, field: string): void {
  for (const [name, install] of Object.entries(binaries)) {
    if (findExecutable(name) !== undefined) continue;
    throw new UserError(`${name} is not installed; install it with: ${install}`, { field: `${field}.binaries.${name}` });
  }
}
