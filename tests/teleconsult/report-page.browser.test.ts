/**
 * The specialist's report page in Chromium, during the act: writes the sections, signs (the act's
 * vitals frozen in), opens the PDF of the signed version, then starts a correction (version 2,
 * a draft with the signed text); the page runs under its strict CSP without an error.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { type ConsultCloud, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

function pdftotext(pdf: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('pdftotext', ['-layout', '-enc', 'UTF-8', '-', '-'], { encoding: 'utf8' }, (err, out) =>
      err ? reject(err) : resolve(out.replace(/[ \t]+/g, ' ')),
    );
    child.stdin?.end(pdf);
  });
}

describe.skipIf(!hasChromium)('report page (Chromium)', () => {
  let c: ConsultCloud;
  let cart: TestCart;
  let ws: PageSocket;
  let browser: Browser;
  let cookie: string;
  const sid = randomUUID();

  beforeAll(async () => {
    c = await startConsultCloud({
      patients: [
        {
          id: 'p-001',
          family: 'Martin',
          given: 'Jeanne',
          birthDate: '1938-04-02',
          ins: '238016912304522',
          gateways: ['cart-1'],
          localId: 'r12',
        },
      ],
    });
    cookie = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
    cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
    ws = await PageSocket.open(c.cloud.httpUrl, cookie);
    await cart.call(sid, 'r12', { reason: 'dyspnée' });
    await cart.status(sid, 'waiting');
    ws.send({ type: 'join', sessionId: sid });
    await cart.status(sid, 'in-progress');
    await c.cloud.store.storeBatch(
      batchOf([reading('spo2', { seq: 1, gatewayId: 'cart-1', patientId: 'p-001', at: new Date().toISOString(), value: 93 })]),
    );
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await ws?.close();
    await cart?.close();
    await c?.stop();
  });

  it('writes and signs during the act, opens the PDF, then corrects into version 2', async () => {
    const context = await browser.newContext();
    const [name, value] = cookie.split('=');
    await context.addCookies([{ name: name ?? '', value: value ?? '', url: c.cloud.httpUrl }]);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(`${c.cloud.httpUrl}/consult/acts/${sid}/report`);
    await page.locator('#report-state', { hasText: 'Pas encore de compte-rendu.' }).waitFor();

    await page.fill('#section-reason', 'Dyspnée depuis ce matin');
    await page.fill('#section-examination', 'Crépitants aux deux bases');
    await page.fill('#section-conclusion', 'Décompensation cardiaque débutante');
    await page.click('#report-save');
    await page.locator('#report-state', { hasText: 'Brouillon — version 1' }).waitFor();
    await page.click('#report-sign');
    await page.locator('#report-message', { hasText: 'Version 1 signée.' }).waitFor();
    const signed = page.locator('#report-versions li[data-status="signed"]');
    await signed.waitFor();
    expect(await signed.textContent()).toMatch(/^Version 1 signée par Dr Anne Roux le /);
    expect(await page.locator('#section-conclusion').getAttribute('readonly')).not.toBeNull();

    const href = await signed.locator('a').getAttribute('href');
    const pdf = await context.request.get(`${c.cloud.httpUrl}${href}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    const text = await pdftotext(await pdf.body());
    expect(text).toContain('Patient : MARTIN Jeanne');
    expect(text).toContain('Décompensation cardiaque débutante');
    expect(text).toContain('SpO₂ : 93 %');

    await page.click('#report-correct');
    await page.locator('#report-state', { hasText: 'Brouillon — version 2' }).waitFor();
    expect(await page.locator('#section-conclusion').inputValue()).toBe('Décompensation cardiaque débutante');
    expect(await page.locator('#report-versions li').count()).toBe(2);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('is opened from the consultation page, beside the call, for the act joined', async () => {
    const context = await browser.newContext();
    const [name, value] = cookie.split('=');
    await context.addCookies([{ name: name ?? '', value: value ?? '', url: c.cloud.httpUrl }]);
    const page = await context.newPage();
    await page.goto(`${c.cloud.httpUrl}/consult`);
    const sid2 = randomUUID();
    await cart.call(sid2, 'r12', { reason: 'chute' });
    const row = page.locator(`tr[data-session="${sid2}"]`);
    await expect.poll(() => row.count()).toBe(1);
    await row.locator('button.join').click();
    await cart.next('start', (m) => m.sessionId === sid2);
    const link = page.locator('#consult-report');
    expect(await link.getAttribute('href')).toBe(`/consult/acts/${sid2}/report?lang=fr`);
    const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await popup.locator('#report-state', { hasText: 'Pas encore de compte-rendu.' }).waitFor();
    await page.click('#hangup');
    await context.close();
  });
});
