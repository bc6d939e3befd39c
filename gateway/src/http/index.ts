export { NURSE_PAGE_CSP } from '../pages/nurse/page.js';
export { type HttpApi, type HttpApiDeps, startHttpApi } from './server.js';
