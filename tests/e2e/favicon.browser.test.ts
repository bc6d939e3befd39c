/**
 * Every page a person opens (the cloud's sign-in, dashboard, patient trends and specialist pages,
 * the cart's nurse page) loads its icon under its own strict CSP, and its console stays clean:
 * no error message, no failed request, no HTTP error. Real cloud and gateway in process, headless
 * Chromium (which fetches a page's icon only when the page links one: hence the <link rel=icon>).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, hashPassword, startCloud } from '@telecart/cloud';
import { type Gateway, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium.js';

const PASSWORD = 'favicon-test-password';
const PATIENT = { id: 'ehpad-r12', family: 'MARTIN', given: 'Jeanne' };

/** What the page's console would show as a problem, and the icons it loaded. */
function watch(page: Page): { problems: string[]; icons: { url: string; status: number; type: string | undefined }[] } {
  const problems: string[] = [];
  const icons: { url: string; status: number; type: string | undefined }[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    if (/^\/favicon\.(svg|ico)$/.test(new URL(r.url()).pathname))
      icons.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] });
  });
  return { problems, icons };
}

describe.skipIf(!hasChromium)('page icons and clean consoles in Chromium', () => {
  let dir: string;
  let cloud: Cloud;
  let gw: Gateway;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-favicon-'));
    cloud = await startCloud({
      dataDir: join(dir, 'cloud'),
      mqttPort: 0,
      httpPort: 0,
      // Seen by the carts' clinicians before any reading (the cart is named).
      patients: [{ ...PATIENT, gateways: ['cart-icon'] }],
      logger: pino({ level: 'silent' }),
      teleconsult: {
        specialists: [{ id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORD, 10), gateways: ['cart-*'] }],
      },
    });
    const config = resolveGatewayConfig({
      gatewayId: 'cart-icon',
      mode: 'cart',
      // Not a nurse sign-in test: changes on the cart go through without a nurse.
      nurseSignIn: { required: false },
      patients: [PATIENT],
      http: { host: '127.0.0.1', port: 0 },
    });
    gw = await startGateway({ config, dataDir: join(dir, 'gateway'), cloudUrl: cloud.mqttUrl });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function expectIconAndCleanConsole(page: Page, w: ReturnType<typeof watch>, what: string): Promise<void> {
    await expect.poll(() => w.icons.length, { timeout: 10_000, message: `${what}: its icon was fetched` }).toBeGreaterThan(0);
    expect(
      w.icons.map((i) => [i.status, i.type]),
      what,
    ).toEqual(w.icons.map(() => [200, 'image/svg+xml']));
    // The icon link is the page's own (not the browser's guess at /favicon.ico).
    expect(await page.locator('link[rel=icon]').getAttribute('href'), what).toBe('/favicon.svg');
    expect(w.problems, what).toEqual([]);
  }

  it("the cloud's sign-in page, dashboard, patient page and specialist page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    let w = watch(page);
    await page.goto(`${cloud.httpUrl}/login`);
    await expectIconAndCleanConsole(page, w, 'sign-in page');

    await page.fill('#login-id', 'dr-roux');
    await page.fill('#login-password', PASSWORD);
    await Promise.all([page.waitForURL(`${cloud.httpUrl}/`), page.click('button[type=submit]')]);
    await expect.poll(() => page.locator('#reader').textContent()).toContain('Dr Anne Roux');
    await page.close();

    for (const [path, what] of [
      ['/', 'dashboard'],
      [`/patients/${PATIENT.id}`, 'patient page'],
      ['/consult', 'specialist page'],
    ] as const) {
      const p = await context.newPage();
      w = watch(p);
      await p.goto(`${cloud.httpUrl}${path}`);
      await expectIconAndCleanConsole(p, w, what);
      await p.close();
    }
    await context.close();
  });

  it("the cart's nurse page", async () => {
    const page = await browser.newPage();
    const w = watch(page);
    await page.goto(`${gw.httpUrl}/`);
    await expect.poll(() => page.evaluate(() => document.body.dataset.events), { timeout: 10_000 }).toBe('open');
    await expectIconAndCleanConsole(page, w, 'nurse page');
    await page.close();
  });
});
