/**
 * What the page hands its bundle as JSON (`#nurse-vitals`): vital labels by LOINC and display units
 * by UCUM code, from @telecart/devices' vitals catalogue (not repeated in the bundle). Types only:
 * shared by page.tsx and browser/.
 */
export interface NurseVitals {
  labels: Record<string, { fr: string; en: string }>;
  units: Record<string, string>;
}
