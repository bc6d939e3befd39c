import { describe, expect, it } from 'vitest';
import { weightInput } from '../testing/fixtures.js';
import { criticalVitals } from './vital-alarms.js';

const reading = (loinc: string, value: number, unit: string) => ({
  ...weightInput(0),
  code: { loinc, display: loinc },
  value: { value, unit },
});
const bp = (sys: number, pulse?: number) => ({
  ...weightInput(0),
  code: { loinc: '85354-9', display: 'Blood pressure panel' },
  value: undefined,
  components: [
    { code: { loinc: '8480-6', display: 'Systolic' }, value: { value: sys, unit: 'mm[Hg]' } },
    { code: { loinc: '8462-4', display: 'Diastolic' }, value: { value: 90, unit: 'mm[Hg]' } },
    ...(pulse === undefined ? [] : [{ code: { loinc: '8867-4', display: 'Heart rate' }, value: { value: pulse, unit: '/min' } }]),
  ],
});

describe('critical vital signs', () => {
  it.each([
    [reading('2708-6', 87, '%'), 'alarm:spo2-low'],
    [reading('59408-5', 87.9, '%'), 'alarm:spo2-low'],
    [reading('2708-6', 88, '%'), null],
    [reading('8867-4', 131, '/min'), 'alarm:pulse-high'],
    [reading('8867-4', 130, '/min'), null],
    [reading('8867-4', 39, '/min'), 'alarm:pulse-low'],
    [reading('8867-4', 40, '/min'), null],
    [bp(180), 'alarm:systolic-high'],
    [bp(179), null],
    [bp(150, 35), 'alarm:pulse-low'],
    [reading('29463-7', 20, 'kg'), null],
    [reading('2708-6', 50, 'kg'), null],
  ])('%#: %o → %s', (input, flag) => {
    expect(criticalVitals(input)).toBe(flag);
  });

  it('leaves preliminary and downloaded (stored) readings alone', () => {
    expect(criticalVitals({ ...reading('2708-6', 70, '%'), status: 'preliminary' })).toBeNull();
    expect(criticalVitals({ ...reading('2708-6', 70, '%'), flags: ['data-from-storage'] })).toBeNull();
  });
});
