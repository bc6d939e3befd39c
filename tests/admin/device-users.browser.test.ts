/**
 * The administration page's shared devices (Carts tab) in Chromium, signed in as the test cloud's site
 * administrator (real cloud: embedded broker, SQLite): the patient choice is the chosen cart's patients;
 * a user number mapped with the form is what the store keeps; a patient who left the cart meanwhile is
 * refused with the cloud's words on the page; removed from its row, the mapping is gone.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud } from '../teleconsult/support.js';
import { openAdminPage } from './open-admin-page.js';

const SCALE = 'ble:C4:7C:8D:6A:00:02';

describe.skipIf(!hasChromium)('administration page: shared devices’ users of a cart', () => {
  let c: ConsultCloud;
  let browser: Browser;
  let page: Page;
  let cookie: string;
  const problems: string[] = [];

  async function directory(path: string, body: unknown): Promise<number> {
    const r = await fetch(`${c.cloud.httpUrl}/api/directory${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return r.status;
  }

  beforeAll(async () => {
    c = await startConsultCloud();
    cookie = await login(c.cloud.httpUrl, 'admin-sites', PASSWORDS['admin-sites']);
    // The kit reported once (its status, as the ingest stores it): the Carts tab lists it.
    await c.cloud.store.upsertGatewayStatus({ v: 1, gatewayId: 'home-1', online: true, at: new Date().toISOString(), version: '1.0.0' });
    for (const [id, family, cart, localId] of [
      ['p-k1', 'MARTIN', 'home-1', 'k1'],
      ['p-k2', 'DURAND', 'home-1', 'k2'],
      ['p-k3', 'PETIT', 'home-3', 'k3'],
    ] as const) {
      expect(await directory('/patients', { id, family, given: 'Anne', birthDate: '1940-01-01', identityStatus: 'provisional' })).toBe(201);
      expect(await directory(`/patients/${id}/admit`, { gateway: cart, localId })).toBe(200);
    }
    browser = await launchChromium();
    ({ page } = await openAdminPage(browser, c.cloud.httpUrl, cookie, problems));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('maps a user number to one of the cart’s patients, shows a refusal as worded, and removes it', async () => {
    await expect.poll(() => page.isVisible('#tab-button-carts')).toBe(true);
    await page.click('#tab-button-carts');
    await expect.poll(() => page.locator('#du-cart option[value="home-1"]').count()).toBe(1);
    await page.selectOption('#du-cart', 'home-1');
    // The cart's patients only (not home-3's): the two admitted, and the configuration's p-001 of this kit.
    await expect
      .poll(() => page.locator('#du-patient option').allTextContents())
      .toEqual(['Anne MARTIN (k1)', 'Anne DURAND (k2)', 'Jeanne Martin (p-001)']);
    expect(await page.isVisible('#device-users-empty')).toBe(true);

    await page.fill('#du-device', SCALE);
    await page.fill('#du-user', '2');
    await page.selectOption('#du-patient', 'p-k2');
    await page.click('#device-user-form button[type=submit]');
    await expect.poll(() => page.textContent('#device-users-message')).toBe(`${SCALE}, utilisateur 2 : Anne DURAND (k2).`);
    await expect
      .poll(() => page.locator(`#device-users tr[data-user="2"] td`).allTextContents())
      .toEqual([SCALE, '2', 'Anne DURAND (k2)', 'admin-sites', 'Retirer']);
    expect((await c.cloud.store.deviceUsers.list('home-1')).map((m) => [m.deviceId, m.userIndex, m.patientId])).toEqual([
      [SCALE, 2, 'p-k2'],
    ]);

    // p-k1 leaves the kit while the page still offers her: the cloud refuses, the page says why.
    expect(await directory('/patients/p-k1/discharge', {})).toBe(200);
    await page.fill('#du-user', '3');
    await page.selectOption('#du-patient', 'p-k1');
    await page.click('#device-user-form button[type=submit]');
    await expect
      .poll(() => page.textContent('#device-users-message'))
      .toBe('Refusé : patient p-k1 is not on cart home-1 (its patients: p-k2, p-001): admit them to this cart first');
    expect(await c.cloud.store.deviceUsers.list('home-1')).toHaveLength(1);

    await page.locator('#device-users tr[data-user="2"] button[data-action="remove"]').click();
    await expect.poll(() => page.textContent('#device-users-message')).toBe(`${SCALE}, utilisateur 2 : retiré.`);
    await expect.poll(() => page.locator('#device-users tbody tr').count()).toBe(0);
    expect(await c.cloud.store.deviceUsers.list('home-1')).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);
});
