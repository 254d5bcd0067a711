// The config module's public face: load, dump, defaults and preset listing.

export { configToYaml } from './dump.js';
export { defaultRunConfig, defaultTarget, defaultWorkload, noNemesis } from './defaults.js';
export { loadRunConfig, type ConfigFlags, type LoadedConfig } from './load.js';
export { listPresets, presetNames, type PresetKind } from './presets.js';
export type * from './types.js';
