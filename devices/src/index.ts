export * from './model/codes.js';
export * from './model/draft.js';
export * from './model/frame.js';
