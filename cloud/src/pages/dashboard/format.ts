/** Dates and numbers as the dashboard shows them, in the reader's language and the care site's time zone. */

/** An instant, short date and time in `timeZone`; an unreadable one is shown as it came. */
export function formatTime(iso: string, locale: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', timeZone }).format(d);
}

/** A YYYY-MM-DD calendar date, shown as written in the locale (no zone shift: it is not an instant). */
export function formatDate(ymd: string, locale: string): string {
  const d = new Date(`${ymd}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return ymd;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeZone: 'UTC' }).format(d);
}

/** "MARTIN Jeanne", or the id when the patient has no name. */
export function displayName(p: { id: string; family: string | null; given: string | null } | undefined, id: string): string {
  if (!p || (!p.family && !p.given)) return id;
  return `${(p.family ?? '').toUpperCase()} ${p.given ?? ''}`.trim();
}
