// The effective configuration as YAML (config.yaml in the run directory): loading it back with
// `replcheck run --config config.yaml` gives the same RunConfig, so the run repeats exactly.

import { stringify } from 'yaml';
import { kindOf } from '../targets/kinds.js';
import { faultToYaml } from './schema.js';
import type { RunConfig } from './types.js';

export function configToYaml(c: RunConfig): string {
  const doc = {
    seed: c.seed,
    target: kindOf(c.target.type).toYaml(c.target),
    workload: c.workload,
    nemesis: { name: c.nemesis.name, description: c.nemesis.description, schedule: c.nemesis.schedule.map(faultToYaml) },
    checkers: c.checkers,
  };
  const header = '# replcheck effective configuration: `replcheck run --config <this file>` repeats the run.\n# Durations are milliseconds.\n';
  return header + stringify(doc, { lineWidth: 0, flowCollectionPadding: false });
}
