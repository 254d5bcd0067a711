// Target construction by type: the memory simulator and the http cluster; external is not yet.

import type { RunConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import type { Rng } from '../rng.js';
import { createHttpTarget } from '../targets/http/index.js';
import { createMemoryTarget } from '../targets/memory/index.js';
import type { CbTarget } from '../targets/types.js';

export type TargetFactory = (config: RunConfig, rng: Rng) => CbTarget;

export function createTarget(config: RunConfig, rng: Rng): CbTarget {
  const t = config.target;
  switch (t.type) {
    case 'memory': {
      const target = createMemoryTarget(t, rng, { workload: config.workload.kind });
      guardSubResolutionDelays(target.scheduler);
      return target;
    }
    case 'http':
      return createHttpTarget(t, rng, { workload: config.workload.kind });
    case 'external':
      throw new UserError('external targets are not supported yet; use --target memory', { field: 'target.type' });
  }
}

/**
 * WORKAROUND for a simulator livelock (reported; remove once src/targets/memory fixes it): virtual
 * times are fractional, and a node timer re-armed with a delay smaller than the clock's float
 * resolution (now + delay === now, e.g. the election timer's `electionNs - elapsed`) fires again
 * at the same instant forever. Rounding positive relative delays up to whole nanoseconds makes
 * time advance; it changes no ordering beyond that and keeps runs deterministic.
 */
function guardSubResolutionDelays(scheduler: object): void {
  const s = scheduler as { schedule?: (delayNs: number, ...rest: unknown[]) => unknown };
  const original = s.schedule;
  if (typeof original !== 'function') return;
  s.schedule = function (this: unknown, delayNs: number, ...rest: unknown[]) {
    return original.call(this, delayNs > 0 ? Math.ceil(delayNs) : delayNs, ...rest);
  };
}
