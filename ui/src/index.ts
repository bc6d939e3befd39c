export { loadPageBundle, type PageBundle, pageBundlePath } from './bundles/page-bundle.js';
export { cspHash } from './html/csp-hash.js';
export { InlineScript, InlineStyle, JsonData, PageHead, renderDocument, renderFragment, scriptJson } from './html/document.js';
export * from './i18n/index.js';
