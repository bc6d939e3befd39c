/**
 * The patient trends page in a real headless Chromium: signed in, the clinician opens a patient
 * from the dashboard and sees one uPlot chart per vital with the period's readings, switches the
 * period, and the page runs under its strict CSP with no error and no violation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, hashPassword, startCloud } from '@telecart/cloud';
import type { Observation } from '@telecart/protocol';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { TestGateway } from '../../cloud/src/testing/test-gateway.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { otherLanguageMessages } from '../support/language-mix.js';

const PASSWORD = 'trends-test-password';
const DAY = 86_400_000;
const PATIENT = 'ehpad-r7';

interface PageState {
  days: number;
  points: Record<string, number>;
  charts: Record<string, { data: number[][] }>;
}

/** Points per vital as the page's own uPlot instances hold them (x values, and each series). */
function chartState(page: Page) {
  return page.evaluate(() => {
    const s = (window as unknown as { telecartTrends: PageState }).telecartTrends;
    return {
      days: s.days,
      series: Object.fromEntries(Object.entries(s.charts).map(([k, c]) => [k, c.data.map((d) => d.length)])),
      canvases: Array.from(document.querySelectorAll('#charts figure')).map((f) => [
        f.getAttribute('data-vital'),
        f.querySelectorAll('.chart canvas').length,
        Number(f.getAttribute('data-points')),
      ]),
    };
  });
}

