/**
 * The alerts panel's wording, from the catalogue's templates: values written with their digits and
 * sign in each language, whole days of silence, the last reading's date when known, and an alert
 * whose text the page does not know shown as its rule and values rather than hidden. Names and
 * notes are escaped by the renderer.
 */
import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../store/cloud-store.js';
import { alertText, renderAlertsFragment } from './alerts-panel.js';

const fr = { lang: 'fr', timeZone: 'Europe/Paris' } as const;
const en = { lang: 'en', timeZone: 'Europe/Paris' } as const;
const text = (textKey: string, values: Record<string, number | string>) => ({ textKey, rule: textKey, values });

describe('alert wording', () => {
  it('writes each value with its digits and sign', () => {
    const gain = text('hf-weight-gain-3d', { gainKg: 2.44, fromKg: 68.06, toKg: 70.5 });
    expect(alertText(gain, fr)).toBe('Poids +2,4 kg en 3 jours (68,1 → 70,5 kg)');
    expect(alertText(gain, en)).toBe('Weight +2.4 kg in 3 days (68.1 → 70.5 kg)');
    const drop = text('spo2-drop', { spo2: 89, drop: 4.25, baseline: 94 });
    expect(alertText(drop, fr)).toBe('SpO2 89 %, −4,3 points sous la référence de 94,0 %');
    expect(alertText(drop, en)).toBe('SpO2 89 %, 4.3 points below the baseline of 94.0 %');
  });

  it('counts whole days of silence and dates the last reading when there is one', () => {
    expect(alertText(text('hf-no-weight', { silentDays: 322.6 }), fr)).toBe('Aucun poids reçu depuis 322 jours');
    expect(alertText(text('bp-no-reading', { silentDays: 4.9, lastAt: '2026-11-20T07:30:00Z' }), fr)).toBe(
      'Aucune tension reçue depuis 4 jours (dernière : 20/11/2026 08:30)',
    );
    expect(alertText(text('bp-no-reading', { silentDays: 4.9, lastAt: '2026-11-20T07:30:00Z' }), en)).toBe(
      'No blood pressure received for 4 days (last: 20/11/2026, 08:30)',
    );
  });

  it('shows an unknown rule as it came, and a missing value as ?', () => {
    expect(alertText(text('new-rule', { x: 1 }), fr)).toBe('new-rule {"x":1}');
    expect(alertText(text('spo2-low', { spo2: 85 }), en)).toBe('SpO2 85 % (threshold ? %)');
  });

  it('escapes what patients and gateways sent', () => {
    const alert: AlertRecord = {
      id: 'a"1',
      patientId: 'p<1>',
      rule: 'spo2-low',
      severity: 'warning',
      status: 'open',
      openedAt: '2026-11-20T07:30:00Z',
      lastAt: '2026-11-20T07:30:00Z',
      count: 3,
      firstObservationIds: [],
      lastObservationIds: [],
      textKey: 'spo2-low',
      values: { spo2: 87, threshold: 88 },
      ackBy: null,
      ackAt: null,
      ackNote: null,
      resolvedAt: null,
      resolvedBy: null,
    };
    const html = renderAlertsFragment([alert], new Map([['p<1>', { id: 'p<1>', family: '<b>Nom', given: null }]]), fr);
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('p<1>');
    expect(html).toContain('data-ack="a&quot;1"');
    expect(html).toContain('<span class="count">3 déclenchements</span>');
    expect(renderAlertsFragment([], new Map(), en)).toBe('<p class="none">No open alert.</p>');
  });
});
