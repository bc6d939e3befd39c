export { byId, el, readJson } from './dom.js';
