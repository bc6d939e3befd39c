import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// The pty pair lives in the simulators; the driver is tested against real pseudo-terminals.
import { PtyPair } from '../../../firmware-sim/src/serial-devices/pty-pair.js';
import { encodeNoninDf8 } from './codecs/nonin-df8.js';
import { encodeNoninDf13 } from './codecs/nonin-df13.js';
import { findPort, SerialDeviceReader, type SerialPacketEvent, type SerialStateEvent } from './serial-reader.js';

async function waitFor<T>(probe: () => T | undefined | false, what: string, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const FAST = { initialMs: 20, maxMs: 100, factor: 2 };

describe('SerialDeviceReader on real pseudo-terminals (socat)', () => {
  let dir: string;
  let pair: PtyPair;
  let reader: SerialDeviceReader | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-serial-'));
    pair = await PtyPair.start({ hostLink: join(dir, 'host'), deviceLink: join(dir, 'dev') });
  });
  afterEach(async () => {
    await reader?.stop();
    reader = undefined;
    await pair.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes packets written at the device end, and survives an unplug/replug without a restart', async () => {
    reader = new SerialDeviceReader({ deviceId: 'serial:test', format: 'nonin-df8', locator: { path: pair.hostPath }, backoff: FAST });
    const packets: SerialPacketEvent[] = [];
    const states: SerialStateEvent[] = [];
    reader.on('packet', (p) => packets.push(p));
    reader.on('state', (s) => states.push(s));
    reader.start();
    await waitFor(() => reader?.state === 'connected', 'connected');
    await pair.write(Uint8Array.from([0x12, 0x34, ...encodeNoninDf8({ status: 0, hr: 72, spo2: 97, stat2: 0 })]));
    await waitFor(() => packets.length === 1, 'first packet');
    expect(packets[0]).toMatchObject({ format: 'nonin-df8', deviceId: 'serial:test', packet: { hr: 72, spo2: 97 } });

    await pair.unplug();
    await waitFor(() => states.some((s) => s.state === 'disconnected'), 'disconnected');
    // While unplugged the reader keeps trying (ENOENT) and stays alive.
    await waitFor(() => states.filter((s) => s.state === 'disconnected').length >= 3, 'several retries');
    await pair.replug();
    await waitFor(() => reader?.state === 'connected', 'reconnected');
    await pair.write(encodeNoninDf8({ status: 0, hr: 80, spo2: 95, stat2: 0 }));
    await waitFor(() => packets.length === 2, 'packet after replug');
    expect(packets[1]?.packet).toMatchObject({ hr: 80, spo2: 95 });
    expect(states.map((s) => s.state)).toContain('opening');
  });

  it('finds its port by USB serial number through the port list, and waits while it is absent', async () => {
    let listed = false;
    reader = new SerialDeviceReader({
      deviceId: 'serial:501234567',
      format: 'nonin-df13',
      locator: { serialNumber: '501234567', vendorId: '0403' },
      backoff: FAST,
      listPorts: async () => (listed ? [{ path: pair.hostPath, serialNumber: '501234567', vendorId: '0403', productId: '6001' }] : []),
    });
    const packets: SerialPacketEvent[] = [];
    reader.on('packet', (p) => packets.push(p));
    reader.start();
    await waitFor(() => reader?.state === 'searching', 'searching');
    listed = true;
    await waitFor(() => reader?.state === 'connected', 'connected');
    const t = { year: 2024, month: 5, day: 1, hours: 8, minutes: 15, seconds: 30 };
    await pair.write(encodeNoninDf13({ timestamp: t, status: 0x0200, hr: 72, spo2: 97 }));
    await waitFor(() => packets.length === 1, 'record');
    expect(packets[0]?.packet).toMatchObject({ hr: 72, spo2: 97, timestamp: t });
  });

  it('matches ports by serial number and case-insensitive hex ids', () => {
    const ports = [
      { path: '/dev/ttyUSB0', serialNumber: 'A', vendorId: '10c4', productId: 'ea60' },
      { path: '/dev/ttyUSB1', serialNumber: 'B', vendorId: '0403', productId: '6001' },
    ];
    expect(findPort(ports, { vendorId: '0x0403' })?.path).toBe('/dev/ttyUSB1');
    expect(findPort(ports, { vendorId: '10C4', productId: 'EA60' })?.path).toBe('/dev/ttyUSB0');
    expect(findPort(ports, { serialNumber: 'C' })).toBeUndefined();
    expect(findPort(ports, { path: '/dev/x' })).toBeUndefined();
  });
});
