/**
 * The reading listings the API offers, each with the index of `observations` its page and its count must walk
 * (docs/cloud-store.md): both stores' tests pin their plans to these, so a dropped index cannot silently turn a
 * listing into a scan. `sqliteSearch`: the search SQLite's plan names on that index.
 */
export const OBSERVATION_LISTINGS = (t0: Date, t1: Date) =>
  [
    { name: 'all', q: {}, index: 'observations_time', sqliteSearch: '' },
    { name: 'a patient', q: { patientId: 'p-1' }, index: 'observations_patient_time', sqliteSearch: ' (patient_id=?)' },
    {
      name: 'a patient and codes',
      q: { patientId: 'p-1', loinc: ['8867-4', '59408-5'] },
      index: 'observations_patient_time',
      sqliteSearch: ' (patient_id=?)',
    },
    {
      name: 'a patient since',
      q: { patientId: 'p-1', from: t0 },
      index: 'observations_patient_time',
      sqliteSearch: ' (patient_id=? AND effective_ms>?)',
    },
    { name: 'codes', q: { loinc: ['8867-4'] }, index: 'observations_code_time', sqliteSearch: ' (loinc=?)' },
    { name: 'a time range', q: { from: t0, to: t1 }, index: 'observations_time', sqliteSearch: ' (effective_ms>? AND effective_ms<?)' },
  ] as const;
