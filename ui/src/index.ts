export { loadPageBundle, type PageBundle, pageBundlePath } from './bundles/page-bundle.js';
export { InlineScript, InlineStyle, JsonData, renderDocument, renderFragment, scriptJson } from './html/document.js';
export * from './i18n/index.js';
