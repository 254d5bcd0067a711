// The target types by `type:`: each owns the schema of its `target:` section, its defaults, its
// YAML form (config.yaml) and the capabilities a configuration of it has (validation, `list`).

import type { z } from 'zod';
import { defaultTarget } from '../config/defaults.js';
import type { DesignConfig, ExternalTargetConfig, TargetConfig } from '../config/types.js';
import { designSchema } from './design-schema.js';
import { externalCapabilities } from './external/capabilities.js';
import { externalSchema, externalToYaml } from './external/schema.js';
import { CAPABILITIES, type Capability } from './types.js';

export type TargetType = TargetConfig['type'];
export const TARGET_TYPES: readonly TargetType[] = ['memory', 'http', 'external'];

export interface TargetKind {
  schema: z.ZodType<TargetConfig>;
  /** The values a file's mapping is merged over. */
  defaults(): Record<string, unknown>;
  toYaml(t: TargetConfig): unknown;
  capabilities(t: TargetConfig): Capability[];
}

const design = (type: 'memory' | 'http'): TargetKind => ({
  schema: designSchema as unknown as z.ZodType<TargetConfig>,
  defaults: () => {
    const d = defaultTarget(type) as unknown as Record<string, unknown>;
    delete d.description;
    return d;
  },
  toYaml: (t) => t,
  capabilities: () => CAPABILITIES.slice(),
});

const KINDS: Record<TargetType, TargetKind> = {
  memory: design('memory'),
  http: design('http'),
  external: {
    schema: externalSchema as unknown as z.ZodType<TargetConfig>,
    defaults: () => ({}),
    toYaml: (t) => externalToYaml(t as ExternalTargetConfig),
    capabilities: (t) => externalCapabilities(t as ExternalTargetConfig),
  },
};

/** The kind of a raw `target:` mapping (by its `type`, memory when absent or unknown: the schema then names it). */
export function kindOf(type: unknown): TargetKind {
  return typeof type === 'string' && (TARGET_TYPES as string[]).includes(type) ? KINDS[type as TargetType] : KINDS.memory;
}

export function isDesign(t: TargetConfig): t is DesignConfig {
  return t.type !== 'external';
}
