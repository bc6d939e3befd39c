/** Dates and numbers as the page shows them: the page's locale, the service's time zone. */
export interface Formats {
  /** Date and time of a reading. */
  when: Intl.DateTimeFormat;
  dayOnly: Intl.DateTimeFormat;
  tickDay: Intl.DateTimeFormat;
  tickHour: Intl.DateTimeFormat;
  plural: Intl.PluralRules;
  /** A value of this vital with the catalogue's fraction digits. */
  value(key: string, v: number): string;
}

export function formatsFor(locale: string, timeZone: string, digits: Readonly<Record<string, number>>): Formats {
  const numbers = new Map<number, Intl.NumberFormat>();
  return {
    when: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }),
    dayOnly: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }),
    tickDay: new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone }),
    tickHour: new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone }),
    plural: new Intl.PluralRules(locale),
    value(key, v) {
      const d = digits[key] ?? 0;
      let nf = numbers.get(d);
      if (!nf) {
        nf = new Intl.NumberFormat(locale, { maximumFractionDigits: d, minimumFractionDigits: d });
        numbers.set(d, nf);
      }
      return nf.format(v);
    },
  };
}
