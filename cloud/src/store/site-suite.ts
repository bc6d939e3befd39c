/**
 * The sites and on-call teams part of the store contract (migration 24), run on every CloudStore
 * (SQLite, PostgreSQL) from its test file next to the other suites.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NotifyTeam } from '../alerts/notify/config.js';
import type { CloudStore } from './cloud-store.js';
import type { SiteRecord } from './site-records.js';
import type { StoreHarness, StoreTestDatabase } from './store-suite.js';

const site: SiteRecord = {
  id: 'ehpad-a',
  name: 'EHPAD Les Tilleuls',
  kind: 'ehpad',
  gateways: ['cart-a-*'],
  contact: { email: 'accueil@tilleuls.example', phone: '+33612345678' },
  acrAccept: [],
  source: 'config',
  createdAt: '2026-11-01T08:00:00.000Z',
  updatedAt: '2026-11-01T08:00:00.000Z',
};
const team: NotifyTeam = {
  id: 'ic-cardio',
  programmes: ['heart-failure'],
  timeZone: 'Europe/Paris',
  lang: 'fr',
  quietHours: { from: '21:00', to: '07:30' },
  levels: [{ afterMinutes: 0, contacts: [{ name: 'IDE', email: 'ide@chu.example' }] }],
};

export function siteStoreSuite(harness: StoreHarness): void {
  let db: StoreTestDatabase;
  let store: CloudStore;
  describe(`${harness.name}: sites and on-call teams`, () => {
    // Inside the describe: at the top level they would run before every test of the file, every suite's.
    beforeEach(async () => {
      db = await harness.fresh();
      store = await db.open();
    });
    afterEach(async () => {
      await store.close();
      await db.drop();
    });
    it('reads a site back, replaces it on save, and a seed leaves a stored site as the administrator left it', async () => {
      expect(await store.seedSites([site])).toEqual(['ehpad-a']);
      expect(await store.getSite('ehpad-a')).toEqual(site);
      const edited: SiteRecord = {
        ...site,
        name: 'EHPAD Les Tilleuls (aile B)',
        gateways: ['cart-a-*', 'cart-b1'],
        contact: null,
        // The site's authentication policy (migration 28) is kept as set.
        acrAccept: ['eidas2', 'eidas3'],
        source: 'admin',
        updatedAt: '2026-11-02T08:00:00.000Z',
      };
      await store.saveSite(edited);
      // The next start seeds the configuration's version again: the stored one stays.
      const home: SiteRecord = {
        ...site,
        id: 'home-hf',
        name: 'Télésurveillance IC',
        kind: 'home',
        gateways: ['kit-*'],
        contact: null,
        createdAt: '2026-11-03T08:00:00.000Z',
        updatedAt: '2026-11-03T08:00:00.000Z',
      };
      expect(await store.seedSites([site, home])).toEqual(['home-hf']);
      expect(await store.listSites()).toEqual([edited, home]);
      expect(await store.getSite('nowhere')).toBeNull();
    });

    it('keeps a team whole, replaces and deletes it; a seed adds only the missing teams', async () => {
      expect(await store.seedOncallTeams([{ team, source: 'config', updatedAt: '2026-11-01T08:00:00.000Z' }])).toEqual(['ic-cardio']);
      const changed: NotifyTeam = {
        ...team,
        levels: [
          ...team.levels,
          { afterMinutes: 30, contacts: [{ name: 'Cardiologue', phone: '+33698765432', quietHours: { from: '23:00', to: '07:00' } }] },
        ],
      };
      await store.saveOncallTeam({ team: changed, source: 'admin', updatedAt: '2026-11-02T08:00:00.000Z' });
      expect(await store.seedOncallTeams([{ team, source: 'config', updatedAt: '2026-11-03T08:00:00.000Z' }])).toEqual([]);
      expect(await store.listOncallTeams()).toEqual([{ team: changed, source: 'admin', updatedAt: '2026-11-02T08:00:00.000Z' }]);
      expect(await store.deleteOncallTeam('ic-cardio')).toBe(true);
      expect(await store.deleteOncallTeam('ic-cardio')).toBe(false);
      expect(await store.listOncallTeams()).toEqual([]);
    });
  });
}
