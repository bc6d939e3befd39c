/**
 * The vitals catalogue: everything the gateway and the cloud know about each vital sign, in one
 * table — codes (LOINC, MDC, UCUM), French and English labels, display unit and digits, the units a
 * reading may arrive in, plausibility limits, the gateway's alarm thresholds, and where it is shown
 * (dashboard summary, trends). Every per-vital table elsewhere is derived from here. Pure: no I/O.
 * How to add a vital: docs/vitals-catalogue.md.
 *
 * Codes: LOINC for the observation, UCUM for the unit, IEEE 11073-10101 context-free codes
 * (partition × 65536 + term) where devices speak MDC. Sources: FHIR R4 vital-signs profiles; Antidote
 * nomenclature. Alarm thresholds (adult, NEWS2's red band) are documented in docs/sync-protocol.md.
 */
import type { Code } from '@telecart/protocol';
import { CONVERSIONS, type Conversion, UCUM } from './units.js';

/** Observation codes, one per kind of measurement a mapping emits (several may share a LOINC). */
export const VITALS = {
  bloodPressurePanel: { loinc: '85354-9', display: 'Blood pressure panel with all children optional', mdc: 150020 },
  systolic: { loinc: '8480-6', display: 'Systolic blood pressure', mdc: 150021 },
  diastolic: { loinc: '8462-4', display: 'Diastolic blood pressure', mdc: 150022 },
  meanArterial: { loinc: '8478-0', display: 'Mean blood pressure', mdc: 150023 },
  pulseRateNonInvasive: { loinc: '8867-4', display: 'Heart rate', mdc: 149546 },
  heartRate: { loinc: '8867-4', display: 'Heart rate', mdc: 147842 },
  oximetryPulseRate: { loinc: '8867-4', display: 'Heart rate', mdc: 149530 },
  spo2: { loinc: '2708-6', display: 'Oxygen saturation in Arterial blood', mdc: 150456 },
  bodyTemperature: { loinc: '8310-5', display: 'Body temperature', mdc: 150364 },
  bodyWeight: { loinc: '29463-7', display: 'Body weight', mdc: 188736 },
  bodyHeight: { loinc: '8302-2', display: 'Body height', mdc: 188740 },
  bmi: { loinc: '39156-5', display: 'Body mass index (BMI) [Ratio]', mdc: 188752 },
  glucoseMass: { loinc: '2339-0', display: 'Glucose [Mass/volume] in Blood', mdc: 160184 },
  glucoseMolar: { loinc: '15074-8', display: 'Glucose [Moles/volume] in Blood', mdc: 160184 },
  hba1c: { loinc: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', mdc: 160220 },
  respiratoryRate: { loinc: '9279-1', display: 'Respiratory rate', mdc: 151562 },
  cuffPressure: { loinc: '8480-6', display: 'Cuff pressure (intermediate)', mdc: 150021 },
  // MDC_BODY_FAT: SCADA partition 2, term 57676 (IEEE 11073-10415, next to body mass 57664 and BMI 57680).
  bodyFat: { loinc: '41982-0', display: 'Percentage of body fat Measured', mdc: 188748 },
} as const satisfies Record<string, Code>;

export type VitalCodeKey = keyof typeof VITALS;

/** LOINC 59408-5 is the additional pulse-oximetry coding FHIR's oxygensat profile expects. */
export const LOINC_PULSE_OXIMETRY = '59408-5';

/** A range in the vital's unit; `minExclusive` when the minimum itself is implausible (a weight of 0). */
export interface Limits {
  min?: number;
  minExclusive?: boolean;
  max?: number;
}

export interface Plausibility extends Limits {
  /** The flag a reading outside the limits gets ('implausible:<vital>'). */
  flag: string;
  /** For panels: the component the limits apply to. */
  component?: string;
  /** Limits stated in another unit, used instead of converting (a meter's printed range). */
  in?: Readonly<Record<string, Limits>>;
}

/** A critical value: the gateway moves the reading to the alarm lane with `flag`. Checked in the vital's unit only. */
export interface AlarmThreshold {
  flag: string;
  /** For panels: the component it applies to. */
  component?: string;
  below?: number;
  above?: number;
  atOrAbove?: number;
}

export interface VitalEntry {
  /** The observation's code as mappings emit it (the panel's code for blood pressure). */
  code: Code;
  /** Every LOINC an observation of this vital may carry, the primary first. */
  loinc: readonly string[];
  /** Panels: one series per component, in display order. */
  components?: readonly { name: string; code: Code }[];
  labels: { fr: string; en: string };
  /** UCUM unit values are shown, compared and drawn in. */
  unit: string;
  /** Fraction digits shown. */
  digits: number;
  /** Other units a reading may carry, and how they convert to `unit`. */
  convert?: Readonly<Record<string, Conversion>>;
  plausible?: Plausibility;
  alarms?: readonly AlarmThreshold[];
  /** On the trends page; `lines` are the values drawn across the chart (where a reading starts to worry). */
  trend?: { lines?: readonly number[] };
  /**
   * FHIR export: the Observation category ('laboratory' when absent) and, for vital signs, the R4 vital-signs
   * profile name (under http://hl7.org/fhir/StructureDefinition/; the generic 'vitalsigns' when absent).
   */
  fhir?: { category: 'vital-signs' | 'exam'; profile?: string };
}

export const VITAL_CATALOGUE = {
  weight: {
    code: VITALS.bodyWeight,
    loinc: [VITALS.bodyWeight.loinc],
    labels: { fr: 'Poids', en: 'Weight' },
    unit: UCUM.kg,
    digits: 1,
    convert: { [UCUM.lb]: CONVERSIONS.lbToKg, [UCUM.g]: CONVERSIONS.gToKg },
    plausible: { flag: 'implausible:weight', min: 0, minExclusive: true, max: 500 },
    trend: {},
    fhir: { category: 'vital-signs', profile: 'bodyweight' },
  },
  bp: {
    code: VITALS.bloodPressurePanel,
    loinc: [VITALS.bloodPressurePanel.loinc],
    components: [
      { name: 'systolic', code: VITALS.systolic },
      { name: 'diastolic', code: VITALS.diastolic },
    ],
    labels: { fr: 'Tension artérielle', en: 'Blood pressure' },
    unit: UCUM.mmHg,
    digits: 0,
    convert: { [UCUM.kPa]: CONVERSIONS.kPaToMmHg },
    plausible: { flag: 'implausible:systolic', component: 'systolic', max: 300 },
    alarms: [{ flag: 'alarm:systolic-high', component: 'systolic', atOrAbove: 180 }],
    trend: {},
    fhir: { category: 'vital-signs', profile: 'bp' },
  },
  pulse: {
    code: VITALS.pulseRateNonInvasive,
    loinc: [VITALS.pulseRateNonInvasive.loinc],
    labels: { fr: 'Pouls', en: 'Pulse' },
    unit: UCUM.perMin,
    digits: 0,
    plausible: { flag: 'implausible:pulse', min: 20, max: 300 },
    alarms: [
      { flag: 'alarm:pulse-high', above: 130 },
      { flag: 'alarm:pulse-low', below: 40 },
    ],
    trend: {},
    fhir: { category: 'vital-signs', profile: 'heartrate' },
  },
  spo2: {
    code: VITALS.spo2,
    loinc: [VITALS.spo2.loinc, LOINC_PULSE_OXIMETRY],
    labels: { fr: 'SpO₂', en: 'SpO₂' },
    unit: UCUM.percent,
    digits: 0,
    plausible: { flag: 'implausible:spo2', min: 0, max: 100 },
    alarms: [{ flag: 'alarm:spo2-low', below: 88 }],
    trend: { lines: [90] },
    fhir: { category: 'vital-signs', profile: 'oxygensat' },
  },
  temperature: {
    code: VITALS.bodyTemperature,
    loinc: [VITALS.bodyTemperature.loinc],
    labels: { fr: 'Température', en: 'Temperature' },
    unit: UCUM.celsius,
    digits: 1,
    convert: { [UCUM.fahrenheit]: CONVERSIONS.fahrenheitToCelsius },
    plausible: { flag: 'implausible:temperature', min: 25, max: 45 },
    trend: { lines: [38] },
    fhir: { category: 'vital-signs', profile: 'bodytemp' },
  },
  glucose: {
    code: VITALS.glucoseMass,
    loinc: [VITALS.glucoseMass.loinc, VITALS.glucoseMolar.loinc],
    labels: { fr: 'Glycémie', en: 'Blood glucose' },
    unit: UCUM.mgPerDl,
    digits: 0,
    convert: { [UCUM.mmolPerL]: CONVERSIONS.mmolPerLToMgPerDl },
    // Beyond any meter's range, where HI/LO readings stop; the mmol/L range is the meters' own.
    plausible: { flag: 'implausible:glucose', min: 10, max: 1000, in: { [UCUM.mmolPerL]: { min: 0.55, max: 55.5 } } },
    trend: {},
  },
  respiratoryRate: {
    code: VITALS.respiratoryRate,
    loinc: [VITALS.respiratoryRate.loinc],
    labels: { fr: 'Fréquence respiratoire', en: 'Respiratory rate' },
    unit: UCUM.perMin,
    digits: 0,
    trend: {},
    fhir: { category: 'vital-signs', profile: 'resprate' },
  },
  hba1c: {
    code: VITALS.hba1c,
    loinc: [VITALS.hba1c.loinc],
    labels: { fr: 'HbA1c', en: 'HbA1c' },
    unit: UCUM.percent,
    digits: 1,
    plausible: { flag: 'implausible:hba1c', min: 3, max: 20 },
  },
  height: {
    code: VITALS.bodyHeight,
    loinc: [VITALS.bodyHeight.loinc],
    labels: { fr: 'Taille', en: 'Height' },
    unit: UCUM.cm,
    digits: 1,
    fhir: { category: 'vital-signs', profile: 'bodyheight' },
  },
  bmi: {
    code: VITALS.bmi,
    loinc: [VITALS.bmi.loinc],
    labels: { fr: 'IMC', en: 'BMI' },
    unit: UCUM.kgPerM2,
    digits: 1,
    fhir: { category: 'vital-signs', profile: 'bmi' },
  },
  cuffPressure: {
    code: VITALS.cuffPressure,
    loinc: [VITALS.cuffPressure.loinc],
    labels: { fr: 'Pression du brassard', en: 'Cuff pressure' },
    unit: UCUM.mmHg,
    digits: 0,
    convert: { [UCUM.kPa]: CONVERSIONS.kPaToMmHg },
    fhir: { category: 'vital-signs' },
  },
  bodyFat: {
    code: VITALS.bodyFat,
    loinc: [VITALS.bodyFat.loinc],
    labels: { fr: 'Masse grasse', en: 'Body fat' },
    unit: UCUM.percent,
    digits: 1,
    // A bioimpedance estimate: flagged only where no body can be (0 %, or beyond 80 %).
    plausible: { flag: 'implausible:body-fat', min: 0, minExclusive: true, max: 80 },
    fhir: { category: 'exam' },
  },
} as const satisfies Record<string, VitalEntry>;

export type VitalId = keyof typeof VITAL_CATALOGUE;

/** The dashboard's columns: the vitals a clinician scans first, in this order. */
export const SUMMARY_VITALS = ['bp', 'pulse', 'spo2', 'weight', 'temperature'] as const satisfies readonly VitalId[];
export type SummaryVitalId = (typeof SUMMARY_VITALS)[number];

export const VITAL_IDS = Object.keys(VITAL_CATALOGUE) as VitalId[];

/** The trends page's vitals, in catalogue order (the order the page shows them). */
export type TrendVitalId = { [K in VitalId]: (typeof VITAL_CATALOGUE)[K] extends { trend: object } ? K : never }[VitalId];
export const TREND_VITALS = VITAL_IDS.filter((id): id is TrendVitalId => 'trend' in VITAL_CATALOGUE[id]);

export function vitalEntry(id: VitalId): VitalEntry {
  return VITAL_CATALOGUE[id];
}

const BY_LOINC: ReadonlyMap<string, VitalId> = new Map(VITAL_IDS.flatMap((id) => VITAL_CATALOGUE[id].loinc.map((l) => [l, id] as const)));

/** The vital an observation code belongs to (first entry listing it); components are not looked up. */
export function vitalIdOfLoinc(loinc: string): VitalId | undefined {
  return BY_LOINC.get(loinc);
}

/** A value in `unit` expressed in the vital's unit; null when the unit is neither the vital's nor convertible. */
export function toVitalUnit(entry: VitalEntry, value: number, unit: string): number | null {
  if (unit === entry.unit) return value;
  const c = entry.convert?.[unit];
  return c ? c.toUnit(value) : null;
}

/** True when `value` lies outside the limits. */
export function outside(l: Limits, value: number): boolean {
  if (l.min !== undefined && (l.minExclusive ? value <= l.min : value < l.min)) return true;
  return l.max !== undefined && value > l.max;
}

/** Both labels per LOINC (every LOINC of every vital), for pages that label readings by code. */
export function labelsByLoinc(): Record<string, { fr: string; en: string }> {
  const out: Record<string, { fr: string; en: string }> = {};
  for (const id of VITAL_IDS) for (const l of VITAL_CATALOGUE[id].loinc) out[l] ??= VITAL_CATALOGUE[id].labels;
  return out;
}

/** Labels of these vitals in one language. */
export function vitalLabels<K extends VitalId>(ids: readonly K[], lang: 'fr' | 'en'): Record<K, string> {
  return Object.fromEntries(ids.map((id) => [id, VITAL_CATALOGUE[id].labels[lang]])) as Record<K, string>;
}
