/**
 * UCUM units and the conversions between them, defined once. Pure: no I/O.
 * Sources: UCUM (the avoirdupois pound is exactly 0.45359237 kg); glucose molar mass 180.16 g/mol,
 * so 1 mmol/L = 18.016 mg/dL (the factor the trends page already used; 18.0156 differs by 2×10⁻⁵).
 */

/** UCUM codes used on the wire. */
export const UCUM = {
  mmHg: 'mm[Hg]',
  kPa: 'kPa',
  perMin: '/min',
  percent: '%',
  kg: 'kg',
  g: 'g',
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
  g: 'g',
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
export const KG_PER_LB = 0.45359237;
export const MGDL_PER_MMOLL = 18.016;

/** A unit a reading may carry, related to its vital's display unit. */
export interface Conversion {
  /** Value in this unit → value in the vital's unit. */
  toUnit(v: number): number;
  /** Value in the vital's unit → value in this unit. */
  fromUnit(v: number): number;
}

export function linear(factor: number): Conversion {
  return { toUnit: (v) => v * factor, fromUnit: (v) => v / factor };
}

export const CONVERSIONS = {
  /** To kg. */
  lbToKg: linear(KG_PER_LB),
  gToKg: { toUnit: (v: number) => v / 1000, fromUnit: (v: number) => v * 1000 },
  /** To °C. */
  fahrenheitToCelsius: { toUnit: (v: number) => ((v - 32) * 5) / 9, fromUnit: (v: number) => (v * 9) / 5 + 32 },
  /** To mm[Hg]. */
  kPaToMmHg: linear(MMHG_PER_KPA),
  /** To mg/dL. */
  mmolPerLToMgPerDl: linear(MGDL_PER_MMOLL),
} as const satisfies Record<string, Conversion>;
