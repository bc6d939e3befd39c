import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../testing/observations.js';
import type { PatientOverview } from '../../vitals/overview.js';
import { summarizeVitals } from '../../vitals/summary.js';
import { dashboardBundle, dashboardPageCsp, renderDashboardPage, renderPatientsFragment } from './page.js';

const patient = (over: Partial<PatientOverview>): PatientOverview => ({
  id: 'p-001',
  ins: null,
  insOid: null,
  family: 'Martin',
  given: 'Jeanne',
  birthDate: '1938-04-02',
  source: 'configured',
  lastObservationAt: null,
  vitals: {},
  ...over,
});

describe('dashboard rendering', () => {
  const obs = batchOf([
    reading('bp', { seq: 1, at: '2026-11-23T08:00:00Z', value: [142, 91] }),
    { ...reading('pulse', { seq: 2, at: '2026-11-23T08:00:00Z', value: 58 }), flags: ['irregular-pulse'] },
    reading('temperature', { seq: 3, at: '2026-11-23T08:05:00Z', value: 38.25 }),
  ]).observations;

  it('shows each vital with unit, local time and flags, in French', () => {
    const html = renderPatientsFragment([patient({ vitals: summarizeVitals(obs) })], { lang: 'fr', timeZone: 'Europe/Paris' });
    expect(html).toContain('<span class="value">142/91</span> <span class="unit">mmHg</span>');
    expect(html).toContain('<time datetime="2026-11-23T08:00:00Z">23/11/2026 09:00</time>');
    expect(html).toContain('38,3</span> <span class="unit">°C</span>');
    expect(html).toContain('irregular-pulse');
    expect(html).toContain('né(e) le 02/04/1938');
    // Missing vitals say so to screen readers, not only with a dash.
    expect(html.match(/aucune mesure/g)).toHaveLength(2);
  });

  it('switches wording and number format in English', () => {
    const html = renderPatientsFragment([patient({ vitals: summarizeVitals(obs) })], { lang: 'en', timeZone: 'UTC' });
    expect(html).toContain('<th scope="col">Temperature</th>');
    expect(html).toContain('38.3');
    expect(html).toContain('23/11/2026, 08:00');
  });

  it('escapes names, ids and flags; says when there are no patients', () => {
    const html = renderPatientsFragment(
      [patient({ id: 'x"><b>', family: '<img src=x onerror=alert(1)>', vitals: summarizeVitals([{ ...obs[1]!, flags: ['<script>'] }]) })],
      { lang: 'fr', timeZone: 'UTC' },
    );
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('"><b>');
    expect(renderPatientsFragment([], { lang: 'en', timeZone: 'UTC' })).toContain('No patients yet.');
  });

  it('embeds a script that parses and is allowed by the page CSP, and nothing external', () => {
    expect(() => new Function(dashboardBundle().source)).not.toThrow();
    const page = renderDashboardPage([], { lang: 'fr', timeZone: 'UTC' });
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
    expect(script).toBe(dashboardBundle().source);
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(dashboardPageCsp()).toContain(`'sha256-${hash}'`);
    expect(page).not.toMatch(/https?:\/\//);
  });
});
