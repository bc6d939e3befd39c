/** The page icon (GET /favicon.svg and /favicon.ico): a white cross on the page's blue, allowed by img-src 'self'. */
export const NURSE_PAGE_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5394"/>' +
  '<path d="M13 6h6v7h7v6h-7v7h-6v-7H6v-6h7z" fill="#fff"/></svg>';
