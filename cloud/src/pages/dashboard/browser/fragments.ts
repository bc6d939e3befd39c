/**
 * The dashboard's panels are HTML fragments rendered (and escaped) by the server: the browser
 * fetches one and swaps it in. The HTML is parsed in a separate inert document (DOMParser: its
 * scripts never run, its images never load) and its nodes moved into the page.
 */

/** Signed out elsewhere or the login expired: reloading the page leads to the sign-in page. */
export function reloadIfSignedOut(r: Response): void {
  if (r.status === 401) location.reload();
}

/** The fragment at `url` (a path relative to the page, so a reverse-proxy prefix keeps working). */
export async function fetchFragment(url: string): Promise<string> {
  const r = await fetch(url, { headers: { accept: 'text/html' }, cache: 'no-store' });
  reloadIfSignedOut(r);
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return r.text();
}

export function swapIn(target: Element, html: string): void {
  const parsed = new DOMParser().parseFromString(html, 'text/html');
  target.replaceChildren(...Array.from(parsed.body.childNodes));
}
