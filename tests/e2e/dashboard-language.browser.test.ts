/**
 * The dashboard in one language at a time, under its CSP: signed in, with a patient, an open alert
 * and a cart on the page, nothing shown in French is an English catalogue message (and the other
 * way round, after the language switch and when asked in English), the policy allows the page's
 * script by hash only (no 'unsafe-inline', no eval) and the page runs without a CSP violation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, hashPassword, startCloud } from '@telecart/cloud';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { TestGateway } from '../../cloud/src/testing/test-gateway.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { otherLanguageMessages } from '../support/language-mix.js';

const PASSWORD = 'dashboard-language-test-password';
const DAY = 86_400_000;

/** What a reader sees or hears: the title, the visible text, placeholders and accessible labels. */
const shownText = (page: Page) =>
  page.evaluate(() =>
    [
      document.title,
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text (no noscript, no script) is what a reader sees
      document.body.innerText,
      ...Array.from(document.querySelectorAll('[placeholder],[aria-label]'), (e) =>
        [e.getAttribute('placeholder'), e.getAttribute('aria-label')].filter(Boolean).join('\n'),
      ),
    ].join('\n'),
  );

describe.skipIf(!hasChromium)('dashboard languages and CSP in Chromium', () => {
  let dir: string;
  let cloud: Cloud;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-dash-lang-'));
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: 0,
      patients: [{ id: 'hf-7', family: 'Martin', given: 'Jeanne', gateways: ['home-7'], telemonitoring: { programme: 'heart-failure' } }],
      logger: pino({ level: 'silent' }),
      teleconsult: {
        specialists: [{ id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORD, 10), gateways: ['home-*'] }],
      },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows no message of the other language, in French and in English, and runs under its CSP', async () => {
    // A weight gain over 3 days: a row in the patient table, an open alert, a cart in the gateways panel.
    const gw = await TestGateway.connect(cloud.mqttUrl, 'home-7');
    const now = Date.now();
    const weights = [68.0, 68.7, 69.4, 70.1].map((value, i) =>
      reading('weight', {
        seq: i + 1,
        gatewayId: 'home-7',
        patientId: 'hf-7',
        value,
        at: new Date(now - (3 - i) * DAY).toISOString(),
      }),
    );
    await gw.send(batchOf(weights, { gatewayId: 'home-7' }));
    await gw.close();
    // The alert engine judges stored readings in the background.
    await expect.poll(async () => (await cloud.store.listAlerts({ patientId: 'hf-7' })).total, { timeout: 10_000 }).toBe(1);

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(() => {
      const w = window as unknown as { cspViolations: string[] };
      w.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(`${cloud.httpUrl}/`);
    await page.fill('#login-id', 'dr-roux');
    await page.fill('#login-password', PASSWORD);
    await Promise.all([page.waitForURL(`${cloud.httpUrl}/`), page.click('button[type=submit]')]);

    const csp = (await page.request.get(`${cloud.httpUrl}/`)).headers()['content-security-policy'] ?? '';
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
    expect(scriptSrc).toMatch(/'sha256-[A-Za-z0-9+/=]+'/);
    expect(scriptSrc).not.toContain('unsafe-inline');
    expect(scriptSrc).not.toContain('unsafe-eval');

    const ready = async (lang: 'fr' | 'en') => {
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(lang);
      await expect.poll(() => page.locator('#live-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
      await expect.poll(() => page.locator('#alerts-list tr[data-rule="hf-weight-gain-3d"]').count(), { timeout: 10_000 }).toBe(1);
      await expect
        .poll(() => page.locator('#alerts-list .alert-text').textContent())
        .toBe(lang === 'fr' ? 'Poids +2,1 kg en 3 jours (68,0 → 70,1 kg)' : 'Weight +2.1 kg in 3 days (68.0 → 70.1 kg)');
      await expect
        .poll(() => page.locator('#patients-table td[data-observation] .value').textContent())
        .toBe(lang === 'fr' ? '70,1' : '70.1');
      await expect.poll(() => page.locator('#gateways-table tr[data-gateway="home-7"]').count(), { timeout: 10_000 }).toBe(1);
    };

    await ready('fr');
    const fr = await shownText(page);
    expect(fr).toContain('Patients suivis');
    expect(otherLanguageMessages(fr, 'fr')).toEqual([]);

    // Switched in place: the chrome at once, the panels when re-fetched.
    await page.locator('#lang-toggle').click();
    await ready('en');
    await expect.poll(() => page.locator('#gateways-table caption').textContent(), { timeout: 15_000 }).toBe('Carts and home boxes');
    const switched = await shownText(page);
    expect(switched).toContain('Monitored patients');
    expect(otherLanguageMessages(switched, 'en')).toEqual([]);

    // Asked in English from the server.
    await page.goto(`${cloud.httpUrl}/?lang=en`);
    await ready('en');
    const en = await shownText(page);
    expect(await page.title()).toBe('telecart — telemonitoring');
    expect(otherLanguageMessages(en, 'en')).toEqual([]);

    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);
});
