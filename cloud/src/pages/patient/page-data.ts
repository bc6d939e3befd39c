/**
 * What the server hands the page's bundle (JSON in #patient-page-data) and what the bundle reads
 * back from GET /api/patients/:id/trends. Types only: page.tsx and browser/ both import them, so
 * the two sides cannot drift apart unnoticed.
 */
export interface PatientPageData {
  patientId: string;
  lang: 'fr' | 'en';
  /** The period shown first, one of `periods`. */
  days: number;
  periods: readonly number[];
  /** IANA zone every date is shown in (the service's). */
  timeZone: string;
  trendsUrl: string;
  eventsUrl: string;
  /** The FHIR search of the patient's readings; the bundle adds the period's start and the page size. */
  exportBase: string;
  exportCount: number;
  /** The trend vitals, in the catalogue's order. */
  keys: readonly string[];
  /** Lines drawn across a chart, per vital (the catalogue's trend lines). */
  thresholds: Readonly<Record<string, readonly number[]>>;
  /** Fraction digits shown per vital (the catalogue's). */
  digits: Readonly<Record<string, number>>;
  /** Vital labels in the page's language, from @telecart/devices' vitals catalogue. */
  vitals: Readonly<Record<string, string>>;
}

/** The part of the trends API's answer the page draws (cloud/src/patient-page/trends.ts: VitalTrend). */
export interface TrendsResponse {
  from: string;
  to: string;
  vitals: readonly {
    key: string;
    unitDisplay: string;
    series: readonly string[];
    points: readonly { t: string; v: readonly number[] }[];
    truncated: boolean;
    skipped: number;
  }[];
}
