/**
 * Status bits that change what a value means, end to end: simulated devices on the BlueZ look-alike set
 * them (a glucose control-solution test, a HI glucose, a strip error, an oximeter's demonstration / test /
 * invalid / unavailable readings, a strap without skin contact), a real gateway reads them, and the cloud
 * stores only what the device meant: no control or demonstration reading at all, 'entered-in-error' for
 * invalid values, a '>' comparator for HI. Trends and the latest vitals leave the invalid ones out, and a
 * COPD patient's invalid 80 % SpO2 raises no alert.
 */
import type { VirtualBleDevice } from '@telecart/firmware-sim';
import type { Observation } from '@telecart/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientTrends } from '../../cloud/src/patient-page/trends.js';
import { summarizeVitals } from '../../cloud/src/vitals/summary.js';
import { waitFor } from '../support/wait.js';
import { type BleRig, connected, idOf, RESIDENTS, startBleRig } from './ble-harness.js';

const P = RESIDENTS[0]!.id;
const bit = (n: number) => 1 << n;

describe('device status bits end to end: what reaches the cloud, trends, vitals and alerts', () => {
  let rig: BleRig;
  let meter: VirtualBleDevice;
  let ox: VirtualBleDevice;
  let hr: VirtualBleDevice;
  const startedAt = Date.now();

  const ofDevice = async (d: VirtualBleDevice, n: number): Promise<Observation[]> =>
    waitFor(
      async () => {
        const mine = (await rig.observations()).filter((o) => o.device.id === idOf(d.address));
        return mine.length >= n ? mine.sort((a, b) => a.time.effective.localeCompare(b.time.effective)) : undefined;
      },
      { what: `${n} readings of ${d.address} in the cloud`, timeoutMs: 30_000 },
    );

  beforeAll(async () => {
    rig = await startBleRig({
      devices: ['glucose-meter', 'pulse-oximeter', 'heart-rate-monitor'],
      perDevice: {
        'glucose-meter': { name: 'meter+06512345' },
        'pulse-oximeter': { name: 'Nonin3230_502' },
        'heart-rate-monitor': { name: 'Polar H10 0A1B2C' },
      },
      cloudPatients: [
        { ...RESIDENTS[0]!, telemonitoring: { programme: 'copd', since: new Date(startedAt - 86_400_000).toISOString() } },
        RESIDENTS[1]!,
      ],
    });
    await rig.startGateway();
    for (const d of rig.sims.devices) await connected(rig, idOf(d.address));
    meter = rig.sims.byKind('glucose-meter') as VirtualBleDevice;
    ox = rig.sims.byKind('pulse-oximeter') as VirtualBleDevice;
    hr = rig.sims.byKind('heart-rate-monitor') as VirtualBleDevice;

    // Not patient data first, so that the readings waited for below come after them.
    meter.measureNow({ controlSolution: true, mgdl: 100 });
    ox.measureNow({ plxMeasurementStatus: bit(10), spo2: 82, pulse: 152 }); // data for demonstration
    ox.measureNow({ plxMeasurementStatus: bit(11), spo2: 83, pulse: 153 }); // data for testing
    // A good reading of each.
    meter.measureNow({ mgdl: 120 });
    ox.measureNow({ spo2: 95, pulse: 70 });
    hr.measureNow({ bpm: 66 });
    // What the devices say is not a valid value, or only a bound.
    meter.measureNow({ glucoseSensorStatus: bit(3), mgdl: 45 }); // strip insertion error
    meter.measureNow({ glucoseSensorStatus: bit(5), mgdl: 600 }); // result higher than the meter can process
    ox.measureNow({ plxMeasurementStatus: bit(15), spo2: 80, pulse: 150 }); // invalid measurement
    ox.measureNow({ plxMeasurementStatus: bit(13), spo2: 81, pulse: 151 }); // measurement unavailable
    hr.measureNow({ contact: 'no-contact', bpm: 0 });
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
  });

  it('glucose: no control-solution reading, the strip error entered-in-error, HI stored as > 600 mg/dL', async () => {
    const obs = await ofDevice(meter, 3);
    expect(obs.map((o) => [o.value?.value, o.value?.comparator ?? '', o.status])).toEqual([
      [120, '', 'final'],
      [45, '', 'entered-in-error'],
      [600, '>', 'final'],
    ]);
    expect(obs.every((o) => o.patient.id === P)).toBe(true);
    expect(rig.logs.filter((l) => l.msg === 'reading is not patient data, not recorded').map((l) => l.obj.reason)).toContain(
      'control-solution',
    );
  });

  it('oximeter: demonstration and testing data never stored; invalid and unavailable entered-in-error', async () => {
    const obs = await ofDevice(ox, 6);
    const spo2 = obs.filter((o) => o.code.loinc === '2708-6');
    expect(spo2.map((o) => [o.value?.value, o.status])).toEqual([
      [95, 'final'],
      [80, 'entered-in-error'],
      [81, 'entered-in-error'],
    ]);
    expect(obs).toHaveLength(6);
    const reasons = rig.logs.filter((l) => l.msg === 'reading is not patient data, not recorded').map((l) => l.obj.reason);
    expect(reasons.filter((r) => r === 'demonstration-data')).toHaveLength(2);
    expect(reasons.filter((r) => r === 'testing-data')).toHaveLength(2);
    const metrics = await rig.gateway?.metrics.registry.getSingleMetricAsString('telecart_gateway_not_patient_data_total');
    expect(metrics).toMatch(/reason="demonstration-data"} 2/);
    expect(metrics).toMatch(/reason="control-solution"} [1-9]/);
  });

  it('heart-rate strap without skin contact: 0 /min kept as entered-in-error', async () => {
    const obs = await ofDevice(hr, 2);
    expect(obs.map((o) => [o.value?.value, o.status])).toEqual([
      [66, 'final'],
      [0, 'entered-in-error'],
    ]);
  });

  it('latest vitals and trends leave out what the devices said is invalid; trends keep the HI comparator', async () => {
    const invalid = new Set((await rig.observations()).filter((o) => o.status === 'entered-in-error').map((o) => o.id));
    expect(invalid.size).toBe(6);
    const latest = summarizeVitals(await rig.cloud.store.latestVitals(P));
    expect(latest.spo2?.values).toEqual([95]);
    expect(invalid.has(latest.pulse?.observationId ?? '')).toBe(false);
    expect(latest.pulse?.values).not.toEqual([0]);

    const trends = await patientTrends(rig.cloud.store, {
      patientId: P,
      from: new Date(startedAt - 3_600_000),
      to: new Date(Date.now() + 3_600_000),
    });
    const points = (key: string) => trends.find((t) => t.key === key)?.points ?? [];
    expect(points('glucose').map((p) => [p.v[0], p.comparator ?? ''])).toEqual([
      [120, ''],
      [600, '>'],
    ]);
    expect(points('spo2').map((p) => p.v[0])).toEqual([95]);
    expect(
      points('pulse')
        .map((p) => p.v[0])
        .sort(),
    ).toEqual([66, 70]);
  });

  it('no alert from an invalid SpO2 of 80 % for a COPD patient (threshold 88 %)', async () => {
    await rig.cloud.alerts.idle();
    const alerts = await rig.cloud.store.listAlerts({ patientId: P });
    expect(alerts.alerts.filter((a) => a.rule === 'spo2-low' || a.rule === 'spo2-drop')).toEqual([]);
  });
});
