/** What the server gives the page's browser code (JSON in #consult-config): shared by page.tsx and browser/. */
export interface ConsultConfig {
  /** The care site's time zone: times of the waiting room are shown in it. */
  timeZone: string;
  /** The act statuses' wording, in both languages (the cloud's: teleconsult/status-machine.ts). */
  statuses: Readonly<Record<'fr' | 'en', Readonly<Record<string, string>>>>;
  /** The vitals shown during the act, in order, from the vitals catalogue: labels and digits. */
  vitals: readonly { key: string; labels: { fr: string; en: string }; digits: number }[];
}
