import {
  decodeBloodPressureMeasurement,
  decodeIntermediateCuffPressure,
  decodePlxContinuous,
  decodePlxSpotCheck,
  decodeTemperatureMeasurement,
  decodeWeightMeasurement,
  medfloatValue,
} from '@telecart/devices';
import { describe, expect, it } from 'vitest';
import type { PeripheralLink } from '../bluez/types.js';
import { bloodPressureCuff } from './blood-pressure-cuff.js';
import { pulseOximeter } from './pulse-oximeter.js';
import { thermometer } from './thermometer.js';
import type { VirtualBleDevice, VirtualReading } from './virtual-device.js';
import { weightScale } from './weight-scale.js';

/** A link that is connected and subscribed (or not) at will: the BlueZ side is tested elsewhere. */
function fakeLink(subscribed: boolean): PeripheralLink & { pdus: [string, Uint8Array][]; listening: boolean } {
  return {
    address: 'C4:7C:8D:6A:00:00',
    connected: true,
    listening: subscribed,
    pdus: [],
    isSubscribed() {
      return this.listening;
    },
    notify(uuid, bytes) {
      if (!this.listening) return false;
      this.pdus.push([uuid, bytes]);
      return true;
    },
    disconnect() {},
  };
}

const clock = { now: () => Date.UTC(2026, 10, 23, 8, 15, 30) };
const time = { year: 2026, month: 11, day: 23, hours: 8, minutes: 15, seconds: 30 };

function take(device: VirtualBleDevice, n: number): VirtualReading[] {
  device.attach(fakeLink(true));
  return Array.from({ length: n }, () => device.measureNow()).filter((r): r is VirtualReading => r !== undefined);
}

