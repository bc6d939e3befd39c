export * from './ble/index.js';
export * from './codecs/index.js';
export * from './fhir/index.js';
export * from './mappings/index.js';
export * from './model/codes.js';
export * from './model/draft.js';
export * from './model/frame.js';
export * from './model/zoned-time.js';
