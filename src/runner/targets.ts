// Target construction by type: the memory simulator, the http cluster, external systems.

import type { RunConfig } from '../config/types.js';
import type { Rng } from '../rng.js';
import { createExternalTarget } from '../targets/external/index.js';
import { createHttpTarget } from '../targets/http/index.js';
import { createMemoryTarget } from '../targets/memory/index.js';
import type { Target } from '../targets/types.js';

/** What a run tells the target beyond the test map (output options). */
export interface TargetEnv {
  /** Keep temp dirs (data dirs, logs) after the run. */
  keep?: boolean;
}

export type TargetFactory = (config: RunConfig, rng: Rng, env?: TargetEnv) => Target;

export function createTarget(config: RunConfig, rng: Rng, env: TargetEnv = {}): Target {
  const t = config.target;
  switch (t.type) {
    case 'memory':
      return createMemoryTarget(t, rng, { workload: config.workload.kind });
    case 'http':
      return createHttpTarget(t, rng, { workload: config.workload.kind });
    case 'external':
      return createExternalTarget(t, { workload: config.workload.kind, keep: env.keep });
  }
}
