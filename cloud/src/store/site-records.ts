/**
 * Sites and on-call teams in the store (migration 24). The configuration's `teleconsult.sites` and
 * `alertNotifications.teams` seed them at the first start; from then on the store is the truth and
 * the administration page edits it (docs/configuration.md, "What the configuration seeds").
 */
import type { NotifyTeam } from '../alerts/notify/config.js';
import type { Telecom } from '../teleconsult/config.js';

export const SITE_KINDS = ['ehpad', 'home'] as const;
/** A nursing home (EHPAD) with its carts, or a home telemonitoring programme with its kits. */
export type SiteKind = (typeof SITE_KINDS)[number];

export interface SiteRecord {
  id: string;
  name: string;
  kind: SiteKind;
  /** The site's carts: gateway ids, prefixes ending in '*', or '*'. */
  gateways: string[];
  /** Where the site's appointment messages go (the nursing home's desk), or null. */
  contact: Telecom | null;
  /** The site's authentication policy: acr values a sign-in must have to reach its carts (empty: none beyond the cloud's). */
  acrAccept: string[];
  /** 'config': seeded from teleconsult.sites; 'admin': made on the administration page. */
  source: 'config' | 'admin';
  createdAt: string;
  updatedAt: string;
}

export interface OncallTeamRecord {
  /** The team as alertNotifications.teams[] describes one (same schema, checked on read). */
  team: NotifyTeam;
  source: 'config' | 'admin';
  updatedAt: string;
}
