// Which target capabilities each entry of a nemesis schedule needs, and the check, before the
// run, that the target has them: a fault the target cannot inject is exit 2, never a no-op.

import type { FaultSpec, NemesisConfig } from '../config/types.js';
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
  });
}
