/**
 * The accounts part of the store contract (migration 17), run on every CloudStore (SQLite,
 * PostgreSQL) from its test file next to the other suites.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountRecord } from './account-records.js';
import type { CloudStore } from './cloud-store.js';
import type { StoreHarness, StoreTestDatabase } from './store-suite.js';

const account = (over: Partial<AccountRecord> = {}): AccountRecord => ({
  id: 'dr-roux',
  name: 'Dr Anne Roux',
  role: 'specialist',
  rpps: '10003456786',
  email: 'anne.roux@example.org',
  phone: null,
  sites: ['tilleuls'],
  gateways: [],
  specialty: 'cardiologie',
  audit: false,
  passwordHash: '$scrypt$N=16384,r=8,p=1$c2FsdA$aGFzaA',
  tokenSha256: null,
  totp: null,
  oidcSubject: 'f:550e8400',
  source: 'admin',
  disabledAt: null,
  createdAt: '2026-12-06T08:00:00.000Z',
  updatedAt: '2026-12-06T08:00:00.000Z',
  ...over,
});

export function accountStoreSuite(harness: StoreHarness): void {
  let db: StoreTestDatabase;
  let store: CloudStore;
  describe(`${harness.name}: accounts`, () => {
    // Inside the describe: at the top level they would run before every test of the file, every suite's.
    beforeEach(async () => {
      db = await harness.fresh();
      store = await db.open();
    });
    afterEach(async () => {
      await store.close();
      await db.drop();
    });
    it('saves an account and reads it back field for field; saving again replaces all but its creation time', async () => {
      const a = account();
      await store.saveAccount(a);
      expect(await store.getAccount('dr-roux')).toEqual(a);
      const changed = account({
        role: 'gp',
        sites: ['tilleuls', 'roses'],
        gateways: ['cart-9'],
        audit: true,
        disabledAt: '2026-12-06T09:00:00.000Z',
        createdAt: '2030-01-01T00:00:00.000Z',
        updatedAt: '2026-12-06T09:00:00.000Z',
      });
      await store.saveAccount(changed);
      expect(await store.getAccount('dr-roux')).toEqual({ ...changed, createdAt: a.createdAt });
      expect(await store.getAccount('nobody')).toBeNull();
    });

    it('lists every account by id, and refuses a second account with the same OpenID Connect subject', async () => {
      await store.saveAccount(account({ id: 'sec-b', role: 'coordinator', rpps: null, oidcSubject: null }));
      await store.saveAccount(account({ id: 'dr-a', oidcSubject: 'sub-a' }));
      expect((await store.listAccounts()).map((x) => [x.id, x.role])).toEqual([
        ['dr-a', 'specialist'],
        ['sec-b', 'coordinator'],
      ]);
      await expect(store.saveAccount(account({ id: 'dr-c', oidcSubject: 'sub-a' }))).rejects.toThrow();
    });
  });
}
