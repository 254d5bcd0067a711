// `replcheck list`: the built-in workloads, nemesis schedules, targets and checkers, one line each.

import type { Command } from 'commander';
import { CHECKERS } from '../checkers/registry.js';
import { loadRunConfig } from '../config/load.js';
import { listPresets, presetNames } from '../config/presets.js';
import { usesNamespaces } from '../targets/external/capabilities.js';
import { kindOf } from '../targets/kinds.js';
import type { CommandContext } from './main.js';

export interface Listing {
  kind: string;
  name: string;
  description: string;
}

/** `(faults: kill, pause, ...)` of a target preset, with why partitions are missing where that depends on the machine. */
function targetFaults(name: string): string {
  try {
    const { config } = loadRunConfig({ target: name }, () => 0);
    const caps = kindOf(config.target.type).capabilities(config.target);
    let why = '';
    if (config.target.type === 'external' && !caps.includes('partition') && config.target.network !== 'loopback') {
      why = `; no partition here: ${usesNamespaces(config.target).why ?? 'no network namespaces'}`;
    }
    return `(faults: ${caps.length ? caps.join(', ') : 'none'}${why})`;
  } catch (e) {
    return `(invalid: ${(e as Error).message})`;
  }
}

/** The workload and nemesis presets, then the targets with the faults each can inject. */
function presetListing(): Listing[] {
  const out: Listing[] = [];
  for (const p of listPresets('workload')) out.push({ kind: 'workload', name: p.name, description: p.description });
  for (const p of listPresets('nemesis')) out.push({ kind: 'nemesis', name: p.name, description: p.description });
  if (!presetNames('nemesis').includes('none')) out.push({ kind: 'nemesis', name: 'none', description: 'no faults' });
  const targets = listPresets('target');
  if (!targets.some((t) => t.name === 'memory')) targets.unshift({ name: 'memory', description: 'simulated cluster on virtual time (built-in defaults)' });
  if (!targets.some((t) => t.name === 'http')) targets.push({ name: 'http', description: 'a real cluster of replcheck node processes on 127.0.0.1, replicating over HTTP' });
  for (const p of targets) out.push({ kind: 'target', name: p.name, description: `${p.description} ${targetFaults(p.name)}` });
  return out;
}

function checkerListing(): Listing[] {
  return CHECKERS.map((c) => ({ kind: 'checker', name: c.name, description: c.description }));
}

/** Everything `list` prints, in its order: asked of the presets and the checker registry directly. */
export function listings(): Listing[] {
  return [...presetListing(), ...checkerListing()];
}

export function registerListCommand(program: Command, _ctx: CommandContext): void {
  program
    .command('list')
    .description('list the built-in workloads, nemesis schedules, targets and checkers')
    .action(() => {
      const items = listings();
      const w = Math.max(0, ...items.map((i) => `${i.kind} ${i.name}`.length));
      for (const i of items) process.stdout.write(`${`${i.kind} ${i.name}`.padEnd(w)}  ${i.description}\n`);
    });
}
