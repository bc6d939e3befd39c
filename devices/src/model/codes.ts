/**
 * Vital-sign vocabulary: LOINC for the observation, UCUM for the unit, IEEE 11073-10101
 * context-free codes (partition × 65536 + term) where devices speak MDC.
 * Sources: FHIR R4 vital-signs profiles; Antidote nomenclature (see docs/codes.md).
 */
import type { Code } from '@telecart/protocol';

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
} as const satisfies Record<string, Code>;

export type VitalKey = keyof typeof VITALS;

/**
 * MDC_CONC_GLU_* by Glucose Measurement type nibble (SCADA partition 2; term codes from Antidote's
 * nomenclature). Undetermined samples (7, 8) and unknown types use MDC_CONC_GLU_GEN (160020).
 */
export const GLUCOSE_MDC_BY_TYPE: Readonly<Record<number, number>> = {
  1: 160184, // capillary whole blood
  2: 160188, // capillary plasma
  3: 160192, // venous whole blood
  4: 160196, // venous plasma
  5: 160200, // arterial whole blood
  6: 160204, // arterial plasma
  9: 160212, // interstitial fluid
  10: 160208, // control solution
};
export const MDC_CONC_GLU_GEN = 160020;

/** LOINC 59408-5 is the additional pulse-oximetry coding FHIR's oxygensat profile expects. */
export const LOINC_PULSE_OXIMETRY = '59408-5';

/** UCUM codes used on the wire. */
export const UCUM = {
  mmHg: 'mm[Hg]',
  kPa: 'kPa',
  perMin: '/min',
  percent: '%',
  kg: 'kg',
  lb: '[lb_av]',
  m: 'm',
  cm: 'cm',
  in: '[in_i]',
  kgPerM2: 'kg/m2',
  celsius: 'Cel',
  fahrenheit: '[degF]',
  mgPerDl: 'mg/dL',
  mmolPerL: 'mmol/L',
} as const;

/** Human units for display, keyed by UCUM code. */
export const UNIT_DISPLAY: Record<string, string> = {
  'mm[Hg]': 'mmHg',
  kPa: 'kPa',
  '/min': '/min',
  '%': '%',
  kg: 'kg',
  '[lb_av]': 'lb',
  m: 'm',
  cm: 'cm',
  '[in_i]': 'in',
  'kg/m2': 'kg/m²',
  Cel: '°C',
  '[degF]': '°F',
  'mg/dL': 'mg/dL',
  'mmol/L': 'mmol/L',
};

export const MMHG_PER_KPA = 1 / 0.133322387415;
