// Target construction by type: the memory simulator and the http cluster; external is not yet.

import type { RunConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import type { Rng } from '../rng.js';
import { createHttpTarget } from '../targets/http/index.js';
import { createMemoryTarget } from '../targets/memory/index.js';
import type { Target } from '../targets/types.js';

export type TargetFactory = (config: RunConfig, rng: Rng) => Target;

export function createTarget(config: RunConfig, rng: Rng): Target {
  const t = config.target;
  switch (t.type) {
    case 'memory':
      return createMemoryTarget(t, rng, { workload: config.workload.kind });
    case 'http':
      return createHttpTarget(t, rng, { workload: config.workload.kind });
    case 'external':
      throw new UserError('external targets are not supported yet; use --target memory', { field: 'target.type' });
  }
}

