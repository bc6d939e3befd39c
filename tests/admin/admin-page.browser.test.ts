/**
 * The administration page in Chromium (real cloud: embedded broker, SQLite), signed in as the test
 * cloud's site administrator: an account created with the form can sign in, and once disabled from
 * its row its open session is refused; a patient whose INS key is wrong is refused with the
 * directory's own words on the page and nothing is stored; two likely duplicates are listed, and the
 * merge happens only after its confirmation; the patient's contact is shown, a landline refused as
 * worded, a mobile typed the French way kept in E.164, then removed. A physician is refused the page; neither language
 * shows a word of the other.
 */
import { encodePayload, topics } from '@telecart/protocol';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { otherLanguageMessages } from '../support/language-mix.js';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud, TestCart } from '../teleconsult/support.js';
import { openAdminPage } from './open-admin-page.js';

/** The status of GET /api/specialist/me with this login cookie. */
async function meStatus(url: string, cookie: string): Promise<number> {
  return (await fetch(`${url}/api/specialist/me`, { headers: { cookie } })).status;
}

describe.skipIf(!hasChromium)('administration page', () => {
  let c: ConsultCloud;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    c = await startConsultCloud();
    browser = await launchChromium();
    ({ context, page } = await openAdminPage(
      browser,
      c.cloud.httpUrl,
      await login(c.cloud.httpUrl, 'admin-sites', PASSWORDS['admin-sites']),
      problems,
    ));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('opens the three tabs of a site administrator; a physician is refused the page', async () => {
    for (const tab of ['accounts', 'carts', 'patients']) await expect.poll(() => page.isVisible(`#tab-button-${tab}`)).toBe(true);
    expect(await page.isVisible('#tab-accounts')).toBe(true);
    const doctor = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
    expect((await fetch(`${c.cloud.httpUrl}/admin`, { headers: { cookie: doctor } })).status).toBe(403);
  });

  it('creates an account, which signs in; disabled from its row, its open session is refused', async () => {
    // A physician without RPPS: the API's reason, as worded.
    await page.fill('#account-id', 'dr-vert');
    await page.fill('#account-name', 'Dr Paul Vert');
    await page.selectOption('#account-role', 'gp');
    await page.check('#account-sites input[data-site="home"]');
    await page.fill('#account-password', 'generaliste-2026!');
    await page.click('#account-form button[type=submit]');
    await expect
      .poll(() => page.textContent('#accounts-message'))
      .toBe("Refusé : a gp account needs the practitioner's RPPS number (rpps)");
    expect(await c.cloud.store.getAccount('dr-vert')).toBeNull();

    await page.fill('#account-id', 'nurse-ana');
    await page.fill('#account-name', 'Ana Nurse');
    await page.selectOption('#account-role', 'ehpad-nurse');
    await page.click('#account-form button[type=submit]');
    const row = page.locator('#accounts tr[data-account="nurse-ana"]');
    await expect.poll(() => row.getAttribute('data-state')).toBe('active');
    expect(await row.locator('td').allTextContents()).toEqual([
      'nurse-ana',
      'Ana Nurse',
      'ehpad-nurse',
      'home',
      'actif',
      expect.any(String),
    ]);

    // Her code and badge for the cart, from the nurses' section of the same tab: a weak code is refused as worded.
    const nurseRow = page.locator('#nurses tr[data-nurse="nurse-ana"]');
    await expect.poll(() => nurseRow.count()).toBe(1);
    expect(await nurseRow.locator('td[data-pin]').getAttribute('data-pin')).toBe('none');
    await nurseRow.locator('input[data-field="pin"]').fill('1234');
    await nurseRow.locator('button[data-action="save-credentials"]').click();
    await expect.poll(() => page.textContent('#nurses-message')).toBe('Refusé : nurse-ana: a PIN cannot be a run of digits (1234, 4321)');
    await nurseRow.locator('input[data-field="pin"]').fill('2580');
    await nurseRow.locator('input[data-field="badge"]').fill('04a1b2c3');
    await nurseRow.locator('button[data-action="save-credentials"]').click();
    await expect.poll(() => nurseRow.locator('td[data-pin]').getAttribute('data-pin')).toBe('set');
    expect(await nurseRow.locator('td[data-badge]').getAttribute('data-badge')).toBe('set');
    expect(await page.textContent('#nurses-message')).toBe('Enregistré.');

    const nurse = await login(c.cloud.httpUrl, 'nurse-ana', 'generaliste-2026!');
    expect(await meStatus(c.cloud.httpUrl, nurse)).toBe(200);
    await row.locator('button[data-action="disable"]').click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('disabled');
    expect(await row.locator('td').nth(4).textContent()).toBe('désactivé');
    expect(await meStatus(c.cloud.httpUrl, nurse)).toBe(401);
    expect((await c.cloud.store.getAccount('nurse-ana'))?.disabledAt).toEqual(expect.any(String));
  });

  it('refuses a wrong INS key with the clear message, and merges two duplicates only once confirmed', async () => {
    await page.click('#tab-button-patients');
    await expect.poll(() => page.locator('#patients tr[data-patient="p-001"]').count()).toBe(1);

    const createPatient = async (id: string, ins?: string) => {
      await page.fill('#patient-id', id);
      await page.fill('#patient-family', 'Durand');
      await page.fill('#patient-given', 'Paul');
      await page.fill('#patient-birth-date', '1940-01-01');
      await page.fill('#patient-ins', ins ?? '');
      await page.selectOption('#patient-status', ins ? 'validated' : 'provisional');
      await page.click('#patient-form button[type=submit]');
    };
    // 238016912304522 is a valid NIR: with the key 23 it is refused, nothing stored.
    await createPatient('p-ins', '238016912304523');
    await expect
      .poll(() => page.textContent('#patients-message'))
      .toBe('Refusé : INS 238016912304523: check key 23 is wrong (expected 22)');
    expect(await c.cloud.store.getDirectoryPatient('p-ins')).toBeNull();

    await createPatient('dup-a');
    await expect.poll(() => page.locator('#patients tr[data-patient="dup-a"]').count()).toBe(1);
    await createPatient('dup-b');
    const pair = page.locator('#duplicates li').filter({ hasText: 'dup-a' }).filter({ hasText: 'dup-b' });
    await expect.poll(() => pair.count()).toBe(1);
    expect(await pair.textContent()).toContain('même nom et date de naissance');

    // Keeping dup-a asks first; cancelling merges nothing.
    await pair.locator('button[data-keep="dup-a"]').click();
    expect(await pair.locator('[role="alertdialog"]').textContent()).toContain('Fusionner dup-b dans dup-a ?');
    await pair.locator('button[data-confirm="cancel"]').click();
    expect(await pair.locator('[role="alertdialog"]').count()).toBe(0);
    expect((await c.cloud.store.getDirectoryPatient('dup-b'))?.mergedInto).toBeNull();

    await pair.locator('button[data-keep="dup-a"]').click();
    await pair.locator('button[data-confirm="merge"]').click();
    await expect.poll(() => page.textContent('#patients-message')).toBe('dup-b fusionné dans dup-a.');
    expect((await c.cloud.store.getDirectoryPatient('dup-b'))?.mergedInto).toBe('dup-a');
    // The message comes before the list is reloaded: wait for the row.
    await expect.poll(() => page.locator('#patients tr[data-patient="dup-b"] td').nth(4).textContent()).toBe('fusionné dans dup-a');
    await expect.poll(() => page.isVisible('#duplicates-empty')).toBe(true);

    // Admitted from the movement form: to a cart no site has, refused as worded; to a home kit of the site 'home', the row shows where.
    await page.selectOption('#movement-patient', 'dup-a');
    await page.selectOption('#movement-kind', 'admit');
    await page.fill('#movement-gateway', 'cart-1');
    await page.fill('#movement-local', '12');
    await page.click('#movement-form button[type=submit]');
    await expect
      .poll(() => page.textContent('#patients-message'))
      .toBe('Refusé : unknown cart cart-1: no configured site has it and it never reported');
    await page.fill('#movement-gateway', 'home-1');
    await page.click('#movement-form button[type=submit]');
    await expect.poll(() => page.textContent('#patients-message')).toBe('Enregistré.');
    await expect.poll(() => page.locator('#patients tr[data-patient="dup-a"] td').nth(4).textContent()).toBe('home-1 (12)');
    expect(problems).toEqual([]);
  });

  it("shows and edits the patient's own contact: a landline refused as worded, a mobile as typed kept in E.164, removed", async () => {
    await page.click('#tab-button-patients');
    await expect.poll(() => page.locator('#contact-patient option[value="dup-a"]').count()).toBe(1);
    await page.selectOption('#contact-patient', 'dup-a');
    await expect.poll(() => page.textContent('#contact-state')).toBe('Aucun contact enregistré.');

    await page.fill('#contact-email', 'paul.durand@example.org');
    await page.fill('#contact-phone', '01 23 45 67 89');
    await page.click('#contact-form button[type=submit]');
    await expect
      .poll(() => page.textContent('#patients-message'))
      .toBe('Refusé : contact: phone "01 23 45 67 89" is not a mobile number (06 or 07): the patient\'s messages go by SMS');
    expect(await c.cloud.store.patientContacts.get('dup-a')).toBeNull();

    await page.fill('#contact-phone', '06 12 34 56 78');
    await page.click('#contact-form button[type=submit]');
    await expect.poll(() => page.textContent('#patients-message')).toBe('Contact de dup-a enregistré.');
    await expect.poll(() => page.inputValue('#contact-phone')).toBe('+33612345678');
    expect(await page.textContent('#contact-state')).toMatch(/^Modifié par admin-sites le /);
    expect(await c.cloud.store.patientContacts.get('dup-a')).toMatchObject({ email: 'paul.durand@example.org', phone: '+33612345678' });

    await page.click('#contact-remove');
    await expect.poll(() => page.textContent('#patients-message')).toBe('Contact de dup-a retiré.');
    await expect.poll(() => page.inputValue('#contact-email')).toBe('');
    expect(await page.textContent('#contact-state')).toMatch(/^Retiré par admin-sites le /);
    expect(await c.cloud.store.patientContacts.get('dup-a')).toMatchObject({ email: null, phone: null });
    expect(problems).toEqual([]);
  });

  it('lists a cart that reported with its state, backlog and version', async () => {
    const cart = await TestCart.connect(c.cloud.mqttUrl, 'home-3');
    const at = new Date().toISOString();
    const backlog = { readings: 40, bytes: 4096, oldestUnsyncedAt: at, held: 2 };
    try {
      await cart.client.publishAsync(
        topics.status('home-3'),
        encodePayload({ v: 1, gatewayId: 'home-3', online: true, at, version: '0.9.1', backlog }),
        { qos: 1, retain: true },
      );
      const p = await context.newPage();
      await expect
        .poll(async () => {
          await p.goto(`${c.cloud.httpUrl}/admin?lang=fr`);
          await p.click('#tab-button-carts');
          return p.locator('#carts tr[data-cart="home-3"]').count();
        })
        .toBe(1);
      expect(await p.locator('#carts tr[data-cart="home-3"] td').allTextContents()).toEqual([
        'home-3',
        'home',
        'en ligne',
        '42',
        '0.9.1',
        expect.stringMatching(/\d/),
        'Révoquer',
      ]);
      await p.close();
    } finally {
      await cart.close();
    }
  });

  it.each(['fr', 'en'] as const)('in %s: each tab shows no word of the other language', async (lang) => {
    const p = await context.newPage();
    await p.goto(`${c.cloud.httpUrl}/admin?lang=${lang}`);
    await expect.poll(() => p.isVisible('#tab-button-patients')).toBe(true);
    expect(await p.evaluate(() => document.documentElement.lang)).toBe(lang);
    for (const tab of ['accounts', 'carts', 'patients', 'sites']) {
      await p.click(`#tab-button-${tab}`);
      await expect.poll(() => p.locator(`#tab-${tab} tbody tr`).count()).toBeGreaterThan(tab === 'carts' ? -1 : 0);
      const words = await p.evaluate(() => {
        const labels = [...document.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label') ?? '');
        // biome-ignore lint/performance/useDomNodeTextContent: the visible text is wanted
        return [document.title, document.body.innerText, ...labels].join('\n');
      });
      expect(otherLanguageMessages(words, lang), tab).toEqual([]);
    }
    await p.close();
  });
});