function decoded<T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!r.ok) throw new Error(`decode failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

describe('simulated BLE medical devices', () => {
  it('blood-pressure cuff: realistic readings, intermediate pressures first, bytes decode to the reading', () => {
    const cuff = bloodPressureCuff({ seed: 3, clock });
    const readings = take(cuff, 200);
    expect(readings).toHaveLength(200);
    for (const r of readings) {
      if (r.type !== 'blood-pressure') throw new Error(r.type);
      expect(r.systolic).toBeGreaterThanOrEqual(110);
      expect(r.systolic).toBeLessThanOrEqual(150);
      expect(r.diastolic).toBeGreaterThanOrEqual(65);
      expect(r.diastolic).toBeLessThanOrEqual(Math.min(95, r.systolic - 25));
      expect(r.pulse).toBeGreaterThanOrEqual(55);
      expect(r.pulse).toBeLessThanOrEqual(95);
      expect(r.time).toEqual(time);
    }
    expect(cuff.sent.slice(0, 4).map((p) => p.characteristic)).toEqual(['2A36', '2A36', '2A36', '2A35']);
    for (const p of cuff.sent) {
      if (p.reading.type === 'blood-pressure') {
        const m = decoded(decodeBloodPressureMeasurement(p.bytes));
        expect([m.systolic, m.diastolic, m.meanArterialPressure, m.pulseRate].map((v) => v && medfloatValue(v))).toEqual([
          p.reading.systolic,
          p.reading.diastolic,
          p.reading.meanArterial,
          p.reading.pulse,
        ]);
        expect(m.timestamp).toEqual(p.reading.time);
      } else if (p.reading.type === 'cuff-pressure') {
        expect(medfloatValue(decoded(decodeIntermediateCuffPressure(p.bytes)).cuffPressure)).toBe(p.reading.pressure);
      } else {
        throw new Error(`unexpected ${p.reading.type}`);
      }
    }
  });

  it('weight scale: within ±0.3 kg of the patient weight', () => {
    const scale = weightScale({ seed: 4, clock, patientWeightKg: 81.2 });
    take(scale, 200);
    for (const p of scale.sent) {
      if (p.reading.type !== 'weight') throw new Error(p.reading.type);
      expect(Math.abs(p.reading.kg - 81.2)).toBeLessThanOrEqual(0.3 + 1e-9);
      const m = decoded(decodeWeightMeasurement(p.bytes));
      expect(m.weight).toBeCloseTo(p.reading.kg, 6);
      expect(m.timestamp).toEqual(time);
    }
  });

  it('pulse oximeter: continuous values then a spot-check of SpO2 93–99 %', () => {
    const ox = pulseOximeter({ seed: 5, clock });
    take(ox, 100);
    expect(ox.sent.slice(0, 4).map((p) => p.characteristic)).toEqual(['2A5F', '2A5F', '2A5F', '2A5E']);
    for (const p of ox.sent) {
      if (p.reading.type === 'spo2-spot-check') {
        expect(p.reading.spo2).toBeGreaterThanOrEqual(93);
        expect(p.reading.spo2).toBeLessThanOrEqual(99);
        const m = decoded(decodePlxSpotCheck(p.bytes));
        expect([medfloatValue(m.spo2), medfloatValue(m.pulseRate)]).toEqual([p.reading.spo2, p.reading.pulse]);
        expect(m.timestamp).toEqual(time);
      } else if (p.reading.type === 'spo2-continuous') {
        const m = decoded(decodePlxContinuous(p.bytes));
        expect(medfloatValue(m.normal.spo2)).toBe(p.reading.spo2);
        expect(p.reading.spo2).toBeLessThanOrEqual(100);
      } else {
        throw new Error(p.reading.type);
      }
    }
  });

  it('thermometer: 36.2–37.8 °C', () => {
    const th = thermometer({ seed: 6, clock });
    take(th, 200);
    for (const p of th.sent) {
      if (p.reading.type !== 'temperature') throw new Error(p.reading.type);
      expect(p.reading.celsius).toBeGreaterThanOrEqual(36.2);
      expect(p.reading.celsius).toBeLessThanOrEqual(37.8);
      const m = decoded(decodeTemperatureMeasurement(p.bytes));
      expect(medfloatValue(m.temperature)).toBeCloseTo(p.reading.celsius, 6);
      expect(m.unit).toBe('celsius');
    }
  });

  it('is reproducible from its seed', () => {
    const a = take(bloodPressureCuff({ seed: 9, clock }), 5);
    const b = take(bloodPressureCuff({ seed: 9, clock }), 5);
    const c = take(bloodPressureCuff({ seed: 10, clock }), 5);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('keeps final readings while nobody listens, drops live values, and logs only what was delivered', () => {
    const cuff = bloodPressureCuff({ seed: 1, clock, storeCapacity: 2 });
    const link = fakeLink(false);
    cuff.attach(link);
    const r1 = cuff.measureNow();
    const r2 = cuff.measureNow();
    const r3 = cuff.measureNow();
    expect(cuff.sent).toEqual([]);
    expect(cuff.backlog).toBe(2); // capacity 2: the oldest is dropped, as device memory does
    link.listening = true;
    cuff.peripheral.onSubscriptionChange?.(link, '00002a35-0000-1000-8000-00805f9b34fb', true);
    expect(cuff.readings).toEqual([r2, r3]);
    expect(cuff.readings).not.toContainEqual(r1);
    expect(link.pdus.map(([uuid]) => uuid)).toEqual(['2A35', '2A35']);
  });

  it('takes readings on its injected interval timer', () => {
    let tick: (() => void) | undefined;
    const th = thermometer({
      seed: 2,
      clock,
      intervalMs: 30_000,
      timers: {
        setInterval: (fn, ms) => {
          expect(ms).toBe(30_000);
          tick = fn;
          return 1;
        },
        clearInterval: () => {
          tick = undefined;
        },
      },
    });
    th.attach(fakeLink(true));
    th.start();
    tick?.();
    tick?.();
    expect(th.readings).toHaveLength(2);
    th.stop();
    expect(tick).toBeUndefined();
  });
});
