export * from './types.js';
export * from './presence-rule.js';
export * from './rule-engine.js';
