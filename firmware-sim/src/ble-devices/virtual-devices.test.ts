import { BleCentral, type BleStateChange, type DeviceFrame } from '@telecart/devices';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PrivateBus, startPrivateBus } from '../bluez/private-bus.js';
import { collector } from '../testing/collector.js';
import type { IntervalTimers } from './virtual-device.js';
import { startVirtualDevices, type VirtualDevices } from './virtual-devices.js';

const RULES = [
  { services: ['1810'], subscribe: ['2A35', '2A36'] },
  { services: ['181D'], subscribe: ['2A9D'] },
  { services: ['1822'], subscribe: ['2A5E', '2A5F'] },
  { services: ['1809'], subscribe: ['2A1C'] },
];

/** Interval timers the test fires by hand. */
function manualTimers(): IntervalTimers & { fireAll(): void } {
  const fns = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval: (fn) => {
      fns.set(next, fn);
      return next++;
    },
    clearInterval: (h) => {
      fns.delete(h as number);
    },
    fireAll: () => {
      for (const fn of fns.values()) fn();
    },
  };
}

describe('virtual BLE devices through BleCentral on a real private bus', () => {
  let bus: PrivateBus;
  let virtual: VirtualDevices;
  let central: BleCentral;
  const frames = collector<DeviceFrame>();
  const states = collector<BleStateChange>();
  const timers = manualTimers();
  const clock = { now: () => Date.UTC(2026, 10, 23, 8, 15, 30) };

  beforeEach(async () => {
    frames.clear();
    states.clear();
    bus = await startPrivateBus();
    virtual = await startVirtualDevices({ busAddress: bus.address, seed: 7, intervalMs: 60_000, timers, clock });
    central = new BleCentral({
      busAddress: bus.address,
      rules: RULES,
      scanIntervalMs: 50,
      backoff: { initialMs: 20, maxMs: 200 },
      clock,
    });
    central.on('frame', (f) => frames.push(f));
    central.on('state', (s) => states.push(s));
    central.start();
    await states.until((xs) => new Set(xs.filter((s) => s.state === 'connected').map((s) => s.address)).size === 4);
  });

  afterEach(async () => {
    await central.stop();
    await virtual.stop();
    await bus.stop();
  });

  it('delivers exactly the bytes each device sent, with its Device Information', async () => {
    timers.fireAll(); // one reading per device, as the interval would
    const expected = virtual.devices.flatMap((d) => d.sent);
    // cuff: 3 intermediate + 1 final; oximeter: 3 continuous + 1 spot-check; scale 1; thermometer 1
    expect(expected).toHaveLength(10);
    await frames.until((xs) => xs.length === expected.length);
    for (const d of virtual.devices) {
      const got = frames.items.filter((f) => f.deviceId === `ble:${d.address}`);
      expect(got.map((f) => [f.characteristic, [...f.bytes]])).toEqual(d.sent.map((p) => [p.characteristic, [...p.bytes]]));
      for (const f of got) {
        expect(f.info).toEqual(d.info);
        expect(f.name).toBe(d.peripheral.name);
        expect(f.receivedAt).toBe(clock.now());
      }
    }
    expect(virtual.devices.map((d) => d.readings.length)).toEqual([1, 1, 1, 1]);
  });

  it('keeps readings taken while a device is away and delivers them after the reconnect', async () => {
    const cuff = virtual.byKind('blood-pressure-cuff');
    if (!cuff) throw new Error('no cuff');
    virtual.remove(cuff);
    await states.until((xs) => xs.some((s) => s.address === cuff.address && s.state === 'disconnected'));
    cuff.measureNow();
    cuff.measureNow();
    expect(cuff.backlog).toBe(2);
    expect(cuff.sent).toHaveLength(0); // intermediate pressures are live only: nobody listened
    virtual.restore(cuff);
    await frames.until((xs) => xs.filter((f) => f.characteristic === '2A35').length === 2);
    expect(cuff.backlog).toBe(0);
    await states.until((xs) => xs.at(-1)?.address === cuff.address && xs.at(-1)?.state === 'connected');
    const finals = frames.items.filter((f) => f.characteristic === '2A35').map((f) => [...f.bytes]);
    expect(finals).toEqual(cuff.sent.filter((p) => p.final).map((p) => [...p.bytes]));
    const cuffStates = states.items.filter((s) => s.address === cuff.address).map((s) => s.state);
    expect(cuffStates).toContain('backoff');
    expect(cuffStates.at(-1)).toBe('connected');
    // And live values flow again after the reconnect.
    cuff.measureNow();
    await frames.until((xs) => xs.filter((f) => f.characteristic === '2A35').length === 3);
    expect(frames.items.filter((f) => f.characteristic === '2A36')).toHaveLength(3);
  });
});
