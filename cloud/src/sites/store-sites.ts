/**
 * Sites live in the store (migration 24); the configuration's `teleconsult.sites` seeds them.
 *
 * On conflict the store wins: a site the store has is left as it is, whatever the configuration
 * now says. The administration page adds carts to a site when it enrols them and renames sites; a
 * restart that put the file's version back would take an enrolled cart out of its site (and out of
 * its administrator's and nurses' scope). A configured site that differs from the stored one is
 * named in a warning so the operator knows the file's change was not applied.
 */
import type { CloudStore } from '../store/cloud-store.js';
import type { SiteRecord } from '../store/site-records.js';
import type { SiteConfig } from '../teleconsult/config.js';

export function siteRecordOf(c: SiteConfig, source: SiteRecord['source'], at: string): SiteRecord {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind ?? 'ehpad',
    gateways: [...c.gateways],
    contact: c.contact ?? null,
    acrAccept: [...(c.acrAccept ?? [])],
    source,
    createdAt: at,
    updatedAt: at,
  };
}

/** The site as the directory and the configuration's consumers take it. */
export function siteConfigOf(r: SiteRecord): SiteConfig {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    gateways: [...r.gateways],
    ...(r.contact ? { contact: r.contact } : {}),
    ...(r.acrAccept.length > 0 ? { acrAccept: [...r.acrAccept] } : {}),
  };
}

function sameSite(a: SiteRecord, c: SiteConfig): boolean {
  return (
    a.name === c.name &&
    a.kind === (c.kind ?? 'ehpad') &&
    JSON.stringify(a.gateways) === JSON.stringify(c.gateways) &&
    JSON.stringify(a.contact) === JSON.stringify(c.contact ?? null) &&
    JSON.stringify(a.acrAccept) === JSON.stringify(c.acrAccept ?? [])
  );
}

/** Writes the configured sites the store lacks and answers every stored site, configuration's first. */
export async function seedSites(
  store: Pick<CloudStore, 'seedSites' | 'listSites'>,
  configured: readonly SiteConfig[],
  now: Date,
  warn: (message: string) => void,
): Promise<SiteConfig[]> {
  const at = now.toISOString();
  const added = new Set(await store.seedSites(configured.map((c) => siteRecordOf(c, 'config', at))));
  const stored = await store.listSites();
  for (const c of configured) {
    const s = stored.find((r) => r.id === c.id);
    if (s && !added.has(c.id) && !sameSite(s, c))
      warn(`site ${c.id}: the configuration differs from the store, which the administration page edits; the store's version is used`);
  }
  return stored.map(siteConfigOf);
}
