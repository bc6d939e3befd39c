/**
 * Blood pressure → drafts: one BP panel (systolic/diastolic/mean components in mm[Hg]) and a separate
 * pulse draft. Measurement-status bits become flags on both drafts (they describe the whole reading).
 * Intermediate cuff pressure → one 'preliminary' draft: a live value, never a final reading.
 */
import type { Component } from '@telecart/protocol';
import type { BloodPressureMeasurement, BloodPressureStatus, IntermediateCuffPressure } from '../codecs/blood-pressure.js';
import { UCUM, VITALS } from '../model/codes.js';
import type { ObservationDraft } from '../model/draft.js';
import { deviceTimeOf, makeDraft, numberOrFlag, pressureQuantity, userIndexOf } from './common.js';
import { checkDraft } from './status-meaning.js';

/** Device-reported measurement conditions as flags. */
export function bloodPressureStatusFlags(s: BloodPressureStatus | undefined): string[] {
  if (!s) return [];
  const flags: string[] = [];
  if (s.bodyMovement) flags.push('body-movement');
  if (s.cuffTooLoose) flags.push('cuff-too-loose');
  if (s.irregularPulse) flags.push('irregular-pulse');
  if (s.pulseRateRange === 'above-upper-limit') flags.push('pulse-rate-above-range');
  if (s.pulseRateRange === 'below-lower-limit') flags.push('pulse-rate-below-range');
  if (s.improperPosition) flags.push('improper-position');
  return flags;
}

export function bloodPressureToDrafts(m: BloodPressureMeasurement): ObservationDraft[] {
  const { deviceTime, flags: timeFlags } = deviceTimeOf(m.timestamp);
  const common = [...bloodPressureStatusFlags(m.status), ...timeFlags];
  const userIndex = userIndexOf(m.userId);
  const unavailable: string[] = [];

  const components: Component[] = [];
  for (const [value, code, field] of [
    [m.systolic, VITALS.systolic, 'systolic'],
    [m.diastolic, VITALS.diastolic, 'diastolic'],
    [m.meanArterialPressure, VITALS.meanArterial, 'meanArterialPressure'],
  ] as const) {
    const v = numberOrFlag(value, field, unavailable);
    if (v !== undefined) components.push({ code, value: pressureQuantity(v, m.unit) });
  }
  const pulse = m.pulseRate ? numberOrFlag(m.pulseRate, 'pulseRate', unavailable) : undefined;

  const drafts: ObservationDraft[] = [];
  if (components.length > 0) {
    drafts.push(
      makeDraft({
        code: VITALS.bloodPressurePanel,
        components,
        status: 'final',
        flags: [...common, ...unavailable],
        deviceTime,
        userIndex,
      }),
    );
  }
  if (pulse !== undefined) {
    // With no panel, the pulse draft carries the 'value-unavailable' flags so they are not lost.
    const flags = components.length > 0 ? common : [...common, ...unavailable];
    drafts.push(
      makeDraft({
        code: VITALS.pulseRateNonInvasive,
        value: { value: pulse, unit: UCUM.perMin },
        status: 'final',
        flags,
        deviceTime,
        userIndex,
      }),
    );
  }
  return drafts.map(checkDraft);
}

export function intermediateCuffPressureToDrafts(m: IntermediateCuffPressure): ObservationDraft[] {
  const { deviceTime, flags: timeFlags } = deviceTimeOf(m.timestamp);
  const flags = [...bloodPressureStatusFlags(m.status), ...timeFlags];
  const v = numberOrFlag(m.cuffPressure, 'cuffPressure', flags);
  if (v === undefined) return [];
  return [
    makeDraft({
      code: VITALS.cuffPressure,
      value: pressureQuantity(v, m.unit),
      status: 'preliminary',
      flags,
      deviceTime,
      userIndex: userIndexOf(m.userId),
    }),
  ];
}
