// `replcheck list`: the built-in workloads, nemesis schedules, targets and checkers, one line each.

import type { Command } from 'commander';
import { CHECKERS } from '../checkers/registry.js';
import type { CommandContext } from './main.js';

export interface Listing {
  kind: string;
  name: string;
  description: string;
}

type Lister = () => Listing[];
const listers: Lister[] = [() => CHECKERS.map((c) => ({ kind: 'checker', name: c.name, description: c.description }))];

/** Other parts (presets, targets) add what they know. */
export function registerLister(l: Lister): void {
  listers.unshift(l);
}

export function registerListCommand(program: Command, _ctx: CommandContext): void {
  program
    .command('list')
    .description('list the built-in workloads, nemesis schedules, targets and checkers')
    .action(() => {
      const items = listers.flatMap((l) => l());
      const w = Math.max(0, ...items.map((i) => `${i.kind} ${i.name}`.length));
      for (const i of items) process.stdout.write(`${`${i.kind} ${i.name}`.padEnd(w)}  ${i.description}\n`);
    });
}
