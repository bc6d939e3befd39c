/**
 * The nurse credentials part of the store contract (migration 20), run on every CloudStore
 * (SQLite, PostgreSQL) from its test file next to the other suites.
 */
import type { PinVerifier } from '@telecart/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudStore } from './cloud-store.js';
import { nurseWorksOn } from './nurse-records.js';
import type { StoreHarness, StoreTestDatabase } from './store-suite.js';

const pin: PinVerifier = {
  kdf: 'scrypt',
  logN: 14,
  r: 8,
  p: 1,
  salt: Buffer.alloc(16, 1).toString('base64'),
  hash: Buffer.alloc(32, 2).toString('base64'),
};

export function nurseStoreSuite(harness: StoreHarness): void {
  let db: StoreTestDatabase;
  let store: CloudStore;
  describe(`${harness.name}: nurse credentials`, () => {
    // Inside the describe: at the top level they would run before every test of the file, every suite's.
    beforeEach(async () => {
      db = await harness.fresh();
      store = await db.open();
    });
    afterEach(async () => {
      await store.close();
      await db.drop();
    });
    it('keeps a chosen PIN when the profile is saved again, and reads back what was written', async () => {
      await store.saveNurse({ accountId: 'n.martin', name: 'Nadia Martin', badgeSha256: 'a'.repeat(64), gateways: ['cart-1'] });
      expect(await store.getNurse('n.martin')).toEqual({
        accountId: 'n.martin',
        name: 'Nadia Martin',
        badgeSha256: 'a'.repeat(64),
        gateways: ['cart-1'],
        pin: null,
        pinSetAt: null,
      });
      const at = new Date('2026-12-06T09:00:00.000Z');
      expect(await store.setNursePin('n.martin', pin, at)).toBe(true);
      expect(await store.setNursePin('nobody', pin, at)).toBe(false);
      await store.saveNurse({ accountId: 'n.martin', name: 'Nadia Martin-Roux', badgeSha256: null, gateways: ['ehpad-a-*'] });
      const n = await store.getNurse('n.martin');
      expect(n).toEqual({
        accountId: 'n.martin',
        name: 'Nadia Martin-Roux',
        badgeSha256: null,
        gateways: ['ehpad-a-*'],
        pin,
        pinSetAt: at.toISOString(),
      });
      expect(n && nurseWorksOn(n, 'ehpad-a-2')).toBe(true);
      expect(n && nurseWorksOn(n, 'ehpad-b-1')).toBe(false);
      expect(await store.setNursePin('n.martin', null, at)).toBe(true);
      expect((await store.getNurse('n.martin'))?.pin).toBeNull();
    });

    it('refuses a second nurse with the same badge, and a PIN verifier that is not one', async () => {
      await store.saveNurse({ accountId: 'a', name: 'A', badgeSha256: 'b'.repeat(64), gateways: ['*'] });
      await expect(store.saveNurse({ accountId: 'b', name: 'B', badgeSha256: 'b'.repeat(64), gateways: ['*'] })).rejects.toThrow();
      await expect(store.setNursePin('a', { ...pin, logN: 4 }, new Date())).rejects.toThrow(/not a PIN verifier/);
      expect((await store.listNurses()).map((n) => n.accountId)).toEqual(['a']);
      expect(await store.removeNurse('a')).toBe(true);
      expect(await store.listNurses()).toEqual([]);
    });
  });
}
