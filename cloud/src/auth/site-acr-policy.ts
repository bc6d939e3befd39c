/**
 * Per-site authentication policies. A site may require sign-in levels of its own (`acrAccept`: the
 * acr values an identity provider vouches for, such as Pro Santé Connect's eidas1 / eidas2). acr
 * values are a set, not a ranked scale, so no "strictest policy" of a clinician's sites can be
 * computed; what can be decided is whether one sign-in's acr is in the accepted set of every site
 * the account reaches. The first site whose set it is not in is the refusal, named to the clinician.
 *
 * An account reaches a site through the sites it is granted and through its own cart patterns
 * when they can match one of the site's carts ('*' reaches every site).
 */

export interface SitePolicy {
  id: string;
  name: string;
  /** The site's carts: ids, prefixes ending in '*', or '*'. */
  gateways: readonly string[];
  /** Accepted acr values; absent or empty: no policy of the site's own. */
  acrAccept?: readonly string[] | undefined;
}

export interface AccountReach {
  sites: readonly string[];
  gateways: readonly string[];
}

const isPrefix = (p: string) => p.endsWith('*');

/** Whether two cart patterns can match one same cart. */
export function patternsOverlap(a: string, b: string): boolean {
  if (a === '*' || b === '*') return true;
  if (isPrefix(a) && isPrefix(b)) {
    const pa = a.slice(0, -1);
    const pb = b.slice(0, -1);
    return pa.startsWith(pb) || pb.startsWith(pa);
  }
  if (isPrefix(a)) return b.startsWith(a.slice(0, -1));
  if (isPrefix(b)) return a.startsWith(b.slice(0, -1));
  return a === b;
}

/** The sites an account reaches: granted, or overlapping one of its own cart patterns. */
export function sitesReached(account: AccountReach, sites: Iterable<SitePolicy>): SitePolicy[] {
  const out: SitePolicy[] = [];
  for (const site of sites)
    if (account.sites.includes(site.id) || account.gateways.some((p) => site.gateways.some((q) => patternsOverlap(p, q)))) out.push(site);
  return out;
}

/** The first reached site whose policy this sign-in's acr (null: none, a password or an API token) does not meet, or null. */
export function siteAcrRefusal(account: AccountReach, sites: Iterable<SitePolicy>, acr: string | null): SitePolicy | null {
  for (const site of sitesReached(account, sites)) {
    const accept = site.acrAccept ?? [];
    if (accept.length > 0 && (acr === null || !accept.includes(acr))) return site;
  }
  return null;
}
