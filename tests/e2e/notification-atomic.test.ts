/**
 * A device notification that carries several readings (a cuff's BP panel and pulse rate, an
 * oximeter's SpO2 and pulse rate) is stored whole or not at all, even when the gateway is
 * SIGKILLed. The gateway runs as a real child process of the built CLI with its BLE central on a
 * private D-Bus; the test hook TELECART_TEST_SIGKILL_AFTER_READINGS makes it SIGKILL itself right
 * after its Nth reading is committed, i.e. at a commit boundary: with one transaction per
 * notification, no boundary falls inside one. Nothing listens at its cloud URL, so every reading
 * it committed is still in its SQLite file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PrivateBus, startPrivateBus, startVirtualDevices, type VirtualDevices } from '@telecart/firmware-sim';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../cloud/src/testing/mosquitto.js';
import { deviceClock, FINAL_CHARACTERISTIC, keysOfPdu, readingKey } from '../chaos/load.js';
import { CLI_MAIN } from '../chaos/rig.js';
import { startServiceChild } from '../support/service-child.js';
import { waitFor } from '../support/wait.js';

const KINDS = ['blood-pressure-cuff', 'pulse-oximeter'] as const;
const PATIENT = 'atomic-home-1';

let dir: string;
let bus: PrivateBus;
let devices: VirtualDevices;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-atomic-'));
  bus = await startPrivateBus();
  devices = await startVirtualDevices({
    busAddress: bus.address,
    seed: 5,
    intervalMs: 0,
    timeZone: 'UTC',
    devices: KINDS,
    clock: deviceClock(),
  });
}, 30_000);

afterAll(async () => {
  await devices?.stop();
  await bus?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface StoredRow {
  observation: string;
}

/** The reading keys the gateway's store holds (pending or held: nothing was synced). */
function storedKeys(dbFile: string): Set<string> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare<[], StoredRow>('SELECT observation FROM readings').all();
    return new Set(
      rows.map((r) => {
        const o = JSON.parse(r.observation) as {
          device: { id: string };
          code: { loinc: string; mdc?: number };
          time: { device: string | null };
        };
        return readingKey(o.device.id, o.code.loinc, o.code.mdc, o.time.device);
      }),
    );
  } finally {
    db.close();
  }
}

for (const killAfter of [3, 5]) {
  it(`a gateway SIGKILLed after its reading #${killAfter} keeps each two-reading notification whole or not at all`, async () => {
    const runDir = join(dir, `run-${killAfter}`);
    const configFile = join(dir, `gateway-${killAfter}.yaml`);
    writeFileSync(
      configFile,
      [
        `gatewayId: atomic-${killAfter}`,
        'mode: home',
        `homePatientId: ${PATIENT}`,
        'timeZone: UTC',
        `patients: [{ id: ${PATIENT}, family: ATOMIC, given: Test }]`,
        'ble: { enabled: true }',
        '',
      ].join('\n'),
    );
    const sentBefore = new Map(devices.devices.map((d) => [d.address, d.sent.length]));
    const cloud = `mqtt://127.0.0.1:${await freePort()}`;
    const args = ['gateway', '--config', configFile, '--data-dir', runDir, '--cloud', cloud, '--ble-bus', bus.address, '--http-port', '0'];
    const gateway = await startServiceChild('gateway', args, {
      main: CLI_MAIN,
      logFile: join(dir, `gateway-${killAfter}.log`),
      env: { TELECART_LOG_LEVEL: 'warn', TELECART_TEST_SIGKILL_AFTER_READINGS: String(killAfter) },
    });
    try {
      await waitFor(
        () => devices.devices.every((d) => devices.sim.peripheral(d.address)?.isSubscribed(FINAL_CHARACTERISTIC[d.kind] ?? '') === true),
        { timeoutMs: 45_000, what: 'the gateway to subscribe to the cuff and the oximeter' },
      );
      // One measurement at a time, alternating devices, until the hook has killed the gateway.
      for (let turn = 0; gateway.alive() && turn < 40; turn++) {
        const d = devices.devices[turn % devices.devices.length];
        const before = d?.sent.length ?? 0;
        d?.measureNow();
        await waitFor(() => !gateway.alive() || (d?.sent.length ?? 0) > before, { timeoutMs: 10_000, what: 'the measurement to go out' });
        await new Promise((r) => setTimeout(r, 150));
      }
      await waitFor(() => !gateway.alive(), { timeoutMs: 20_000, what: 'the gateway to be killed by its test hook' });
    } finally {
      await gateway.stop(2000);
    }
    expect(gateway.proc.signalCode).toBe('SIGKILL');

    const stored = storedKeys(join(runDir, 'gateway.sqlite'));
    const notifications = devices.devices.flatMap((d) =>
      d.sent
        .slice(sentBefore.get(d.address) ?? 0)
        .filter((p) => p.final)
        .map((p) => keysOfPdu({ address: d.address, characteristic: p.characteristic, bytes: p.bytes })),
    );
    expect(notifications.every((keys) => keys.length === 2)).toBe(true);
    const partial = notifications.filter((keys) => keys.some((k) => stored.has(k)) && !keys.every((k) => stored.has(k)));
    expect(partial, 'notifications stored only in part').toEqual([]);
    // The kill came after the Nth committed reading: at least that many are kept, all of whole notifications.
    expect(stored.size).toBeGreaterThanOrEqual(killAfter);
    expect(notifications.filter((keys) => keys.every((k) => stored.has(k))).length * 2).toBe(stored.size);
  }, 120_000);
}
