/**
 * The specialist's page in a real headless Chromium, with no media: login (wrong then right
 * password), the waiting room filled live by a cart publishing a call over MQTT, join → the cart
 * gets `start`, the statuses as they change, hang-up → finalised, a call cancelled by the nurse
 * leaving the room, the language switch, a lost WebSocket during an act (shown interrupted, rejoined
 * by the page itself once the socket is back), and no CSP violation or script error on the way.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { waitFor } from '../support/wait.js';
import { type ConsultCloud, PASSWORDS, startConsultCloud, TestCart } from './support.js';

describe.skipIf(!hasChromium)('consultation page in Chromium', () => {
  let c: ConsultCloud;
  let cart: TestCart;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    c = await startConsultCloud({
      teleconsult: { connectTimeoutSeconds: 120 },
      patients: [{ id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', ins: '238016912304522', gateways: ['cart-1'] }],
    });
    // What the specialist sees of the patient during the act: the cloud's latest vitals.
    await c.cloud.store.storeBatch(
      batchOf([
        reading('pulse', { seq: 1, gatewayId: 'cart-1', patientId: 'p-001', at: '2026-12-06T08:00:00.000Z', value: 88 }),
        reading('bp', { seq: 2, gatewayId: 'cart-1', patientId: 'p-001', at: '2026-12-06T08:01:00.000Z', value: [152, 91] }),
      ]),
    );
    cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
    browser = await launchChromium();
    page = await browser.newPage({ locale: 'fr-FR' });
    // Keep a handle on the page's WebSockets, to drop one as a flaky network would.
    await page.addInitScript(() => {
      const w = window as unknown as { __sockets: WebSocket[]; WebSocket: typeof WebSocket };
      const Base = w.WebSocket;
      w.__sockets = [];
      w.WebSocket = class extends Base {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          w.__sockets.push(this);
        }
      };
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      // The login attempts answer 401 on purpose; anything else (a CSP refusal above all) is a fault.
      if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await cart?.close();
    await c?.stop();
  });

  const view = () => page.evaluate(() => document.body.dataset.view);
  const actStatus = () => page.locator('#act-status').getAttribute('data-status');

  it('asks for a login, refuses a wrong password, then shows the empty waiting room', async () => {
    await page.goto(`${c.cloud.httpUrl}/consult`);
    await expect.poll(view).toBe('login');
    await page.fill('#login-id', 'dr-roux');
    await page.fill('#login-password', 'not-the-password');
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toBe('Identifiant ou mot de passe incorrect.');
    await page.fill('#login-password', PASSWORDS['dr-roux']);
    await page.click('#login-form button[type=submit]');
    await expect.poll(view).toBe('room');
    expect(await page.textContent('#who')).toBe('Dr Anne Roux');
    await expect.poll(() => page.locator('#ws-state').getAttribute('data-state')).toBe('live');
    expect(await page.isVisible('#room-empty')).toBe(true);
    // The cookie is HttpOnly: the page's script cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('shows a call live, joins it (the cart gets start), follows the statuses, hangs up: finalised', async () => {
    const sid = randomUUID();
    // Placed by the nurse signed in on the cart: she collected the consent.
    await cart.call(sid, 'p-001', {
      reason: 'essoufflement <b>depuis</b> hier',
      consent: { by: 'patient', method: 'oral', collectedAt: new Date().toISOString(), collectedBy: 'Claire Martin, IDE' },
    });
    const row = page.locator(`tr[data-session="${sid}"]`);
    await expect.poll(() => row.count()).toBe(1);
    const text = await row.textContent();
    expect(text).toContain('MARTIN Jeanne');
    expect(text).toContain('en salle d’attente');
    expect(text).toContain('essoufflement <b>depuis</b> hier'); // shown as text, never as markup
    expect(await row.locator('b').count()).toBe(0);
    // The consent recorded with the act (the support cart sends the patient's, given orally, now).
    const hhmm = new Date().toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' });
    const consentCell = row.locator('.consent');
    expect(await consentCell.getAttribute('data-consent')).toBe('patient');
    expect((await consentCell.textContent())?.replace(/\d\d:\d\d$/, 'HH:MM')).toBe('Consentement oral du patient, recueilli à HH:MM');
    expect([0, 1, 1439]).toContain((minutes(await consentCell.textContent()) - minutes(hhmm) + 1440) % 1440);

    await row.locator('button.join').click();
    const start = await cart.next('start', (m) => m.sessionId === sid);
    expect(start.specialist).toEqual({ id: 'dr-roux', name: 'Dr Anne Roux' });
    await expect.poll(view).toBe('consult');
    await expect.poll(actStatus).toBe('in-progress');
    expect(await page.textContent('#consult-patient')).toBe('MARTIN Jeanne — cart-1');
    expect(await page.textContent('#act-status')).toBe('en cours');
    expect(await page.textContent('#consult-consent')).toMatch(/^Consentement oral du patient, recueilli à \d\d:\d\d$/);
    expect(await page.textContent('#consult-caller')).toBe('Appel passé par Claire Martin, IDE');
    const vital = (key: string) => page.locator(`#act-vitals-list li[data-vital="${key}"]`);
    await expect.poll(() => vital('pulse').textContent()).toBe('Pouls 88 /min le 06/12 à 09:00');
    expect(await vital('bp').textContent()).toBe('Tension artérielle 152/91 mmHg le 06/12 à 09:01');
    expect(await page.isHidden('#act-vitals-none')).toBe(true);

    await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
    await expect.poll(() => page.locator('#conn-state').getAttribute('data-cart-state')).toBe('connected');

    await page.click('#lang-toggle');
    await expect.poll(() => page.textContent('#act-status')).toBe('in progress');
    expect(await page.textContent('#consult-consent')).toMatch(/^Oral consent from the patient, collected at \d\d:\d\d$/);
    expect(await page.textContent('#consult-caller')).toBe('Call placed by Claire Martin, IDE');
    expect(await page.textContent('#hangup')).toBe('End the teleconsultation');
    expect(await vital('pulse').textContent()).toBe('Pulse 88 /min on 06/12 at 09:00');
    await page.click('#lang-toggle');

    await page.click('#hangup');
    await cart.next('hangup', (m) => m.sessionId === sid);
    await cart.status(sid, 'completed');
    await expect.poll(actStatus).toBe('completed');
    expect(await page.textContent('#act-status')).toBe('finalisée');
    expect(await page.isVisible('#back')).toBe(true);
    await page.click('#back');
    await expect.poll(view).toBe('room');
  });

  it('a lost WebSocket during an act: shown interrupted, then the page rejoins by itself (the cart gets a new start)', async () => {
    const sid = randomUUID();
    await cart.call(sid);
    await page.locator(`tr[data-session="${sid}"] button.join`).click();
    await cart.next('start', (m) => m.sessionId === sid);
    await expect.poll(actStatus).toBe('in-progress');

    await page.evaluate(() => {
      const sockets = (window as unknown as { __sockets: WebSocket[] }).__sockets;
      sockets[sockets.length - 1]?.close();
    });
    await expect.poll(() => page.locator('#act-status').getAttribute('data-link')).toBe('reconnecting');
    expect(await page.textContent('#act-status')).toBe('en cours — interrompue, reconnexion du spécialiste…');
    await cart.next('session', (m) => m.sessionId === sid && m.specialistLink === 'reconnecting');

    // The page reconnects (2 s later) and rejoins: a second start, the act present again.
    await waitFor(() => cart.down.filter((m) => m.type === 'start' && m.sessionId === sid).length === 2, { what: 'a second start' });
    await waitFor(() => cart.lastSession(sid)?.specialistLink === 'present', {
      what: 'the cart told the specialist is back',
    });
    await expect.poll(() => page.locator('#act-status').getAttribute('data-link')).toBe('');
    expect(await page.textContent('#act-status')).toBe('en cours');

    await page.click('#hangup');
    await cart.status(sid, 'not-done'); // the media never came up
    await expect.poll(actStatus).toBe('not-done');
    await page.click('#back');
    await expect.poll(view).toBe('room');
  });

  it('a call the nurse cancels leaves the waiting room; a call for another site never shows', async () => {
    const sid = randomUUID();
    const other = await TestCart.connect(c.cloud.mqttUrl, 'home-3');
    await other.call(randomUUID());
    // A resident who cannot consent: their representative did, in writing (the name is shown as text).
    const consent = {
      by: 'representative',
      method: 'written',
      representative: { name: 'Mme <i>Claire</i> Martin', relation: 'fille, personne de confiance' },
      collectedAt: '2026-11-23T13:02:00.000Z',
    } as const;
    await cart.call(sid, 'p-001', { consent });
    const row = page.locator(`tr[data-session="${sid}"]`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await page.locator('#room-list tr').count()).toBe(1); // home-3 is dr-blanc's
    expect(await row.locator('.consent').textContent()).toBe(
      'Consentement écrit de son représentant : Mme <i>Claire</i> Martin (fille, personne de confiance), recueilli à 14:02',
    );
    expect(await row.locator('i').count()).toBe(0);
    await cart.send({ v: 1, type: 'call-cancel', sessionId: sid });
    await cart.status(sid, 'cancelled');
    await expect.poll(() => row.count()).toBe(0);
    expect(await page.isVisible('#room-empty')).toBe(true);
    await other.close();
    expect(problems).toEqual([]);
  });
});

/** Minutes of the day of the last HH:MM in a text. */
function minutes(text: string | null): number {
  const m = /(\d\d):(\d\d)$/.exec(text ?? '');
  return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
}
