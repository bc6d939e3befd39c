export * from './model/codes.js';
export * from './model/draft.js';
