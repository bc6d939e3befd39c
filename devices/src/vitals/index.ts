export * from './catalogue.js';
export * from './units.js';
