/**
 * The act's patient's latest vitals beside the video: what the cloud has (sent on join and when it
 * changes), each with its time, in the catalogue's order, labels and digits. A reading the device
 * marked not valid (entered-in-error) is not shown as a value.
 */
import { byId, el } from '@telecart/ui/browser';
import { format } from '@telecart/ui/i18n';
import { config, lang, locale, t } from './i18n.js';
import type { VitalReading } from './types.js';

let shown: Record<string, VitalReading | undefined> = {};

export function clearVitals(): void {
  showVitals({});
}

export function showVitals(vitals: Record<string, VitalReading | undefined> = shown): void {
  shown = vitals;
  const list = byId('act-vitals-list');
  const items = config.vitals.flatMap((v) => {
    const r = vitals[v.key];
    if (!r || !Array.isArray(r.values) || r.flags?.includes('entered-in-error')) return [];
    const value = r.values.map((x) => (typeof x === 'number' ? x.toFixed(v.digits) : '?')).join('/');
    const at = new Date(r.effective);
    const when = Number.isNaN(at.getTime())
      ? ''
      : format(t().vitalsAt, {
          date: at.toLocaleDateString(locale(), { timeZone: config.timeZone, day: '2-digit', month: '2-digit' }),
          time: at.toLocaleTimeString(locale(), { timeZone: config.timeZone, hour: '2-digit', minute: '2-digit' }),
        });
    return [
      el(
        'li',
        { 'data-vital': v.key },
        el('span', { class: 'label' }, v.labels[lang()]),
        ' ',
        el('strong', {}, `${value} ${r.unitDisplay}`),
        ' ',
        el('span', { class: 'muted' }, when),
      ),
    ];
  });
  list.replaceChildren(...items);
  byId('act-vitals-none').hidden = items.length > 0;
}
