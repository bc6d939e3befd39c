/**
 * The second factor on the sign-in page, in headless Chromium: an account with TOTP is asked for
 * its code, told when it is wrong, and signed in with the code its authenticator app would show.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, enrollTotp, hashPassword, readTotpKey, startCloud } from '@telecart/cloud';
import { Secret, TOTP } from 'otpauth';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium.js';

const PASSWORD = 'totp-browser-password';

describe.skipIf(!hasChromium)('second factor on the sign-in page in Chromium', () => {
  let dir: string;
  let cloud: Cloud;
  let browser: Browser;
  let app: TOTP;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-totp-ui-'));
    const keyFile = join(dir, 'totp.key');
    writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    const e = enrollTotp('dr-roux', readTotpKey(keyFile));
    app = new TOTP({ secret: Secret.fromBase32(e.secret), digits: 6, period: 30, algorithm: 'SHA1' });
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: 0,
      logger: pino({ level: 'silent' }),
      teleconsult: {
        totpKeyFile: keyFile,
        specialists: [
          { id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORD, 10), totp: e.encrypted, gateways: ['*'] },
        ],
      },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for the code, refuses a wrong one, signs in with the right one', async () => {
    const page = await browser.newPage();
    await page.goto(`${cloud.httpUrl}/login?lang=en`);
    await page.fill('#login-id', 'dr-roux');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.locator('#login-message').textContent()).toBe('Enter the 6-digit code of your authenticator app.');
    const code = app.generate();
    await page.fill('#login-totp', String((Number(code) + 1) % 1_000_000).padStart(6, '0'));
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.locator('#login-message').textContent()).toBe('Wrong or already used code.');
    await page.fill('#login-totp', app.generate());
    await page.click('#login-form button[type=submit]');
    await page.waitForURL(`${cloud.httpUrl}/`);
    await page.close();
  });
});
