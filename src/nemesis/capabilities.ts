// Which target capabilities each entry of a nemesis schedule needs, and the check, before the
// run, that the target has them: a fault the target cannot inject is exit 2, never a no-op.

import type { CrashKind, FaultSpec, NemesisConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { CAPABILITY_TEXT, capabilitiesOf, type Capabilities, type Capability } from '../targets/types.js';

/** The capabilities one schedule entry needs (heal needs none: it undoes what others did). */
export function neededCapabilities(f: FaultSpec): Capability[] {
  const out: Capability[] = [];
  switch (f.fault) {
    case 'kill':
    case 'kill-leader':
      out.push('kill');
      break;
    case 'pause':
    case 'pause-leader':
      out.push('pause');
      break;
    case 'partition':
      out.push('partition');
      break;
    case 'clock-skew':
      out.push('clock');
      break;
    case 'heal':
      break;
  }
  const byLeader = f.fault === 'kill-leader' || f.fault === 'pause-leader' || f.shape === 'isolate-leader' || f.node === 'leader';
  if (byLeader) out.push('leader');
  return out;
}

/** The crash kinds a target's kill can honour, its default first (real process kills: process only). */
export function crashesOf(faults: Partial<Capabilities>): readonly CrashKind[] {
  return faults.kill?.crashes ?? ['process'];
}

/** The crash a kill entry means on this target: its `crash`, or the target's default. */
export function crashFor(f: FaultSpec, faults: Partial<Capabilities>): CrashKind {
  return f.crash ?? crashesOf(faults)[0];
}

const WHY_NOT: Record<CrashKind, string> = {
  host:
    'it kills real processes, and the kernel still delivers what a killed process wrote to its sockets' +
    ' (process semantics); only the memory simulator can drop what is already in flight.' +
    ' Use crash: process, or leave crash out (real targets default to process)',
  process: 'its kills drop what the node has in flight; use crash: host',
};

/** Throws a UserError naming the first fault of the schedule the target lacks. */
export function requireCapabilities(
  cfg: NemesisConfig,
  targetName: string,
  faults: Partial<Capabilities>,
  lacks: Partial<Record<Capability, string>> = {},
): void {
  const has = capabilitiesOf(faults);
  cfg.schedule.forEach((f, i) => {
    for (const c of neededCapabilities(f)) {
      if (has.includes(c)) continue;
      const what = f.fault === 'partition' && c === 'leader' ? `partition shape ${f.shape}` : f.fault;
      throw new UserError(
        `${what} needs a target that can ${CAPABILITY_TEXT[c]} (capability ${c}); target ${targetName} cannot` +
          ` (its faults: ${has.length ? has.join(', ') : 'none'})${lacks[c] ? `: ${lacks[c]}` : ''}`,
        { field: `nemesis ${cfg.name}: schedule[${i}].fault` },
      );
    }
    if (f.crash !== undefined && has.includes('kill') && !crashesOf(faults).includes(f.crash)) {
      throw new UserError(`${f.fault} with crash: ${f.crash} cannot be honoured by target ${targetName}: ${WHY_NOT[f.crash]}`, {
        field: `nemesis ${cfg.name}: schedule[${i}].crash`,
      });
    }
  });
}
