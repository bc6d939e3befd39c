export * from './codec.js';
export * from './schemas/batch.js';
export * from './schemas/common.js';
export * from './schemas/observation.js';
export * from './schemas/status.js';
export * from './seq-ranges.js';
export * from './topics.js';
export * from './validate.js';
