/**
 * Per-site authentication policies, from outside: a real OpenID Connect provider (node-oidc-provider)
 * on loopback, the whole cloud, and headless Chromium through the provider's own login pages. The
 * cloud accepts eidas1 and eidas2; the site "EHPAD Nord" requires eidas2. A clinician of that site
 * signing in at eidas1 is refused with the site named (an audit line, no login); at eidas2 they are
 * in; a clinician of another site signs in at eidas1. When the administrator raises Nord's policy,
 * the login made before stops working at its next request. A password, or an API token, reaches no
 * site with a policy (they vouch for no level).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, hashPassword, startCloud } from '@telecart/cloud';
import { pino } from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../cloud/src/testing/mosquitto.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { oidcAuthFor, signInThroughProvider, startTestProvider, type TestProvider } from '../support/oidc-provider.js';

const TOKEN = 'an-api-token-of-the-nord-clinician-0123456789';
const PASSWORD = 'a long password for the nord nurse';

describe.skipIf(!hasChromium)('per-site authentication policy (acr) in Chromium', () => {
  let dir: string;
  let cloud: Cloud;
  let provider: TestProvider;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-site-acr-'));
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/auth/oidc/callback`;
    provider = await startTestProvider({ redirectUri, acrValues: ['eidas1', 'eidas2', 'eidas3'] });
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: port,
      logger: pino({ level: 'silent' }),
      teleconsult: {
        sites: [
          { id: 'nord', name: 'EHPAD Nord', gateways: ['cart-n*'], acrAccept: ['eidas2', 'eidas3'] },
          { id: 'sud', name: 'EHPAD Sud', gateways: ['cart-s*'] },
        ],
        specialists: [
          { id: 'dr-roux', name: 'Dr Anne Roux', oidcSubject: 'anne.roux', sites: ['nord'] },
          { id: 'dr-sud', name: 'Dr Marc Sud', oidcSubject: 'marc.sud', sites: ['sud'] },
          // Reaches Nord through its own cart pattern, not through a granted site.
          { id: 'dr-token', name: 'Export FHIR', tokenSha256: createHash('sha256').update(TOKEN).digest('hex'), gateways: ['cart-n1'] },
          { id: 'ide-nord', name: 'IDE Nord', passwordHash: await hashPassword(PASSWORD, 10), sites: ['nord'] },
          { id: 'adm', name: 'Administrateur', role: 'site-admin', oidcSubject: 'adm', gateways: ['*'] },
        ],
      },
      auth: oidcAuthFor(provider, dir, redirectUri, { request: ['eidas1'], accept: ['eidas1', 'eidas2', 'eidas3'] }),
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
    await context?.close();
    context = await browser.newContext();
  });

  async function signIn(login: string, acr: string): Promise<Page> {
    provider.level = { acr, amr: ['pwd'] };
    return signInThroughProvider(context, cloud.httpUrl, provider, login, 'fr');
  }

  const me = async (page: Page) => (await page.request.get(`${cloud.httpUrl}/api/specialist/me`)).status();
  const audit = async (action: string) =>
    (await cloud.store.listAudit({ limit: 200 })).filter((e) => e.action === action).map((e) => `${e.actor} ${e.detail ?? ''}`);

  it("refuses a level the clinician's site does not accept, naming the site; another site's clinician signs in at that level", async () => {
    const refused = await signIn('anne.roux', 'eidas1');
    await expect
      .poll(() => refused.locator('#login-message').textContent())
      .toBe('Connexion refusée : niveau d’authentification insuffisant ("eidas1") pour le site EHPAD Nord, qui exige eidas2, eidas3.');
    expect(await me(refused)).toBe(401);
    await expect.poll(() => audit('login-refused')).toContainEqual(expect.stringContaining('oidc site-acr:'));

    await context.clearCookies();
    const sud = await signIn('marc.sud', 'eidas1');
    await sud.waitForURL(`${cloud.httpUrl}/`);
    expect(await me(sud)).toBe(200);
  }, 60_000);

  it("lets a clinician in at a level the site accepts, and ends that login when the administrator raises the site's policy", async () => {
    const roux = await signIn('anne.roux', 'eidas2');
    await roux.waitForURL(`${cloud.httpUrl}/`);
    expect(await me(roux)).toBe(200);

    // The administrator (every cart, so every site's policy applies to them too: eidas3 meets both).
    const admin = await browser.newContext();
    try {
      const saved = context;
      context = admin;
      const adm = await signIn('adm', 'eidas3');
      context = saved;
      const r = await adm.request.patch(`${cloud.httpUrl}/api/admin/sites/nord`, { data: { acrAccept: ['eidas3'] } });
      expect(r.status()).toBe(200);
      expect((await r.json()) as unknown).toMatchObject({ site: { id: 'nord', acrAccept: ['eidas3'] } });
      await expect.poll(() => audit('site-update')).toContainEqual(expect.stringContaining('acr policy eidas3'));
    } finally {
      await admin.close();
    }
    // Dr Roux's login (eidas2) no longer meets Nord's policy: refused at the next request.
    expect(await me(roux)).toBe(401);
    const dashboard = await roux.goto(`${cloud.httpUrl}/`);
    expect(new URL(dashboard?.url() ?? '').pathname).toBe('/login');

    // Back as it was for the other tests.
    cloud.teleconsult.directory.putSite({ id: 'nord', name: 'EHPAD Nord', gateways: ['cart-n*'], acrAccept: ['eidas2', 'eidas3'] });
  }, 60_000);

  it('refuses a password and an API token for a site with a policy, saying why on the sign-in page', async () => {
    const page = await context.newPage();
    await page.goto(`${cloud.httpUrl}/login?lang=fr`);
    await page.fill('input[name=id]', 'ide-nord');
    await page.fill('input[name=password]', PASSWORD);
    await page.locator('#login-form button[type=submit]').click();
    await expect
      .poll(() => page.locator('#login-message').textContent())
      .toBe(
        'le site EHPAD Nord exige une connexion par le fournisseur d’identité (niveau eidas2, eidas3) : le mot de passe ne suffit pas.',
      );
    expect(await me(page)).toBe(401);
    await expect.poll(() => audit('login-failed')).toContainEqual(expect.stringContaining("password refused by site nord's policy"));

    const api = await fetch(`${cloud.httpUrl}/api/specialist/me`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(api.status).toBe(401);
  }, 60_000);
});
