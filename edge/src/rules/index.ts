/** Rules stage: frames, detections and tracks of one camera in, event transitions out. */
export * from './types.js';
export * from './geometry.js';
export * from './filters.js';
export * from './schedule.js';
export * from './geometry-config.js';
export * from './rule-config.js';
export * from './rule-names.js';
export * from './gb-alarm.js';
export * from './presets.js';
export * from './resolved-rule.js';
export * from './resolve-rules.js';
export * from './rule-engine.js';
