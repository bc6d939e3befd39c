import { describe, expect, it } from 'vitest';
import { renderPatientPage } from './page.js';

describe('patient page, latest readings', () => {
  it("shows a meter's HI as a bound ('> 600'), never as an exact value", () => {
    const asset = { href: '/a', integrity: 'sha384-x' };
    const html = renderPatientPage(
      {
        id: 'p1',
        ins: null,
        insOid: null,
        family: 'Durand',
        given: 'Paul',
        birthDate: null,
        source: 'configured',
        lastObservationAt: null,
      },
      [{ key: 'glucose', t: '2026-06-01T08:00:00Z', v: [600], flags: ['result-above-range'], comparator: '>', unitDisplay: 'mg/dL' }],
      { lang: 'en', days: 30, timeZone: 'UTC', now: Date.parse('2026-06-02T00:00:00Z'), uplot: { js: asset, css: asset } },
    );
    expect(html).toMatch(/<span class="value">(&gt;|&#62;|>) 600<\/span>/);
  });
});
