export * from './config.js';
export * from './logger.js';
export * from './patient/index.js';
export * from './store/index.js';
