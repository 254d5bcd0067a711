// One target conformance suite (test/targets/conformance/suite.ts) against every target: the
// simulator, the http cluster, and each external profile in targets/ whose binaries are installed.

import { describe, it } from 'vitest';
import { netnsSupport } from '../../src/targets/real/netns.js';
import type { Capability } from '../../src/targets/types.js';
import { externalAdapter, externalProfiles } from './conformance/external.js';
import { httpAdapter } from './conformance/http.js';
import { memoryAdapter } from './conformance/memory.js';
import { describeConformance } from './conformance/suite.js';

/** What each external profile must declare here (partitions need network namespaces: root on Linux). */
const EXTERNAL_CAPABILITIES: Record<string, () => Capability[]> = {
  etcd: () => ['kill', 'pause', ...(netnsSupport().ok ? (['partition'] as const) : []), 'leader'],
  redis: () => ['kill', 'pause', ...(netnsSupport().ok ? (['partition'] as const) : []), 'leader'],
  postgres: () => ['kill', 'pause', ...(netnsSupport().ok ? (['partition'] as const) : []), 'leader'],
};

describeConformance(memoryAdapter());
describeConformance(httpAdapter());

for (const p of externalProfiles()) {
  const expected = EXTERNAL_CAPABILITIES[p.name];
  if (p.missing !== undefined) {
    describe.skip(`target conformance: ${p.name} (not installed: ${p.missing})`, () => {
      it('needs its binaries', () => undefined);
    });
  } else if (expected === undefined) {
    describe(`target conformance: ${p.name}`, () => {
      it('has its expected capability list in test/targets/conformance.test.ts', () => {
        throw new Error(`add targets/${p.name}.yaml's capabilities to EXTERNAL_CAPABILITIES`);
      });
    });
  } else describeConformance(externalAdapter(p.name, expected()));
}
