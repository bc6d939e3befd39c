/**
 * Device codes. Vital-sign codes, units and conversions live in the vitals catalogue
 * (../vitals/catalogue.ts) and are re-exported here for the mappings that read them.
 */
import type { Code } from '@telecart/protocol';
import type { VitalCodeKey } from '../vitals/catalogue.js';

export { LOINC_PULSE_OXIMETRY, VITALS } from '../vitals/catalogue.js';
export { MMHG_PER_KPA, UCUM, UNIT_DISPLAY } from '../vitals/units.js';

export type VitalKey = VitalCodeKey;

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

/**
 * Waveform and recording codes, all here (docs/waveforms.md says where each comes from; [U] = not verified).
 * MDC (IEEE 11073-10101) names the signal exactly; the wire schema also requires a LOINC code, and a waveform
 * never shares one with a vital sign (the cloud picks "latest SpO2 / pulse" by LOINC).
 * - MDC_ECG_ELEC_POTL 131328, _I 131329, _II 131330: FHIR R4 SampledData example ("ekg") and the HL7 PoCD IG
 *   ECG sample-array example; partition 2 (SCADA) × 65536 + term 256 / 257 / 258.
 * - MDC_PULS_OXIM_PLETH 150452 (term 19380): HL7 PHD IG real-time sample array example "Pleth Wave", which codes
 *   the waveform with MDC only.
 * - LOINC 11524-6 "EKG study": a study-level term, used for ECG strips.
 * - No LOINC term names the pleth waveform (none found); the wire carries 8889-8 only because the schema needs a
 *   LOINC, and since 8889-8 means "heart rate by pulse oximetry" (a number), the FHIR export leaves it out
 *   (`isLoincPlaceholder`). Kept as before so stored segments keep their key.
 * - LOINC 8702-3 for the auscultation recording [U]: no phonocardiogram recording term was confirmed; no MDC term.
 */
export const MDC_ECG_ELEC_POTL = 131328;
export const MDC_PULS_OXIM_PLETH = 150452;
export const LOINC_EKG_STUDY = '11524-6';

/** MDC_ECG_ELEC_POTL_<lead> context-free codes. I and II verified (above); the others per IEEE 11073-10102 [U]. */
export const ECG_LEAD_MDC: Readonly<Record<string, number>> = {
  I: 131329,
  II: 131330,
  V1: 131331,
  V2: 131332,
  V3: 131333,
  V4: 131334,
  V5: 131335,
  V6: 131336,
  III: 131389,
  aVR: 131390,
  aVL: 131391,
  aVF: 131392,
};

/** An ECG strip's code: the lead's MDC when there is one lead, MDC_ECG_ELEC_POTL otherwise. */
export function ecgCode(leads: readonly string[]): Code {
  const single = leads.length === 1 ? leads[0] : undefined;
  const mdc = single === undefined ? MDC_ECG_ELEC_POTL : (ECG_LEAD_MDC[single] ?? MDC_ECG_ELEC_POTL);
  return { loinc: LOINC_EKG_STUDY, display: single === undefined ? 'ECG waveform' : `ECG waveform, lead ${single}`, mdc };
}

/** The pleth waveform: MDC_PULS_OXIM_PLETH; its LOINC field is a schema placeholder (see above). */
export const PLETH_CODE: Code = { loinc: '8889-8', display: 'Plethysmogram (pulse oximetry)', mdc: MDC_PULS_OXIM_PLETH };

/** The stethoscope's auscultation recording (FLAC attachment) [U]. */
export const HEART_SOUNDS_CODE: Code = { loinc: '8702-3', display: 'Heart sounds (auscultation recording)' };

/** True when the code's LOINC field only fills the schema and names something else (the pleth's 8889-8). */
export function isLoincPlaceholder(code: Code): boolean {
  return code.loinc === PLETH_CODE.loinc && code.mdc === MDC_PULS_OXIM_PLETH;
}
