/**
 * Upgrade from the release whose content keys were `device|n<record number>|loinc` (format 1), on
 * real transports. The first run plays the previous release: the gateway keys readings with the old
 * key function (legacyContentKeyOf, swapped in by vi.mock for that run only), so the gateway store's
 * synced keys and the cloud hold format-1 keys, and device-state.sqlite is then rewritten with the
 * previous release's SQL (no key_format column). The upgraded gateway must not take the proof record
 * for a reset: the cloud gets only the meter's new readings, the cursor is rewritten as format 2,
 * and a real reset after that is still seen (the legacy check does not outlive the first download).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { VirtualBleDevice } from '@telecart/firmware-sim';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeviceStateStore } from '../../gateway/src/devices/device-state-store.js';
import { waitFor } from '../support/wait.js';
import { type BleRig, idOf, startBleRig } from './ble-harness.js';

/** While set, the gateway computes content keys as the previous release did. */
const previousRelease = vi.hoisted(() => ({ keys: false }));
vi.mock(import('../../gateway/src/devices/content-key.js'), async (importOriginal) => {
  const m = await importOriginal();
  const { legacyContentKeyOf } = await import('../../gateway/src/pipeline/legacy-keys.js');
  return { ...m, contentKeyOf: (id, draft) => (previousRelease.keys ? legacyContentKeyOf(id, draft) : m.contentKeyOf(id, draft)) };
});

const RESET_MSG = 'RACP record numbering restarted on the meter (reset, replaced or wrapped): cursor cleared, downloading all records';
const UPGRADED_MSG = 'RACP: first download after the content-key upgrade; cursor now in the current format';
const downloads = (rig: BleRig) => rig.logs.filter((l) => l.msg === 'RACP download complete' || l.msg === 'RACP: no new stored records');
const resets = (rig: BleRig) => rig.logs.filter((l) => l.msg === RESET_MSG);

/** device-state.sqlite exactly as the previous release wrote it: one table, no key format. */
function writePreviousReleaseDeviceState(dataDir: string, deviceId: string, cursor: number): void {
  for (const f of ['device-state.sqlite', 'device-state.sqlite-wal', 'device-state.sqlite-shm']) rmSync(join(dataDir, f), { force: true });
  const db = new Database(join(dataDir, 'device-state.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS racp_cursor (device_id TEXT PRIMARY KEY, record_number INTEGER NOT NULL, updated_at TEXT NOT NULL)');
  db.prepare('INSERT INTO racp_cursor (device_id, record_number, updated_at) VALUES (?, ?, ?)').run(
    deviceId,
    cursor,
    new Date().toISOString(),
  );
  db.close();
}

function syncedKeys(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'gateway.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT content_key FROM synced_keys ORDER BY seq').all() as { content_key: string }[]).map((r) => r.content_key);
  } finally {
    db.close();
  }
}

function cursorState(dataDir: string, deviceId: string): { cursor?: number; keyFormat?: number } {
  const s = new DeviceStateStore({ dataDir });
  try {
    return { cursor: s.cursor(deviceId), keyFormat: s.keyFormat(deviceId) };
  } finally {
    s.close();
  }
}

describe('RACP download after an upgrade from format-1 content keys', () => {
  let rig: BleRig | undefined;
  afterEach(async () => {
    previousRelease.keys = false;
    await rig?.stop();
    rig = undefined;
  });

  async function session(r: BleRig, downloadsSoFar: number): Promise<void> {
    await r.startGateway();
    await waitFor(() => downloads(r).length >= downloadsSoFar, { timeoutMs: 20_000, what: `download ${downloadsSoFar}` });
    await waitFor(async () => (await r.gateway?.store.stats())?.pending === 0, { what: 'gateway backlog drained' });
  }

  it('3 records synced by the previous release + 2 new: the cloud gets the 2 new only, no reset, cursor format 2', async () => {
    rig = await startBleRig({ devices: ['glucose-meter'], perDevice: { 'glucose-meter': { name: 'TC-GL600' } } });
    const r = rig;
    const meter = r.sims.byKind('glucose-meter') as VirtualBleDevice;
    const id = idOf(meter.address);
    for (let i = 0; i < 3; i++) meter.measureNow();

    // The previous release: downloads all, syncs, remembers format-1 keys; its cursor is 3.
    previousRelease.keys = true;
    await session(r, 1);
    await r.cloudHas(3);
    await r.stopGateway();
    previousRelease.keys = false;
    const old = await r.observations();
    expect(old.map((o) => o.contentKey).sort()).toEqual([1, 2, 3].map((n) => `${id}|n${n}|2339-0`));
    expect(syncedKeys(r.dataDir)).toEqual([1, 2, 3].map((n) => `${id}|n${n}|2339-0`));
    writePreviousReleaseDeviceState(r.dataDir, id, 3);

    // Upgraded gateway; two readings taken meanwhile.
    meter.measureNow();
    meter.measureNow();
    await session(r, 2);
    await r.cloudHas(5);
    await r.stopGateway();
    // Backlog drained: every reading this run recorded is in the cloud by now.
    expect(await r.cloud.store.countObservations({})).toBe(5);
    expect(resets(r)).toHaveLength(0);
    expect(downloads(r)[1]?.obj).toMatchObject({
      deviceId: id,
      filter: { operator: 'gte', sequenceNumber: 3 },
      fresh: 2,
      cursorBefore: 3,
      cursorAfter: 5,
    });
    expect(r.logs.filter((l) => l.msg === UPGRADED_MSG).map((l) => l.obj)).toEqual([{ deviceId: id, cursor: 3 }]);
    const obs = await r.observations();
    const fresh = obs.filter((o) => !o.contentKey?.includes('|n'));
    expect(fresh).toHaveLength(2);
    expect(fresh.every((o) => o.contentKey?.startsWith(`${id}|t${o.time.device}|2339-0|v`))).toBe(true);
    expect(cursorState(r.dataDir, id)).toEqual({ cursor: 5, keyFormat: 2 });

    // The legacy check is over: after a real reset, record 1 (legacy key `n1` still remembered) is a new reading.
    meter.resetRecords();
    meter.measureNow();
    await session(r, 3);
    await r.cloudHas(6);
    expect(resets(r)).toHaveLength(1);
    expect(resets(r)[0]?.obj).toMatchObject({ deviceId: id, reason: 'renumbered', oldCursor: 5, meterLast: 1 });
    expect(r.logs.filter((l) => l.msg === UPGRADED_MSG)).toHaveLength(1);
    await r.stopGateway();
    expect(await r.cloud.store.countObservations({})).toBe(6);
    expect(cursorState(r.dataDir, id)).toEqual({ cursor: 1, keyFormat: 2 });
  }, 60_000);
});
