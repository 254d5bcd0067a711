// `replcheck run`: load the configuration, drive the workload against the target under the
// nemesis, then check and report (SPEC sections 1-3). Ctrl-C keeps the history so far, exits 130.
// The action itself lives in run-action.ts and is imported when the command runs.

import type { Command } from 'commander';
import { loadRunConfig } from '../config/load.js';
import { listPresets, presetNames } from '../config/presets.js';
import { usesNamespaces } from '../targets/external/capabilities.js';
import { kindOf } from '../targets/kinds.js';
import { registerLister, type Listing } from './list.js';
import type { CommandContext } from './main.js';
import type { RunFlags } from './run-action.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
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

registerLister(presetListing);

export function registerRunCommand(program: Command, ctx: CommandContext): void {
  program
    .command('run')
    .description('run a test: drive the workload against the target under the nemesis, then check and report')
    .option('--config <file>', 'one YAML file with target:, workload:, nemesis:, checkers:, seed: sections')
    .option('--target <name|file>', 'a built-in target or a target YAML file (default: memory)')
    .option('--workload <name|file>', 'a workload in workloads/ by name, or a path (default: append)')
    .option('--nemesis <name|file|none>', 'a schedule in nemesis/ by name, or a path (default: none)')
    .option('--checkers <list>', 'comma-separated checker names (default: all that fit the workload)')
    .option('--set <path=value>', 'override a config value, VALUE read as YAML (repeatable)', collect)
    .option('--seed <n>', 'the seed (default: random, printed)')
    .option('--ops <n>', 'stop after N client operations (default: the workload\'s)')
    .option('--time-limit <seconds>', 'stop after this much (virtual, for memory) time')
    .option('--concurrency <n>', 'number of concurrent client processes (default: the workload\'s)')
    .option('--out <dir>', 'the run directory (default: reports/<UTC timestamp>-<short name>)')
    .option('--junit <file>', 'also write JUnit XML there')
    .option('--quiet', 'less terminal output')
    .option('--verbose', 'more terminal output, stacks on errors')
    .option('--no-html', 'skip index.html')
    .option('--keep', "keep a real target's temp dir (data dirs, node logs) after the run")
    .action(async (flags: RunFlags) => {
      const { runCommand } = await import('./run-action.js');
      await runCommand(flags, ctx);
    });
}
