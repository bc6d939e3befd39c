/**
 * Codes for waveform segments. MDC (IEEE 11073-10101) names the signal exactly; the LOINC field
 * (required by the wire schema) carries the closest study term, chosen so that a waveform never
 * shares a LOINC code with a vital sign (the cloud picks "latest SpO2/pulse" by LOINC).
 * MDC_ECG_ELEC_POTL* from the FHIR R4 SampledData example and the HL7 PoCD IG (131328, 131329
 * lead I, 131330 lead II); MDC_PULS_OXIM_PLETH 150452 from the HL7 PHD IG (docs/codes.md).
 */
import type { Code } from '@telecart/protocol';

/** LOINC 11524-6 "EKG study". */
const EKG_STUDY = '11524-6';

/** MDC_ECG_ELEC_POTL_<lead> context-free codes (partition 2). I and II verified; the others per IEEE 11073-10102 [U]. */
export const ECG_LEAD_MDC: Record<string, number> = {
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
export const MDC_ECG_ELEC_POTL = 131328;
export const MDC_PULS_OXIM_PLETH = 150452;

export function ecgCode(leads: readonly string[]): Code {
  const single = leads.length === 1 ? leads[0] : undefined;
  const mdc = single === undefined ? MDC_ECG_ELEC_POTL : (ECG_LEAD_MDC[single] ?? MDC_ECG_ELEC_POTL);
  return { loinc: EKG_STUDY, display: single === undefined ? 'ECG waveform' : `ECG waveform, lead ${single}`, mdc };
}

/** No LOINC term for the pleth waveform was found; 8889-8 (heart rate by pulse oximetry) is the closest non-vital-sign study term. */
export const PLETH_CODE: Code = { loinc: '8889-8', display: 'Plethysmogram (pulse oximetry)', mdc: MDC_PULS_OXIM_PLETH };
