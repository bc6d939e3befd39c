/**
 * The nurse page's lock screen in a real headless Chromium, on a real gateway with
 * nurseSignIn.required (offline: the nurse list is the one the cart keeps, as after an outage) and
 * a simulated badge reader on a pseudo-terminal. Locked at load; a nurse without a PIN is sent to
 * the first full sign-in; a wrong PIN says the tries left; the right PIN on the keypad opens the
 * page with her name; after the idle time (the page's clock run forward) the page locks back to
 * her keypad and the gateway's session is over too; her badge tap opens it again; a 401 of the
 * gateway locks it; "change nurse" goes back to the list. Keypad keys are at least 48 px for gloved fingers. In English, no French.
 */
import { join } from 'node:path';
import { PtyPair, SimulatedBadgeReader } from '@telecart/firmware-sim';
import { type Gateway, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempDir, tempDir } from '../../gateway/src/testing/fixtures.js';
import { giveCartNurses } from '../support/cart-nurses.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { otherLanguageMessages } from '../support/language-mix.js';

const BADGE = '04A1B2C3D4E5F6';

describe.skipIf(!hasChromium)('nurse page lock screen in Chromium', () => {
  let dir: TempDir;
  let pty: PtyPair;
  let gw: Gateway;
  let browser: Browser;

  beforeAll(async () => {
    dir = tempDir('telecart-nurse-lock-');
    pty = await PtyPair.start({ hostLink: join(dir.path, 'badge'), deviceLink: join(dir.path, 'badge.device') });
    gw = await startGateway({
      config: resolveGatewayConfig({
        gatewayId: 'cart-1',
        mode: 'cart',
        timeZone: 'Europe/Paris',
        patients: [{ id: 'r12', family: 'Martin', given: 'Jeanne', room: '12' }],
        http: { host: '127.0.0.1', port: 0 },
        nurseSignIn: { required: true, lockAfterSeconds: 30, badgeReaderPath: pty.hostPath },
      }),
      dataDir: join(dir.path, 'gw'),
      // Nothing listens there: the cart is offline.
      cloudUrl: 'mqtt://127.0.0.1:9',
    });
    await giveCartNurses(gw, 'cart-1', [
      { id: 'n.martin', name: 'Nadia Martin', pin: '2580', badgeUid: BADGE },
      { id: 'n.durand', name: 'Paul Durand' },
    ]);
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await pty?.close();
    dir?.remove();
  });

  const press = async (page: Page, digits: string) => {
    for (const d of digits) await page.click(`#keypad [data-key="${d}"]`);
    await page.click('#key-ok');
  };
  const locked = (page: Page) => page.evaluate(() => document.body.dataset.locked);

  it('PIN keypad, wrong PIN, idle lock back to the keypad, badge tap, change nurse', async () => {
    const page = await browser.newPage({ locale: 'fr-FR' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.clock.install();
    await page.goto(`${gw.httpUrl}/`);

    // Locked at load: the cart's nurses, nothing of the residents' data.
    await expect.poll(() => locked(page), { timeout: 10_000 }).toBe('1');
    expect(await page.locator('main').isVisible()).toBe(false);
    await expect.poll(() => page.locator('#lock-nurses button').allTextContents()).toEqual(['Nadia Martin', 'Paul Durand']);

    // No PIN yet on this cart: the first full sign-in.
    await page.click('#lock-nurses button[data-nurse="n.durand"]');
    expect(await page.locator('#lock-full').isVisible()).toBe(true);
    expect(await page.locator('#lock-msg').textContent()).toMatch(/Pas encore de code sur ce chariot/);
    expect(await page.locator('#lock-full-who').textContent()).toBe('Première connexion de Paul Durand sur ce chariot');
    await page.click('#lock-other');

    // The keypad: large keys; a wrong PIN says the tries left; the right one opens the page.
    await page.click('#lock-nurses button[data-nurse="n.martin"]');
    expect(await page.locator('#lock-pin-who').textContent()).toBe('Code de Nadia Martin');
    for (const key of await page.locator('#keypad .key').all()) {
      const box = await key.boundingBox();
      expect(box?.width).toBeGreaterThanOrEqual(48);
      expect(box?.height).toBeGreaterThanOrEqual(48);
    }
    await press(page, '2581');
    await expect.poll(() => page.locator('#lock-msg').textContent(), { timeout: 10_000 }).toBe('Code erroné (4 essais restants)');
    expect(await locked(page)).toBe('1');
    await press(page, '2580');
    await expect.poll(() => locked(page), { timeout: 10_000 }).toBe('0');
    expect(await page.locator('#nurse-name').textContent()).toBe('Nadia Martin');
    expect(await page.locator('#lock').isVisible()).toBe(false);

    // In her name: choosing the patient goes through (the gateway refuses it without a nurse).
    await page.selectOption('#patient', 'r12');
    await expect.poll(() => page.locator('#who').textContent(), { timeout: 10_000 }).toMatch(/Jeanne Martin/);

    // Idle past lockAfterSeconds: locked, on her keypad, and the gateway's session is over too.
    await page.clock.fastForward(31_000);
    await expect.poll(() => locked(page), { timeout: 10_000 }).toBe('1');
    await expect.poll(() => page.locator('#lock-pin').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('#lock-pin-who').textContent()).toBe('Code de Nadia Martin');
    const put = () =>
      page.evaluate(async () => {
        const r = await fetch('/api/context/patient', { method: 'DELETE' });
        return r.status;
      });
    expect(await put()).toBe(401);

    // Her badge on the cart's reader opens the page again.
    await expect.poll(() => page.evaluate(() => document.body.dataset.events), { timeout: 10_000 }).toBe('open');
    expect(await new SimulatedBadgeReader(pty).tap(BADGE)).toBe(true);
    await expect.poll(() => locked(page), { timeout: 10_000 }).toBe('0');
    expect(await page.locator('#nurse-name').textContent()).toBe('Nadia Martin');
    expect(await put()).toBe(200);

    // Her session ends on the gateway (signed out elsewhere): the page's next change meets a 401 and locks.
    expect((await fetch(`${gw.httpUrl}/api/nurse/session`, { method: 'DELETE' })).status).toBe(200);
    await page.click('#clear');
    await expect.poll(() => locked(page), { timeout: 10_000 }).toBe('1');
    await expect.poll(() => page.locator('#lock-pin').isVisible(), { timeout: 10_000 }).toBe(true);
    await press(page, '2580');
    await expect.poll(() => locked(page), { timeout: 10_000 }).toBe('0');

    // "Change nurse": the list again, and the session ended on the gateway.
    await page.click('#nurse-change');
    await expect.poll(() => locked(page), { timeout: 10_000 }).toBe('1');
    await expect.poll(() => page.locator('#lock-nurses button').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator('#lock-pick').isVisible()).toBe(true);
    expect(await put()).toBe(401);
    // The one error: the refused change that locked the page.
    expect(errors.filter((e) => !/needs a nurse signed in/.test(e))).toEqual([]);
    await page.close();
  }, 60_000);

  it('the lock screen in English shows no French', async () => {
    const page = await browser.newPage({ locale: 'en-US' });
    await page.goto(`${gw.httpUrl}/`);
    await expect.poll(() => page.locator('#lock-nurses button').count(), { timeout: 10_000 }).toBe(2);
    await page.click('#lock-nurses button[data-nurse="n.martin"]');
    expect(await page.locator('#lock-title').textContent()).toBe('Cart locked');
    expect(await page.locator('#lock-pin-who').textContent()).toBe('PIN of Nadia Martin');
    const shown = await page.evaluate(
      () =>
        // biome-ignore lint/performance/useDomNodeTextContent: what is shown, not the hidden elements' text
        document.body.innerText,
    );
    expect(otherLanguageMessages(shown, 'en')).toEqual([]);
    await page.close();
  }, 30_000);
});
