/**
 * SerialService reads a device as its definition says: a definition the gateway has never heard of
 * (added to the definitions list, no gateway code) is picked up by name from the configuration and
 * read on a real pseudo-terminal; its capability's readings decide what is stored. Config entries
 * naming a definition are checked against the definitions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEVICE_DEFINITIONS,
  defineDevice,
  encodeNoninDf8,
  encodeNoninDf13,
  noninDf8Spo2Pulse,
  type SerialPacket,
  serialDecoder,
  streamDecoder,
  UCUM,
  VITALS,
} from '@telecart/devices';
import { PtyPair } from '@telecart/firmware-sim';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceManager } from '../devices/device-manager.js';
import type { Logger } from '../logger.js';
import { PatientContext } from '../patient/context.js';
import { ReadingStore } from '../store/reading-store.js';
import { checkSerialConfig, type SerialConfig } from './config.js';
import { SerialService } from './serial-service.js';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A spot-check oximeter speaking DF13: a definition of an existing format, nothing else. */
const acmeOx = defineDevice({
  id: 'acme-ox-100',
  vendor: 'Acme',
  model: 'OX-100',
  description: 'test: spot-check oximeter on a DF13 serial link',
  transport: 'serial',
  match: { usb: [{ vid: 0x1234, pid: 0x0001 }] },
  capabilities: [serialDecoder('nonin-df13', 'spot')],
});

/**
 * A DF8 monitor whose every packet is a final reading (no hold): its own readings code, not the
 * format's, decides. Lane 'spot', no waveform.
 */
const acmeEveryPacket = defineDevice({
  id: 'acme-ox-200',
  vendor: 'Acme',
  model: 'OX-200',
  description: 'test: DF8 packets each stored',
  transport: 'serial',
  match: { usb: [{ vid: 0x1234, pid: 0x0002 }] },
  capabilities: [
    streamDecoder<SerialPacket>({
      ...serialDecoder('nonin-df8', 'spot'),
      readings: () => ({
        read: (p) =>
          p.format === 'nonin-df8' && p.packet.spo2 !== null
            ? {
                readings: [
                  {
                    code: VITALS.spo2,
                    value: { value: noninDf8Spo2Pulse(p.packet).spo2 ?? 0, unit: UCUM.percent },
                    status: 'final',
                    flags: ['every-packet'],
                    lane: 'spot',
                  },
                ],
              }
            : {},
      }),
    }),
  ],
});

const DEFINITIONS = [...DEVICE_DEFINITIONS, acmeOx, acmeEveryPacket];

async function waitFor<T>(probe: () => T | undefined | false, what: string, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const serialConfig = (devices: SerialConfig['devices']): SerialConfig => ({
  devices,
  segmentSeconds: 10,
  stableSeconds: 10,
  reconnectInitialMs: 20,
  reconnectMaxMs: 100,
});

describe('SerialService takes its behaviour from the device definition', () => {
  let dir: string;
  let pair: PtyPair;
  let store: ReadingStore;
  let dm: DeviceManager;
  let patients: PatientContext;
  let service: SerialService | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-serial-svc-'));
    pair = await PtyPair.start({ hostLink: join(dir, 'host'), deviceLink: join(dir, 'dev') });
    store = new ReadingStore({ dataDir: join(dir, 'store'), gatewayId: 'cart-1' });
    patients = new PatientContext({
      mode: 'home',
      patients: [{ id: 'p-1', family: 'A', given: 'B' }],
      homePatientId: 'p-1',
      deviceUsers: [],
    });
    dm = new DeviceManager({ store, patients, timeZone: 'UTC', clockDriftToleranceMs: 120_000, logger: quiet });
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    dm.stop();
    store.close();
    await pair.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (devices: SerialConfig['devices']) => {
    service = new SerialService({ config: serialConfig(devices), devices: dm, patients, definitions: DEFINITIONS });
    service.start();
    return service;
  };

  it('reads a device by a definition added to the list, recording it under that definition', async () => {
    const s = start([{ id: 'ox', definition: 'acme-ox-100', path: pair.hostPath, waveform: true }]);
    await waitFor(() => s.status()[0]?.state === 'connected', 'port open');
    expect(s.status()[0]).toMatchObject({ format: 'nonin-df13', capture: 'off' });
    const timestamp = { year: 2026, month: 3, day: 2, hours: 8, minutes: 1, seconds: 0 };
    await pair.write(encodeNoninDf13({ timestamp, status: 0, hr: 71, spo2: 96 }));
    await waitFor(() => store.stats().pending === 2, 'the spot check stored');
    const obs = store.list('pending').map((r) => r.observation);
    expect(obs.map((o) => o.device)).toEqual([
      expect.objectContaining({ id: 'serial:ox', definition: 'acme-ox-100', model: 'Acme OX-100' }),
      expect.objectContaining({ id: 'serial:ox', definition: 'acme-ox-100', model: 'Acme OX-100' }),
    ]);
    expect(obs.map((o) => [o.code.loinc, o.value?.value]).sort()).toEqual([
      [VITALS.spo2.loinc, 96],
      [VITALS.oximetryPulseRate.loinc, 71],
    ]);
  });

  it("stores what the definition's readings code says, not what the format usually gives", async () => {
    const s = start([{ id: 'ox2', definition: 'acme-ox-200', path: pair.hostPath, waveform: true }]);
    await waitFor(() => s.status()[0]?.state === 'connected', 'port open');
    await pair.write(encodeNoninDf8({ status: 0, hr: 72, spo2: 97, stat2: 0 }));
    await pair.write(encodeNoninDf8({ status: 0, hr: 72, spo2: 95, stat2: 0 }));
    await waitFor(() => store.stats().pending === 2, 'both packets stored');
    const obs = store.list('pending').map((r) => r.observation);
    expect(obs.map((o) => [o.value?.value, o.flags]).sort()).toEqual([
      [95, ['every-packet']],
      [97, ['every-packet']],
    ]);
  });

  it('checks a configured definition: known, of the configured format, leads only for an ECG board', () => {
    const issues = checkSerialConfig(
      serialConfig([
        { id: 'a', definition: 'acme-ox-100', path: '/dev/a', waveform: true },
        { id: 'b', definition: 'acme-ox-100', format: 'nonin-df7', path: '/dev/b', waveform: true },
        { id: 'c', definition: 'acme-ox-100', path: '/dev/c', waveform: true, leads: [{ channel: 1, lead: 'II' }] },
        { id: 'd', format: 'openeeg-p2', path: '/dev/d', waveform: true, leads: [{ channel: 1, lead: 'II' }] },
        { id: 'e', path: '/dev/e', waveform: true },
      ]),
      DEFINITIONS,
    );
    expect(issues).toEqual([
      { path: ['serial', 'devices', 1, 'format'], message: 'definition "acme-ox-100" reads nonin-df13, not nonin-df7' },
      { path: ['serial', 'devices', 2, 'leads'], message: 'only for an ECG board (definition acme-ox-100 has no leads)' },
      { path: ['serial', 'devices', 4, 'definition'], message: 'give a definition (or a format)' },
    ]);
    expect(checkSerialConfig(serialConfig([{ id: 'a', definition: 'acme-ox-100', path: '/dev/a', waveform: true }]))).toEqual([
      {
        path: ['serial', 'devices', 0, 'definition'],
        message: expect.stringMatching(/^no serial device definition "acme-ox-100" \(known: nonin-df13-serial, /),
      },
    ]);
  });
});
