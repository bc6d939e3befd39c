/**
 * Device clocks on real transports. A meter whose clock reset to 2021 gets its Current Time written
 * by the gateway; the records it stored with the wrong clock are corrected by the measured offset,
 * the ones after the write are not. A thermometer that refuses the write, and an oximeter whose
 * definition forbids writing, keep their wrong clock: their readings carry the correction.
 */
import type { VirtualBleDevice } from '@telecart/firmware-sim';
import type { Observation } from '@telecart/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type BleRig, connected, idOf, startBleRig } from './ble-harness.js';

const RESET = { year: 2021, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0 };

describe('device clock: written where allowed, corrected where not', () => {
  let rig: BleRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('writes CTS on a writable clock, and records the offset correction where writing is refused or not allowed', async () => {
    rig = await startBleRig({
      devices: ['glucose-meter', 'thermometer', 'pulse-oximeter'],
      perDevice: {
        'glucose-meter': { clockResetTo: RESET, currentTime: 'writable' },
        thermometer: { clockResetTo: RESET, currentTime: 'refuses-writes' },
        'pulse-oximeter': { name: 'Nonin3230_77', clockResetTo: RESET, currentTime: 'writable' },
      },
    });
    const r = rig;
    const meter = r.sims.byKind('glucose-meter') as VirtualBleDevice;
    const thermo = r.sims.byKind('thermometer') as VirtualBleDevice;
    const ox = r.sims.byKind('pulse-oximeter') as VirtualBleDevice;
    const errorBefore = meter.deviceClock.errorMs;
    expect(errorBefore).toBeLessThan(-86_400_000);
    meter.measureNow(); // stored with the 2021 clock

    await r.startGateway();
    for (const d of [meter, thermo, ox]) await connected(r, idOf(d.address));
    await waitFor(() => meter.deviceClock.writes.length === 1, { what: 'CTS write on the meter' });
    await waitFor(() => thermo.deviceClock.refusedWrites.length === 1, { what: 'refused CTS write on the thermometer' });
    // The meter's clock is now right (within a few seconds of the gateway).
    expect(Math.abs(meter.deviceClock.errorMs)).toBeLessThan(10_000);
    // The simulator records the write before its reply reaches the gateway, which marks the clock written on the reply.
    await waitFor(() => r.deviceState(idOf(meter.address))?.clock?.state === 'written', { what: 'the meter clock marked written' });
    expect(r.deviceState(idOf(thermo.address))?.clock?.state).toBe('correcting');
    expect(r.deviceState(idOf(ox.address))?.clock?.state).toBe('correcting');
    // The Nonin definition does not allow writing: no attempt at all.
    expect(ox.deviceClock.writes).toHaveLength(0);
    expect(ox.deviceClock.refusedWrites).toHaveLength(0);

    meter.measureNow(); // taken after the write
    thermo.measureNow();
    ox.measureNow();
    const byDevice = async (d: VirtualBleDevice, n: number) =>
      waitFor(
        async () => {
          const mine = (await r.observations()).filter((o) => o.device.id === idOf(d.address));
          return mine.length >= n ? mine : undefined;
        },
        { what: `${n} readings of ${d.kind}` },
      );
    const [old, fresh] = (await byDevice(meter, 2)).sort((a, b) => a.time.device!.localeCompare(b.time.device!)) as [
      Observation,
      Observation,
    ];
    expect(old.time).toMatchObject({ source: 'device-corrected', device: expect.stringMatching(/^2021-01-01T/) });
    // Corrected by the offset measured before the write: the effective time is about when it was taken.
    expect(Math.abs(old.time.correctionMs + errorBefore)).toBeLessThan(10_000);
    expect(Math.abs(Date.parse(old.time.effective) - Date.now())).toBeLessThan(120_000);
    expect(fresh.time).toMatchObject({ source: 'device', correctionMs: 0 });

    for (const d of [thermo, ox]) {
      const obs = await byDevice(d, 1);
      for (const o of obs) {
        expect(o.time.source).toBe('device-corrected');
        expect(o.time.device).toMatch(/^2021-01-01T/);
        expect(Math.abs(o.time.correctionMs + d.deviceClock.errorMs)).toBeLessThan(10_000);
      }
    }
  }, 60_000);
});
