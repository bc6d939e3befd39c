import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { patternsOverlap, type SitePolicy, siteAcrRefusal, sitesReached } from './site-acr-policy.js';

const matches = (pattern: string, id: string) =>
  pattern === '*' || (pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : pattern === id);

const nord: SitePolicy = { id: 'nord', name: 'EHPAD Nord', gateways: ['cart-n*'], acrAccept: ['eidas2'] };
const sud: SitePolicy = { id: 'sud', name: 'EHPAD Sud', gateways: ['cart-s1', 'cart-s2'] };
const kits: SitePolicy = { id: 'kits', name: 'Télésurveillance', gateways: ['kit-*'], acrAccept: ['eidas1', 'eidas2'] };
const sites = [nord, sud, kits];

describe('per-site authentication policy', () => {
  it('decides overlap of cart patterns: ids, prefixes, every cart', () => {
    expect(patternsOverlap('*', 'cart-s1')).toBe(true);
    expect(patternsOverlap('cart-n*', 'cart-n12')).toBe(true);
    expect(patternsOverlap('cart-n12', 'cart-n*')).toBe(true);
    expect(patternsOverlap('cart-*', 'cart-n*')).toBe(true);
    expect(patternsOverlap('cart-n*', 'cart-s*')).toBe(false);
    expect(patternsOverlap('cart-s1', 'cart-s2')).toBe(false);
    expect(patternsOverlap('kit-*', 'cart-n1')).toBe(false);
  });

  it('finds two patterns overlapping whenever one cart id matches both', () => {
    const part = fc.constantFrom('a', 'b', 'ab', 'ba', '');
    const id = fc.tuple(part, part, part).map(([a, b, c]) => `c${a}${b}${c}`);
    const pattern = fc.oneof(
      id,
      id.map((i) => `${i}*`),
      fc.constant('*'),
      part.map((p) => `c${p}*`),
    );
    fc.assert(
      fc.property(pattern, pattern, id, (a, b, cart) => {
        if (matches(a, cart) && matches(b, cart)) expect(patternsOverlap(a, b)).toBe(true);
      }),
    );
  });

  it('reaches the granted sites and those its own carts fall in', () => {
    expect(sitesReached({ sites: ['sud'], gateways: [] }, sites).map((s) => s.id)).toEqual(['sud']);
    expect(sitesReached({ sites: [], gateways: ['cart-n3'] }, sites).map((s) => s.id)).toEqual(['nord']);
    expect(sitesReached({ sites: [], gateways: ['*'] }, sites).map((s) => s.id)).toEqual(['nord', 'sud', 'kits']);
    expect(sitesReached({ sites: [], gateways: ['cart-x1'] }, sites)).toEqual([]);
  });

  it('refuses a level outside the set of any reached site, and a sign-in with no level where a site has a policy', () => {
    const everyCart = { sites: [], gateways: ['*'] };
    expect(siteAcrRefusal(everyCart, sites, 'eidas2')).toBeNull();
    expect(siteAcrRefusal(everyCart, sites, 'eidas1')?.id).toBe('nord');
    expect(siteAcrRefusal(everyCart, sites, null)?.id).toBe('nord');
    // A set, not a scale: eidas3 is not "above" eidas2 unless the site lists it.
    expect(siteAcrRefusal(everyCart, sites, 'eidas3')?.id).toBe('nord');
    expect(siteAcrRefusal({ sites: ['kits'], gateways: [] }, sites, 'eidas1')).toBeNull();
    // A site without a policy of its own asks nothing beyond the cloud's.
    expect(siteAcrRefusal({ sites: ['sud'], gateways: [] }, sites, null)).toBeNull();
  });
});
