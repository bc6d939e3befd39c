/**
 * A chart's text alternative in words: how many readings from when to when, then per series the
 * lowest, highest and latest value with their times, and whether some readings are not drawn.
 */
import { format, type patient, type TextsOf } from '@telecart/ui/i18n';
import type { TrendsResponse } from '../page-data.js';
import type { Formats } from './formats.js';

export type VitalTrendView = TrendsResponse['vitals'][number];
export type Texts = TextsOf<typeof patient>;

/** The words of a series (systolic, diastolic), or of the vital when it has a single one. */
export function seriesName(t: Texts, series: string): string {
  return series === 'systolic' ? t.seriesSystolic : series === 'diastolic' ? t.seriesDiastolic : series;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** `vt` has at least one point. */
export function summary(vt: VitalTrendView, vital: string, t: Texts, f: Formats): string {
  const pts = vt.points;
  const n = pts.length;
  const first = pts[0];
  const last = pts[n - 1];
  if (!first || !last) return '';
  const unit = ` ${vt.unitDisplay}`;
  const count = format(f.plural.select(n) === 'one' ? t.readingsOne : t.readingsOther, { n });
  const out = [format(t.summary, { vital, count, first: f.dayOnly.format(new Date(first.t)), last: f.dayOnly.format(new Date(last.t)) })];
  vt.series.forEach((name, i) => {
    const at = (j: number) => pts[j]?.v[i] ?? Number.NaN;
    let lo = 0;
    let hi = 0;
    for (let j = 1; j < n; j++) {
      if (at(j) < at(lo)) lo = j;
      if (at(j) > at(hi)) hi = j;
    }
    const time = (j: number) => f.when.format(new Date(pts[j]?.t ?? Number.NaN));
    const line = format(t.summarySeries, {
      series: vt.series.length > 1 ? format(t.seriesPrefix, { series: seriesName(t, name) }) : '',
      min: f.value(vt.key, at(lo)) + unit,
      minAt: time(lo),
      max: f.value(vt.key, at(hi)) + unit,
      maxAt: time(hi),
      lastV: f.value(vt.key, at(n - 1)) + unit,
      lastAt: time(n - 1),
    });
    out.push(capital(line.trim()));
  });
  if (vt.truncated) out.push(format(t.truncated, { n }));
  if (vt.skipped) out.push(format(t.skipped, { n: vt.skipped }));
  return out.join(' ');
}
