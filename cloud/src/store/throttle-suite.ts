/**
 * The authentication-throttle part of the store contract (updateThrottle, pruneThrottle), run on
 * every CloudStore (SQLite, PostgreSQL) from its test file next to cloudStoreSuite().
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudStore, ThrottleRow } from './cloud-store.js';
import type { StoreHarness, StoreTestDatabase } from './store-suite.js';

/** Counts one failure on each key; answers the counts it saw. */
function bump(store: CloudStore, keys: string[], at: number): Promise<number[]> {
  return store.updateThrottle(keys, (rows) => {
    const seen = keys.map((k) => rows.get(k)?.failures ?? 0);
    const write: ThrottleRow[] = keys.map((k, i) => ({ key: k, failures: (seen[i] ?? 0) + 1, lastFailureMs: at, blockedUntilMs: 0 }));
    return { write, remove: [], result: seen };
  });
}

const read = (store: CloudStore, keys: string[]) =>
  store.updateThrottle(keys, (rows) => ({ write: [], remove: [], result: keys.map((k) => rows.get(k) ?? null) }));

export function throttleStoreSuite(harness: StoreHarness): void {
  // Its own describe: hooks at the file's top level would run before every test of the file, every suite's.
  describe(`${harness.name}: throttle`, () => {
    let db: StoreTestDatabase;
    let stores: CloudStore[] = [];
    beforeEach(async () => {
      db = await harness.fresh();
      stores = [await db.open()];
    });
    afterEach(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    });

    describe(`${harness.name}: authentication throttle`, () => {
      it('decides parallel attempts one after the other, from several connections, on shared and new keys', async () => {
        stores.push(await db.open(), await db.open());
        const calls = Array.from({ length: 60 }, (_, i) => {
          const s = stores[i % stores.length] as CloudStore;
          // Two keys per call, in both orders: shared account, one of two sources.
          const keys = i % 2 === 0 ? ['account:dr-x', `source:10.0.0.${i % 4}`] : [`source:10.0.0.${i % 4}`, 'account:dr-x'];
          return bump(s, keys, 1_000 + i);
        });
        const seen = await Promise.all(calls);
        // Every call saw a different account count: no two were decided on the same state.
        const accountCounts = seen.map((r, i) => (i % 2 === 0 ? r[0] : r[1]));
        expect([...accountCounts].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 60 }, (_, i) => i));
        const [account, ...sources] = await read(stores[0] as CloudStore, [
          'account:dr-x',
          'source:10.0.0.0',
          'source:10.0.0.1',
          'source:10.0.0.2',
          'source:10.0.0.3',
        ]);
        expect(account?.failures).toBe(60);
        expect(sources.map((s) => s?.failures)).toEqual([15, 15, 15, 15]);
      });

      it('writes, removes and keeps rows across reopen; prunes only old rows that block nothing', async () => {
        const store = stores[0] as CloudStore;
        await store.updateThrottle(['a', 'b', 'c', 'd'], () => ({
          write: [
            { key: 'a', failures: 3, lastFailureMs: 1_000, blockedUntilMs: 0 },
            { key: 'b', failures: 9, lastFailureMs: 1_000, blockedUntilMs: 9_000_000_000_000 },
            { key: 'c', failures: 1, lastFailureMs: 5_000_000_000_000, blockedUntilMs: 0 },
            { key: 'd', failures: 1, lastFailureMs: 1_000, blockedUntilMs: 0 },
          ],
          remove: [],
          result: undefined,
        }));
        await store.updateThrottle(['d'], () => ({ write: [], remove: ['d'], result: undefined }));
        await store.close();
        const again = await db.open();
        stores = [again];
        expect(await read(again, ['a', 'b', 'c', 'd'])).toEqual([
          { key: 'a', failures: 3, lastFailureMs: 1_000, blockedUntilMs: 0 },
          { key: 'b', failures: 9, lastFailureMs: 1_000, blockedUntilMs: 9_000_000_000_000 },
          { key: 'c', failures: 1, lastFailureMs: 5_000_000_000_000, blockedUntilMs: 0 },
          null,
        ]);
        expect(await again.pruneThrottle(new Date(2_000_000_000_000))).toBe(1);
        expect((await read(again, ['a', 'b', 'c'])).map((r) => r?.key ?? null)).toEqual([null, 'b', 'c']);
      });
    });
  });
}
