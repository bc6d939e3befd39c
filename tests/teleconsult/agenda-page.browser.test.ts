/**
 * The specialist's agenda and list of acts in Chromium (real cloud: embedded broker, SQLite): an
 * appointment booked with the agenda's form shows in the day's agenda; a slot in the past is
 * refused with the server's reason on the page; the cart's call in the window makes it the act
 * waiting for the specialist; the list of acts shows it under its filters and links to the CSV
 * export with the same filters, which returns it.
 */
import { randomUUID } from 'node:crypto';
import { hashPassword } from '@telecart/cloud';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { otherLanguageMessages } from '../support/language-mix.js';
import { PARIS, parisDay, parisLocal } from '../support/paris-time.js';
import { type ConsultCloud, login, startConsultCloud, TestCart } from './support.js';

const TZ = PARIS;
describe.skipIf(!hasChromium)('agenda and acts pages', () => {
  let c: ConsultCloud;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    c = await startConsultCloud({
      timeZone: TZ,
      patients: [{ id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: ['cart-1'], localId: 'r12' }],
      teleconsult: {
        specialists: [
          {
            id: 'dr-roux',
            name: 'Dr Anne Roux',
            specialty: 'cardiologie',
            passwordHash: await hashPassword('cardio-2026!', 10),
            gateways: ['cart-*'],
          },
        ],
      },
    });
    browser = await launchChromium();
    const cookie = await login(c.cloud.httpUrl, 'dr-roux', 'cardio-2026!');
    const [name = '', value = ''] = cookie.split('=');
    context = await browser.newContext({ locale: 'fr-FR', timezoneId: TZ });
    await context.addCookies([{ name, value, url: c.cloud.httpUrl }]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('books from the agenda, refuses a past slot with the reason, and the call makes it the waiting act listed with its CSV', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    const slot = parisLocal(5);
    const day = slot.input.slice(0, 10);
    await page.goto(`${c.cloud.httpUrl}/agenda?lang=fr&date=${day}`);
    expect(await page.locator('#agenda-empty').textContent()).toBe('Aucun rendez-vous sur cette période.');

    // A slot in the past: the server's refusal, as worded, on the page; nothing booked.
    await page.selectOption('#schedule-patient', 'p-001');
    await page.selectOption('#schedule-gateway', 'cart-1');
    await page.fill('#schedule-start', parisLocal(-60).input);
    await page.fill('#schedule-reason', 'contrôle tension');
    await page.selectOption('#schedule-specialist', 'dr-roux');
    await page.click('#schedule-form button[type=submit]');
    await expect
      .poll(() => page.locator('#schedule-message').textContent())
      .toMatch(/^Refusé : le début .* est dans le passé \(il est .*\)$/);
    expect(await c.cloud.store.listAppointments({})).toEqual([]);

    await page.fill('#schedule-start', slot.input);
    await Promise.all([page.waitForEvent('load'), page.click('#schedule-form button[type=submit]')]);
    const row = page.locator('#agenda tbody tr');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getAttribute('data-status')).toBe('scheduled');
    // The first seven cells (the eighth holds the move and cancel forms).
    expect((await row.locator('td').allTextContents()).slice(0, 7)).toEqual([
      expect.stringContaining(slot.input.slice(11, 16)),
      '20',
      'MARTIN Jeanne',
      'cart-1',
      'Dr Anne Roux',
      'contrôle tension',
      'à venir',
    ]);
    const [booked] = await c.cloud.store.listAppointments({});
    expect(booked).toMatchObject({ start: slot.iso, patientId: 'p-001', gatewayId: 'cart-1', specialistId: 'dr-roux' });

    // The cart calls the patient by its own id: the act is the appointment, waiting. The list of acts is asked
    // from the Paris day of the call: five minutes before midnight the slot is tomorrow, the call still today
    // (a run minutes before midnight in Paris found no act from the slot's day).
    const callDay = parisDay();
    const cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
    const sessionId = randomUUID();
    try {
      await cart.call(sessionId, 'r12');
      await cart.status(sessionId, 'waiting');
    } finally {
      await cart.close();
    }
    await c.cloud.teleconsult.relay.flush();
    await page.reload();
    expect(await page.locator('#agenda tbody tr').getAttribute('data-status')).toBe('waiting');

    await page.goto(`${c.cloud.httpUrl}/acts?lang=fr&from=${callDay}&status=waiting&specialist=`);
    const act = page.locator(`#acts tbody tr[data-act="${sessionId}"]`);
    expect(await act.locator('td').allTextContents()).toEqual([
      expect.any(String),
      'MARTIN Jeanne',
      '',
      'cart-1',
      'dr-roux',
      'contrôle tension',
      'en salle d’attente',
    ]);
    const href = (await page.locator('#acts-export').getAttribute('href')) ?? '';
    expect(href).toBe(`/api/acts.csv?from=${callDay}&status=waiting&lang=fr`);
    const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href);
    expect(csv).toContain(sessionId);
    await page.goto(`${c.cloud.httpUrl}/acts?lang=fr&status=completed`);
    expect(await page.locator('#acts-empty').textContent()).toBe('Aucun acte pour ces filtres.');
    expect(problems).toEqual([]);
  }, 60_000);

  it.each(['fr', 'en'] as const)('in %s: the agenda (week) and the list of acts show no word of the other language', async (lang) => {
    const page = await context.newPage();
    for (const path of [`/agenda?view=week&lang=${lang}`, `/acts?lang=${lang}`, `/acts?lang=${lang}&status=cancelled`]) {
      await page.goto(`${c.cloud.httpUrl}${path}`);
      const words = await page.evaluate(() => {
        const labels = [...document.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label') ?? '');
        // biome-ignore lint/performance/useDomNodeTextContent: the visible text is wanted
        return [document.title, document.body.innerText, ...labels].join('\n');
      });
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
      expect(otherLanguageMessages(words, lang), path).toEqual([]);
    }
    await page.close();
  });
});
