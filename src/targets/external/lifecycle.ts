// Lifecycle modules of external targets: for systems whose nodes are not alike (a primary and its
// standbys), a module orders the start-up and reacts to faults as the real world's tooling does
// (promote a standby after the primary died, rejoin an old primary as a standby on restart).

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KnobValue } from '../../config/types.js';
import { UserError } from '../../errors.js';
import type { ClientNode } from './client-api.js';

/** Built-in lifecycle modules by name (next to this file in lifecycles/). */
export const BUILTIN_LIFECYCLES: string[] = ['postgres'];

/** What a lifecycle module gets: the nodes and ways to act on them. */
export interface LifecycleContext {
  nodes: ClientNode[];
  settings: Record<string, KnobValue>;
  /** The run's temp dir. */
  dir: string;
  /** State shared with the client module (`ctx.shared` there), e.g. `shared.primary = 'n2'`. */
  shared: Record<string, unknown>;
  /** Runs a command (inside the node's namespace and as `user` when given); resolves with stdout, rejects on failure. */
  run(argv: string[], opts?: { node?: string; user?: string; timeoutMs?: number; env?: Record<string, string> }): Promise<string>;
  /** Starts a node's processes (start.command, then start.also) and waits until they are ready. */
  startNode(name: string): Promise<void>;
  /** SIGKILLs a node's processes. */
  killNode(name: string): void;
  /** Whether the node's processes run (and it was not killed by the nemesis). */
  isUp(name: string): boolean;
  /** Aborted when the run tears down: stop waiting then. */
  signal: AbortSignal;
}

export interface Lifecycle {
  /** Replaces "start every node at once" (e.g. init the primary, start it, base-backup the standbys). */
  startAll?(ctx: LifecycleContext): Promise<void>;
  /** Called after the nemesis killed a node, in the background (e.g. promote a standby after a delay). */
  afterKill?(name: string, ctx: LifecycleContext): Promise<void>;
  /** Replaces the plain restart of a killed node (e.g. rejoin an old primary as a standby). */
  restart?(name: string, ctx: LifecycleContext): Promise<void>;
}

function moduleUrl(module: string): string {
  if (BUILTIN_LIFECYCLES.includes(module)) return new URL(`./lifecycles/${module}.js`, import.meta.url).href;
  const abs = path.resolve(module);
  if (!fs.existsSync(abs)) throw new UserError(`lifecycle module not found: ${abs}`, { field: 'target.lifecycle.module' });
  return pathToFileURL(abs).href;
}

/** Checked before anything starts. */
export function checkLifecycleModule(module: string): void {
  moduleUrl(module);
}

export async function loadLifecycle(module: string): Promise<Lifecycle> {
  let mod: Lifecycle & { default?: Lifecycle };
  try {
    mod = (await import(moduleUrl(module))) as typeof mod;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`lifecycle module ${module} failed to load: ${(e as Error).message}`, { field: 'target.lifecycle.module' });
  }
  const l = mod.default ?? mod;
  const hooks = ['startAll', 'afterKill', 'restart'] as const;
  if (!hooks.some((h) => typeof l[h] === 'function')) {
    throw new UserError(`lifecycle module ${module} exports none of ${hooks.join(', ')}`, { field: 'target.lifecycle.module' });
  }
  return l;
}
