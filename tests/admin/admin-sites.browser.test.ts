/**
 * The administration page's Sites tab and cart buttons in Chromium (real cloud with mutual TLS and
 * HTTPS enrolment, SQLite, an SMTP transport configured), signed in as the site administrator: the
 * on-call team written with the form is the one the store (and so the notifier) has, and a contact
 * the outbox cannot reach is refused with the API's words; a cart enrolled from the page gets a token
 * shown once that a real enrolment spends; until it reports, the Carts tab shows it « jamais connecté »
 * with its enrolment date; revoking it asks first, then its certificate is revoked.
 * (That neither language shows a word of the other in this tab: admin-page.browser.test.ts.)
 */
import { credentialPaths, enrollGateway } from '@telecart/gateway';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../security/support.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud } from '../teleconsult/support.js';
import { openAdminPage } from './open-admin-page.js';

describe.skipIf(!hasChromium)('administration page: sites, on-call teams, cart enrolment and revocation', () => {
  let c: ConsultCloud;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const dir = tempDir('telecart-admin-sites-page-');

  beforeAll(async () => {
    c = await startConsultCloud({
      tls: { enabled: true, enrollPort: 0 },
      outbox: { email: { host: '127.0.0.1', port: 2, tls: 'none', from: 'alertes@telecart.example' } },
    });
    browser = await launchChromium();
    ({ page } = await openAdminPage(
      browser,
      c.cloud.httpUrl,
      await login(c.cloud.httpUrl, 'admin-sites', PASSWORDS['admin-sites']),
      problems,
    ));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    dir.remove();
  });

  it('lists the sites and writes the on-call team the notifier reads; refuses an SMS contact without an SMS transport', async () => {
    await expect.poll(() => page.isVisible('#tab-button-sites')).toBe(true);
    await page.click('#tab-button-sites');
    await expect
      .poll(() => page.locator('#sites tr[data-site="home"] td').allTextContents())
      .toEqual(['home', 'Home kits', 'EHPAD', 'home-*', '', 'celui du service']);

    // The site's required sign-in level: this administrator signed in with a password, which no level
    // vouches for — the server refuses a policy that would end their own session.
    await page.selectOption('#acr-site', 'home');
    await page.fill('#acr-accept', 'eidas2');
    await page.click('#acr-form button[type=submit]');
    await expect.poll(() => page.textContent('#sites-message')).toMatch(/^Refusé : your own sign-in \(a password or a token: no level\)/);
    expect((await c.cloud.store.getSite('home'))?.acrAccept).toEqual([]);
    await page.fill('#acr-accept', '');
    await page.click('#acr-form button[type=submit]');
    await expect.poll(() => page.textContent('#sites-message')).toBe('Site home : niveau exigé celui du service.');

    await page.fill('#team-id', 'ic-home');
    await page.selectOption('#team-site', 'home');
    await page.selectOption('#team-programme', 'heart-failure');
    await page.fill('#team-quiet-from', '21:00');
    await page.fill('#team-quiet-to', '07:30');
    await page.fill('#team-name-1', 'IDE de garde');
    await page.fill('#team-phone-1', '+33612345678');
    await page.click('#team-form button[type=submit]');
    await expect.poll(() => page.textContent('#oncall-message')).toMatch(/^Refusé : .*outbox\.sms/);
    expect(await c.cloud.store.listOncallTeams()).toEqual([]);

    await page.fill('#team-phone-1', '');
    await page.fill('#team-email-1', 'ide@example.org');
    await page.fill('#team-name-2', 'Cardiologue');
    await page.fill('#team-email-2', 'cardio@example.org');
    await page.fill('#team-after-2', '20');
    await page.click('#team-form button[type=submit]');
    await expect.poll(() => page.textContent('#oncall-message')).toBe('Équipe ic-home enregistrée.');
    await expect.poll(() => page.locator('#teams tr[data-team="ic-home"]').count()).toBe(1);
    expect((await c.cloud.store.listOncallTeams()).map((r) => r.team)).toEqual([
      {
        id: 'ic-home',
        site: 'home',
        programmes: ['heart-failure'],
        timeZone: 'Europe/Paris',
        lang: 'fr',
        quietHours: { from: '21:00', to: '07:30' },
        levels: [
          { afterMinutes: 0, contacts: [{ name: 'IDE de garde', email: 'ide@example.org' }] },
          { afterMinutes: 20, contacts: [{ name: 'Cardiologue', email: 'cardio@example.org' }] },
        ],
      },
    ]);
  });

  it('shows an enrolment token once, which enrols the cart; revokes the cart only once confirmed', async () => {
    await page.click('#tab-button-carts');
    await expect.poll(() => page.locator('#cart-site option[value="home"]').count()).toBe(1);
    await page.fill('#cart-id', 'home-9');
    await page.selectOption('#cart-site', 'home');
    await page.click('#cart-form button[type=submit]');
    await expect.poll(() => page.isVisible('#cart-token')).toBe(true);
    expect(await page.textContent('#cart-token-label')).toMatch(
      /^Jeton d’enrôlement de home-9, valable jusqu’au .+, affiché une seule fois :$/,
    );
    const token = (await page.textContent('#cart-token-value')) ?? '';
    const security = c.cloud.security!;
    await enrollGateway({
      url: c.cloud.enrollUrl as string,
      token,
      caFingerprint: security.caFingerprint(),
      gatewayId: 'home-9',
      paths: credentialPaths(`${dir.path}/home-9`),
    });
    expect(security.registry.certs('home-9')).toEqual([expect.objectContaining({ revokedAt: null })]);

    // Enrolled but it never reported: the tab says so, with the day it was enrolled, on the page itself.
    const issuedAt = security.registry.certs('home-9')[0]?.issuedAt ?? '';
    const timeZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    await page.reload();
    await page.click('#tab-button-carts');
    const never = page.locator('#carts tr[data-cart="home-9"]');
    await expect.poll(() => never.getAttribute('data-never-connected')).toBe('true');
    expect((await never.locator('td').allTextContents()).slice(0, 6)).toEqual([
      'home-9',
      'home',
      'jamais connecté',
      '',
      '',
      `enrôlé le ${new Date(issuedAt).toLocaleString('fr-FR', { timeZone })}`,
    ]);

    // The cart reported once (its status, as the ingest stores it): it is listed with a revoke button.
    const at = new Date().toISOString();
    await c.cloud.store.upsertGatewayStatus({ v: 1, gatewayId: 'home-9', online: true, at, version: '1.0.0' });
    await page.reload();
    await page.click('#tab-button-carts');
    const row = page.locator('#carts tr[data-cart="home-9"]');
    await expect.poll(() => row.count()).toBe(1);
    await row.locator('button[data-action="revoke"]').click();
    expect(await row.locator('.confirm').textContent()).toMatch(/^Révoquer home-9 \? Sa connexion sera coupée/);
    await row.locator('button[data-confirm="cancel"]').click();
    expect(security.registry.certs('home-9')[0]?.revokedAt).toBeNull();
    await row.locator('button[data-action="revoke"]').click();
    await row.locator('button[data-confirm="revoke"]').click();
    await expect.poll(() => page.textContent('#carts-message')).toBe('home-9 révoqué.');
    expect(security.registry.certs('home-9')[0]?.revokedAt).toEqual(expect.any(String));
    expect(problems).toEqual([]);
  }, 60_000);
});
