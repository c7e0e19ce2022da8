export * from './values.js';
export * from './event.js';
export * from './record-key.js';
export * from './drift.js';
export * from './plan.js';
