/**
 * The clinician dashboard in a real headless Chromium: a reading published by a gateway over
 * MQTT appears in the page without a reload, and the language toggle switches the labels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, hashPassword, startCloud } from '@telecart/cloud';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { TestGateway } from '../../cloud/src/testing/test-gateway.js';
import { hasChromium, launchChromium } from '../support/chromium.js';

const PASSWORD = 'dashboard-test-password';

describe.skipIf(!hasChromium)('clinician dashboard in Chromium', () => {
  let dir: string;
  let cloud: Cloud;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-dash-'));
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: 0,
      patients: [
        {
          id: 'ehpad-r12',
          family: 'MARTIN',
          given: 'Jeanne',
          ins: '238016912304522',
          insOid: '1.2.250.1.213.1.4.10',
          gateways: ['cart-ui'],
        },
      ],
      logger: pino({ level: 'silent' }),
      teleconsult: {
        specialists: [{ id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORD, 10), gateways: ['cart-*'] }],
      },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a new reading live, without reloading, in French then English', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The dashboard sends an unknown visitor to the sign-in page, and back after it.
    await page.goto(`${cloud.httpUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#login-id', 'dr-roux');
    await page.fill('#login-password', 'wrong');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('#login-message').textContent()).toContain('incorrect');
    await page.fill('#login-password', PASSWORD);
    await Promise.all([page.waitForURL(`${cloud.httpUrl}/`), page.click('button[type=submit]')]);
    await expect.poll(() => page.locator('#reader').textContent()).toContain('Dr Anne Roux');
    let navigations = 1;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    await expect.poll(() => page.locator('#live-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });

    const gw = await TestGateway.connect(cloud.mqttUrl, 'cart-ui');
    const batch = batchOf(
      [reading('bp', { seq: 1, gatewayId: 'cart-ui', patientId: 'ehpad-r12', value: [142, 91], at: new Date().toISOString() })],
      {
        gatewayId: 'cart-ui',
      },
    );
    await gw.send(batch);

    const table = page.locator('#patients-table');
    await expect.poll(() => table.textContent(), { timeout: 10_000 }).toMatch(/142\s*\/\s*91/);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(navigations).toBe(1);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await page.locator('#lang-toggle').textContent()).toBe('English');

    await page.locator('#lang-toggle').click();
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('#lang-toggle').textContent()).toBe('Français');
    await expect.poll(() => table.textContent(), { timeout: 10_000 }).toMatch(/142\s*\/\s*91/);
    if (process.env.TELECART_SCREENSHOTS)
      await page.screenshot({ path: join(process.env.TELECART_SCREENSHOTS, 'dashboard.png'), fullPage: true });
    // Signing out ends the session: the dashboard is behind the sign-in page again.
    await Promise.all([page.waitForURL(/\/login/), page.locator('#logout').click()]);
    await page.goto(`${cloud.httpUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(errors).toEqual([]);
    await gw.close();
  }, 60_000);
});
