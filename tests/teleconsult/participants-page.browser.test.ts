/**
 * The specialist's page lists who waits to be let in from their link and admits or refuses them, in
 * Chromium against a real cloud (embedded broker, SQLite, fastify): the home patient (a WebSocket
 * under their join link, identity confirmed, as their page opens it) appears with their name and
 * role; « Faire entrer » lets them in (they are told who did), « Refuser » sends another away.
 */
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { issueJoinLink, JOIN_KEY_FILE, loadJoinKey } from '../../cloud/src/teleconsult/join-links.js';
import { CHROMIUM, chromiumArgs, hasChromium } from '../support/chromium.js';
import { bookHomeAppointment, type ConsultCloud, type Json, login, PASSWORDS, startConsultCloud } from './support.js';

if (!hasChromium) console.warn('participants-page skipped: no /usr/bin/chromium');

describe.skipIf(!hasChromium)('the specialist admits or refuses from their page', () => {
  let c: ConsultCloud;
  let browser: Browser;
  let page: Page;
  let blanc: string;
  const problems: string[] = [];

  /** A home act booked with dr-blanc; its patient opens the link, confirms, and waits on the socket. */
  async function patientWaiting(minutesAhead: number): Promise<{ got: Json[]; ws: WebSocket }> {
    const id = await bookHomeAppointment(c.cloud.httpUrl, blanc, minutesAhead);
    const appointment = await c.cloud.store.getAppointment(id);
    if (!appointment) throw new Error('the booked appointment is not in the store');
    const url = new URL(
      await issueJoinLink({
        store: c.cloud.store,
        key: loadJoinKey(join(c.dir, JOIN_KEY_FILE)),
        appointment,
        publicBaseUrl: c.cloud.httpUrl,
        now: new Date(),
      }),
    );
    const cookie = ((await fetch(url)).headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const confirmed = await fetch(new URL(`${url.pathname}/identity${url.search}`, url), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ birthDate: '1941-03-02' }),
    });
    expect(confirmed.status).toBe(200);
    const ws = new WebSocket(`${c.cloud.httpUrl.replace('http', 'ws')}${url.pathname}/ws${url.search}`, {
      headers: { cookie, origin: c.cloud.httpUrl },
    });
    const got: Json[] = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString()) as Json));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return { got, ws };
  }

  beforeAll(async () => {
    c = await startConsultCloud({
      patients: [{ id: 'p-home', family: 'Martin', given: 'Jeanne', birthDate: '1941-03-02', gateways: ['home-7'] }],
    });
    blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs() });
    page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    // Before the login the page's « who am I » answers 401 on purpose; anything else is a fault.
    page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && problems.push(`console: ${m.text()}`));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('shows the waiting patient; « Faire entrer » admits, « Refuser » sends away', async () => {
    const first = await patientWaiting(120);
    await page.goto(`${c.cloud.httpUrl}/consult`);
    await page.fill('#login-id', 'dr-blanc');
    await page.fill('#login-password', PASSWORDS['dr-blanc']);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#participants:not([hidden]) li[data-state="waiting"]');
    expect(await page.textContent('#participants-heading')).toBe('À faire entrer (lien reçu)');
    expect(await page.textContent('#participants-list li strong')).toBe('Jeanne Martin');
    expect(await page.textContent('#participants-list li')).toContain('patient à domicile, attend');

    await page.click('#participants-list li[data-state="waiting"] button[data-action="admit"]');
    await page.waitForSelector('#participants-list li[data-state="admitted"]');
    expect(await page.locator('#participants-list li[data-state="admitted"] button').count()).toBe(0);
    await expect.poll(() => first.got.map((m) => m.type)).toEqual(['waiting', 'admitted']);
    expect(first.got[1]).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });

    const second = await patientWaiting(240);
    await page.waitForSelector('#participants-list li[data-state="waiting"]');
    const closed = new Promise<number>((resolve) => second.ws.once('close', (code) => resolve(code)));
    await page.click('#participants-list li[data-state="waiting"] button[data-action="refuse"]');
    expect(await closed).toBe(1000);
    expect(second.got.map((m) => m.type)).toEqual(['waiting', 'refused']);
    await expect.poll(() => page.locator('#participants-list li').count()).toBe(1);

    // The first one leaves: the list empties and hides.
    first.ws.close();
    await page.waitForSelector('#participants', { state: 'hidden' });
    expect(problems).toEqual([]);
  }, 60_000);
});