describe.skipIf(!hasChromium)('patient trends page in Chromium', () => {
  let dir: string;
  let cloud: Cloud;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-trends-page-'));
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: 0,
      timeZone: 'Europe/Paris',
      patients: [{ id: PATIENT, family: 'BERNARD', given: 'Lucie', birthDate: '1936-05-14', gateways: ['cart-tp'] }],
      logger: pino({ level: 'silent' }),
      teleconsult: {
        specialists: [{ id: 'dr-leroy', name: 'Dr Paul Leroy', passwordHash: await hashPassword(PASSWORD, 10), gateways: ['cart-*'] }],
      },
    });
    browser = await launchChromium();
    const now = Date.now();
    const at = (d: number) => new Date(now - d * DAY - 3_600_000).toISOString();
    const g = 'cart-tp';
    let seq = 0;
    const obs: Observation[] = [];
    // A pulse a day for 60 days, blood pressure every other day for 20 days, SpO2 on the last 3 days,
    // one weight 50 days ago (outside the default 30 days).
    for (let d = 0; d < 60; d++)
      obs.push(reading('pulse', { seq: ++seq, gatewayId: g, patientId: PATIENT, value: 60 + (d % 15), at: at(d) }));
    for (let d = 0; d < 20; d += 2)
      obs.push(reading('bp', { seq: ++seq, gatewayId: g, patientId: PATIENT, value: [125 + d, 80 + (d % 5)], at: at(d) }));
    for (let d = 0; d < 3; d++) obs.push(reading('spo2', { seq: ++seq, gatewayId: g, patientId: PATIENT, value: 89 + d * 3, at: at(d) }));
    obs.push(reading('weight', { seq: ++seq, gatewayId: g, patientId: PATIENT, value: 61.4, at: at(50) }));
    const gw = await TestGateway.connect(cloud.mqttUrl, g);
    await gw.send(batchOf(obs, { gatewayId: g }));
    await gw.close();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens from the dashboard, draws a chart per vital, and switches 30 → 7 → 90 days', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    // Injected by the test driver (not subject to the page's CSP): collects every violation.
    await page.addInitScript(() => {
      const w = window as unknown as { cspViolations: string[] };
      w.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const violations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

    await page.goto(`${cloud.httpUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#login-id', 'dr-leroy');
    await page.fill('#login-password', PASSWORD);
    await Promise.all([page.waitForURL(`${cloud.httpUrl}/`), page.click('button[type=submit]')]);
    await expect.poll(() => page.locator('#patients-table').textContent()).toContain('BERNARD Lucie');
    expect(await violations()).toEqual([]);

    await Promise.all([page.waitForURL(/\/patients\/ehpad-r7\?lang=fr$/), page.locator(`tr[data-patient="${PATIENT}"] a.name`).click()]);
    await expect.poll(() => page.locator('#patient-main').getAttribute('data-state'), { timeout: 15_000 }).toBe('ready');
    expect(await page.locator('#patient-name').textContent()).toBe('BERNARD Lucie');
    expect(await page.locator('#patient-details').textContent()).toContain('14 mai 1936');

    // Default 30 days: pulse 30 points, BP 10 (two series on one chart), SpO2 3; no weight in the period.
    let s = await chartState(page);
    expect(s.days).toBe(30);
    expect(s.series).toEqual({ bp: [10, 10, 10], pulse: [30, 30], spo2: [3, 3] });
    expect(s.canvases).toEqual([
      ['bp', 1, 10],
      ['pulse', 1, 30],
      ['spo2', 1, 3],
    ]);
    expect(await page.locator('#trends-empty').textContent()).toContain('Poids');
    // Text alternatives in words: count, lowest, highest, latest.
    const spo2Alt = (await page.locator('#chart-spo2-alt').textContent()) ?? '';
    expect(spo2Alt).toMatch(/^SpO₂ : 3 mesures du .+ au .+\. Minimum 89 % le .+, maximum 95 % le .+, dernière valeur 89 % le .+\.$/);
    expect(await page.locator('#chart-bp-alt').textContent()).toMatch(/Systolique : minimum 125 mmHg .*Diastolique : minimum 80 mmHg/);
    expect(await page.locator('#charts figure[data-vital="bp"] .chart').getAttribute('aria-labelledby')).toBe(
      'chart-bp-title chart-bp-alt',
    );

    await page.locator('#periods button[data-days="7"]').click();
    await expect.poll(async () => (await chartState(page)).series.pulse).toEqual([7, 7]);
    await expect.poll(() => page.locator('#patient-main').getAttribute('data-state')).toBe('ready');
    s = await chartState(page);
    expect(s.series).toEqual({ bp: [4, 4, 4], pulse: [7, 7], spo2: [3, 3] });
    expect(await page.locator('#periods button[data-days="7"]').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('#chart-pulse-alt').textContent()).toMatch(/^Pouls : 7 mesures/);
    expect(new URL(page.url()).search).toBe('?lang=fr&days=7');

    await page.locator('#periods button[data-days="90"]').click();
    await expect.poll(async () => (await chartState(page)).series.pulse).toEqual([60, 60]);
    s = await chartState(page);
    expect(s.series).toEqual({ weight: [1, 1], bp: [10, 10, 10], pulse: [60, 60], spo2: [3, 3] });
    expect(s.canvases.map((c) => c[0])).toEqual(['weight', 'bp', 'pulse', 'spo2']);
    const none = (await page.locator('#trends-empty').textContent()) ?? '';
    expect(none).toContain('Température');
    expect(none).not.toContain('Poids');

    // The export link is a download of the period's FHIR search, readable under the page's CSP.
    const exportLink = page.locator('#export-fhir');
    expect(await exportLink.getAttribute('download')).toMatch(/\.json$/);
    const href = (await exportLink.getAttribute('href')) ?? '';
    expect(href).toMatch(/^\.\.\/fhir\/Observation\?patient=ehpad-r7&date=ge\d{4}-\d{2}-\d{2}T[^&]+&_count=1000$/);
    const bundle = await page.evaluate(async (u) => {
      const r = await fetch(u);
      const b = (await r.json()) as { resourceType: string; entry?: unknown[] };
      return { status: r.status, type: b.resourceType, entries: b.entry?.length ?? 0 };
    }, href);
    expect(bundle).toEqual({ status: 200, type: 'Bundle', entries: 74 });

    // Live: a new weight arrives while the page is open and its chart redraws without a reload.
    const gw = await TestGateway.connect(cloud.mqttUrl, 'cart-tp');
    await gw.send(
      batchOf([reading('weight', { seq: 1000, gatewayId: 'cart-tp', patientId: PATIENT, value: 62.3, at: new Date().toISOString() })], {
        gatewayId: 'cart-tp',
      }),
    );
    await gw.close();
    await expect.poll(async () => (await chartState(page)).series.weight, { timeout: 10_000 }).toEqual([2, 2]);

    // The latest readings table needs no script; the back link returns to the dashboard.
    expect(await page.locator('#latest tr[data-vital="spo2"]').textContent()).toContain('89');
    if (process.env.TELECART_SCREENSHOTS)
      await page.screenshot({ path: join(process.env.TELECART_SCREENSHOTS, 'patient-trends.png'), fullPage: true });
    await Promise.all([page.waitForURL(`${cloud.httpUrl}/?lang=fr`), page.locator('#back').click()]);

    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);

  it('speaks one language, French or English, and runs under a CSP without unsafe-inline with no violation', async () => {
    for (const lang of ['fr', 'en'] as const) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      await page.addInitScript(() => {
        const w = window as unknown as { cspViolations: string[] };
        w.cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      const path = `/patients/${PATIENT}?lang=${lang}`;
      await page.goto(`${cloud.httpUrl}/login?lang=${lang}&next=${encodeURIComponent(path)}`);
      await page.fill('#login-id', 'dr-leroy');
      await page.fill('#login-password', PASSWORD);
      await Promise.all([page.waitForURL(`${cloud.httpUrl}${path}`), page.click('button[type=submit]')]);
      // The page's own answer (a reload: the sign-in's redirect is not the page's response).
      const response = await page.reload();
      const scriptSrc = (response?.headers()['content-security-policy'] ?? '')
        .split(';')
        .map((d) => d.trim())
        .find((d) => d.startsWith('script-src'));
      expect(scriptSrc, lang).toMatch(/^script-src 'self' 'sha256-[A-Za-z0-9+/=]+'$/);
      await expect.poll(() => page.locator('#patient-main').getAttribute('data-state'), { timeout: 15_000 }).toBe('ready');
      expect(await page.locator('#charts figure').count(), lang).toBeGreaterThan(0);
      // What a person sees or hears: the title, the rendered text (innerText: not hidden elements), the accessible labels.
      const visible = await page.evaluate(() =>
        [
          document.title,
          // biome-ignore lint/performance/useDomNodeTextContent: the visible text is the point (textContent would include the data JSON and hidden text)
          document.body.innerText,
          ...Array.from(document.querySelectorAll('[aria-label]'), (e) => e.getAttribute('aria-label')),
        ].join('\n'),
      );
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
      expect(otherLanguageMessages(visible, lang), lang).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations), lang).toEqual([]);
      expect(errors, lang).toEqual([]);
      await page.close();
    }
  }, 90_000);
});
