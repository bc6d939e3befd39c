/**
 * Clinicians sign in with OpenID Connect, from outside: a real provider (node-oidc-provider) on
 * loopback, the whole cloud, and headless Chromium going through the provider's own login and
 * consent pages. A good sign-in lands on the dashboard with an audit line carrying acr and amr;
 * an ID token for another client, an expired one, one of another sign-in (nonce), a lower level
 * than the site policy (acr), a forged state, a subject no account has and a disabled account's are each refused with
 * their own message, an audit line, and no login.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, startCloud } from '@telecart/cloud';
import { pino } from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../cloud/src/testing/mosquitto.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { oidcAuthFor, signInThroughProvider, startTestProvider, type TestProvider } from '../support/oidc-provider.js';

describe.skipIf(!hasChromium)('sign-in with OpenID Connect in Chromium', () => {
  let dir: string;
  let cloud: Cloud;
  let provider: TestProvider;
  let browser: Browser;
  let context: BrowserContext;
  /** Logins in the store when the test began. */
  let loginsBefore: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-oidc-'));
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/auth/oidc/callback`;
    provider = await startTestProvider({ redirectUri, acrValues: ['eidas1', 'eidas2'] });
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: port,
      logger: pino({ level: 'silent' }),
      teleconsult: {
        specialists: [
          { id: 'dr-roux', name: 'Dr Anne Roux', oidcSubject: 'anne.roux', gateways: ['*'] },
          { id: 'dr-blanc', name: 'Dr Paul Blanc', oidcSubject: 'paul.blanc', gateways: ['*'], disabled: true },
        ],
      },
      auth: oidcAuthFor(provider, dir, redirectUri, { request: ['eidas2'], accept: ['eidas2'] }),
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    await provider?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    provider.level = { acr: 'eidas2', amr: ['pwd', 'otp'] };
    provider.tamper = null;
    // A fresh browser each time: no provider session carried over (each sign-in goes through its login page).
    await context?.close();
    context = await browser.newContext();
    await cloud.teleconsult.logins.flushed();
    loginsBefore = (await cloud.store.liveLogins(new Date())).length;
  });

  /** From the cloud's sign-in page through the provider's login and consent pages, back to the cloud. */
  async function signIn(login: string, lang: 'fr' | 'en' = 'en'): Promise<Page> {
    return signInThroughProvider(context, cloud.httpUrl, provider, login, lang);
  }

  const audit = async (action: string) =>
    (await cloud.store.listAudit({ limit: 100 })).filter((e) => e.action === action).map((e) => `${e.actor} ${e.detail ?? ''}`);

  /** Nothing a refused sign-in creates: no login cookie in the browser, no login in the store, /me refused. */
  async function expectNoLogin(page: Page): Promise<void> {
    expect((await context.cookies()).map((c) => c.name)).not.toContain('telecart_consult');
    await cloud.teleconsult.logins.flushed();
    expect(await cloud.store.liveLogins(new Date())).toHaveLength(loginsBefore);
    expect((await page.request.get(`${cloud.httpUrl}/api/specialist/me`)).status()).toBe(401);
  }

  async function expectRefused(page: Page, message: string, auditPart: string): Promise<void> {
    await expect.poll(() => page.locator('#login-message').textContent()).toBe(message);
    await expect.poll(() => audit('login-refused')).toContainEqual(expect.stringContaining(auditPart));
    await expectNoLogin(page);
  }

  it('shows "Se connecter avec <provider>" on the sign-in page', async () => {
    const page = await context.newPage();
    await page.goto(`${cloud.httpUrl}/login`);
    expect(await page.locator('#login-oidc').textContent()).toBe('Se connecter avec Hôpital Test');
    await page.goto(`${cloud.httpUrl}/login?lang=en`);
    expect(await page.locator('#login-oidc').textContent()).toBe('Sign in with Hôpital Test');
  });

  it('signs a configured clinician in at the required level, records acr and amr, ends on the dashboard', async () => {
    const page = await signIn('anne.roux');
    await page.waitForURL(`${cloud.httpUrl}/`);
    const me = await page.request.get(`${cloud.httpUrl}/api/specialist/me`);
    expect(me.status()).toBe(200);
    expect(await me.json()).toMatchObject({ specialist: { id: 'dr-roux', name: 'Dr Anne Roux', audit: false, role: 'specialist' } });
    await expect
      .poll(() => audit('login'))
      .toContainEqual(expect.stringMatching(new RegExp(`^dr-roux oidc ${provider.issuer} acr=eidas2 amr=pwd,otp `)));
    await cloud.teleconsult.logins.flushed();
    const logins = await cloud.store.liveLogins(new Date());
    expect(logins).toHaveLength(loginsBefore + 1);
    // The level is kept with the login itself (migration 14), not only in the trail.
    expect(logins.map((l) => ({ id: l.specialistId, method: l.method, acr: l.acr, amr: l.amr }))).toContainEqual({
      id: 'dr-roux',
      method: 'oidc',
      acr: 'eidas2',
      amr: ['pwd', 'otp'],
    });
  });

  it('refuses a lower authentication level than the site policy', async () => {
    provider.level = { acr: 'eidas1', amr: ['pwd'] };
    const page = await signIn('anne.roux', 'fr');
    await expectRefused(
      page,
      'Connexion refusée : niveau d’authentification insuffisant ("eidas1") ; ce site exige eidas2.',
      'anne.roux oidc acr: authentication level "eidas1" is below the site policy (accepted: eidas2)',
    );
  });

  it('refuses an ID token issued for another client', async () => {
    provider.tamper = (c) => ({ ...c, aud: 'another-application' });
    const page = await signIn('anne.roux');
    await expectRefused(page, 'Sign-in refused: the ID token was issued for another application.', 'unknown oidc audience:');
  });

  it('refuses an expired ID token', async () => {
    const now = Math.floor(Date.now() / 1000);
    provider.tamper = (c) => ({ ...c, iat: now - 7200, exp: now - 3600 });
    const page = await signIn('anne.roux');
    await expectRefused(page, 'Sign-in refused: the ID token has expired.', 'unknown oidc expired:');
  });

  it('refuses an ID token of another sign-in (nonce)', async () => {
    provider.tamper = (c) => ({ ...c, nonce: 'the-nonce-of-another-sign-in' });
    const page = await signIn('anne.roux');
    await expectRefused(page, 'Sign-in refused: the ID token belongs to another sign-in.', 'unknown oidc nonce:');
  });

  it('refuses an answer whose state is not the one this browser was given', async () => {
    // A sign-in under way in this browser (its cookie set, the provider's login page showing), and an
    // answer with another state arrives: a code injected from elsewhere.
    const page = await context.newPage();
    await page.goto(`${cloud.httpUrl}/login?lang=en`);
    await page.click('#login-oidc');
    await page.waitForURL((u) => u.href.startsWith(provider.issuer));
    const forged = new URL(`${cloud.httpUrl}/auth/oidc/callback`);
    forged.search = new URLSearchParams({ code: 'a-code-from-elsewhere', state: 'a-forged-state', iss: provider.issuer }).toString();
    await page.goto(forged.href);
    await expectRefused(page, 'Sign-in refused: the answer does not belong to this sign-in.', 'unknown oidc state:');
  });

  it('refuses a subject no account is configured for', async () => {
    const page = await signIn('someone.else');
    await expectRefused(
      page,
      'Sign-in refused: no account of this site is linked to this identity (someone.else).',
      'someone.else oidc unknown-account:',
    );
  });

  it('refuses the subject of a disabled account', async () => {
    const page = await signIn('paul.blanc');
    await expectRefused(page, 'Sign-in refused: this account is disabled.', 'paul.blanc oidc disabled: the account dr-blanc is disabled');
  });

  it('refuses a callback no sign-in was started for (no cookie), over plain HTTP', async () => {
    const r = await fetch(`${cloud.httpUrl}/auth/oidc/callback?code=stolen&state=whatever`);
    expect(r.status).toBe(401);
    expect(await r.text()).toContain('la connexion n’a pas été commencée depuis ce navigateur');
    await expect.poll(() => audit('login-refused')).toContainEqual(expect.stringContaining('unknown oidc no-pending:'));
  });
});
