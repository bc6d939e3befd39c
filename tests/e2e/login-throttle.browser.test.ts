/**
 * What a clinician reads when the login is throttled: both sign-in pages (dashboard /login and
 * /consult) in headless Chromium show the wait the server sent in Retry-After.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, hashPassword, startCloud } from '@telecart/cloud';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium.js';

const PASSWORD = 'throttle-browser-password';

describe.skipIf(!hasChromium)('throttled sign-in in Chromium', () => {
  let dir: string;
  let cloud: Cloud;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-throttle-ui-'));
    const frozen = Date.UTC(2026, 11, 1, 8, 0, 0);
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: 0,
      logger: pino({ level: 'silent' }),
      throttleClock: () => frozen,
      teleconsult: {
        specialists: [{ id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORD, 10), gateways: ['*'] }],
      },
    });
    // Five wrong passwords from this machine's address: the browser, on the same address, is then held 1 s.
    for (let i = 0; i < 5; i++)
      await fetch(`${cloud.httpUrl}/api/specialist/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'dr-roux', password: `wrong-${i}` }),
      });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(page: Page): Promise<void> {
    await page.fill('#login-id', 'dr-roux');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-form button[type=submit]');
  }

  it('the dashboard sign-in page says how long to wait', async () => {
    const page = await browser.newPage();
    await page.goto(`${cloud.httpUrl}/login?lang=en`);
    await signIn(page);
    await expect.poll(() => page.locator('#login-message').textContent()).toBe('Too many attempts: try again in 1 s.');
    await page.goto(`${cloud.httpUrl}/login?lang=fr`);
    await signIn(page);
    await expect.poll(() => page.locator('#login-message').textContent()).toBe('Trop d’essais : réessayez dans 1 s.');
    await page.close();
  });

  it('the consultation page says how long to wait', async () => {
    const page = await browser.newPage();
    await page.goto(`${cloud.httpUrl}/consult?lang=en`);
    await signIn(page);
    await expect.poll(() => page.locator('#login-error').textContent()).toBe('Too many attempts: try again in 1 s.');
    await page.close();
  });
});
