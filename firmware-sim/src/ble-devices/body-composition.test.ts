import { decodeCharacteristic, VITALS } from '@telecart/devices';
import { describe, expect, it } from 'vitest';
import { encodeBodyComposition } from './encoders.js';

describe('simulated body composition (0x2A9C)', () => {
  it('encodes through the project codec, and the gateway decoder reads back body fat', () => {
    const time = { year: 2026, month: 12, day: 5, hours: 8, minutes: 30, seconds: 0 };
    const bytes = encodeBodyComposition({ bodyFatPercent: 23.4, time, userId: 1 });
    // The same bytes the CLI decode test feeds to `telecart decode 2A9C`.
    expect(Buffer.from(bytes).toString('hex')).toBe('0600ea00ea070c05081e0001');
    const r = decodeCharacteristic('2A9C', bytes);
    expect(r.ok && r.value).toMatchObject([{ code: VITALS.bodyFat, value: { value: 23.4, unit: '%' }, deviceTime: time, userIndex: 1 }]);
    expect(() => encodeBodyComposition({ bodyFatPercent: 7000, time })).toThrow(RangeError);
  });
});
