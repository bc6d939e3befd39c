import { Value } from '@sinclair/typebox/value';
import { compile, formatIssues } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import { CloudConfig } from '../config.js';

/** As the CLI's loader does: defaults, then validation. */
function load(raw: unknown) {
  return compile(CloudConfig).validate(Value.Default(CloudConfig, structuredClone(raw)));
}

describe('telemonitoring configuration', () => {
  it('defaults the check period and reads an enrolled patient', () => {
    const r = load({
      patients: [{ id: 'p1', family: 'A', given: 'B', telemonitoring: { programme: 'copd', thresholds: { 'spo2-low': { percent: 90 } } } }],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.telemonitoring).toEqual({ checkEveryMinutes: 15 });
    expect(r.value.patients[0]?.telemonitoring).toEqual({ programme: 'copd', thresholds: { 'spo2-low': { percent: 90 } } });
  });

  it('refuses a file that turns a mandatory non-transmission alert off, naming the key', () => {
    const patient = (thresholds: unknown, programme = 'heart-failure') => ({
      patients: [{ id: 'p1', family: 'A', given: 'B', telemonitoring: { programme, thresholds } }],
    });
    const off = load(patient({ 'hf-no-weight': { enabled: false } }));
    expect(off.ok).toBe(false);
    if (!off.ok)
      expect(formatIssues(off.issues)).toMatch(/\/patients\/0\/telemonitoring\/thresholds\/hf-no-weight\/enabled: Expected true/);
    expect(load(patient({ 'hf-no-weight': { enabled: true, days: 1 } })).ok).toBe(true);
    expect(load(patient({ 'copd-no-spo2': { enabled: false } }, 'copd')).ok).toBe(true);
    expect(load(patient({}, 'cancer')).ok).toBe(false);
  });
});
