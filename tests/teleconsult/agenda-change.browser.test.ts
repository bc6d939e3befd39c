/**
 * Moving and cancelling an appointment from the agenda page, in Chromium against a real cloud
 * (embedded broker, SQLite) whose outbox sends to a real SMTP server: a move into the past and one
 * onto another appointment of the same home kit are refused with the server's reason in the row;
 * a move shows the new time and the patient and the specialist get the updated invitation (same
 * UID, higher SEQUENCE); a cancellation, once confirmed, shows « annulée » and they get the
 * calendar's CANCEL.
 */
import { hashPassword } from '@telecart/cloud';
import type { ParsedMail } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpSink, startSmtpSink } from '../../cloud/src/testing/smtp-sink.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { PARIS, parisLocal } from '../support/paris-time.js';
import { type ConsultCloud, login, startConsultCloud } from './support.js';

const TZ = PARIS;
const PASSWORD = 'geria-2026!';

/** The unfolded lines of the message's iCalendar part. */
const icsOf = (m: ParsedMail) => {
  const cal = m.attachments.find((a) => a.contentType === 'text/calendar');
  return cal
    ? cal.content
        .toString('utf8')
        .replace(/\r\n[ \t]/g, '')
        .split('\r\n')
    : [];
};
const prop = (l: string[], name: string) => l.find((x) => x.startsWith(`${name}:`))?.slice(name.length + 1);
const toOf = (m: ParsedMail) => (m.to && 'value' in m.to ? m.to.value[0]?.address : undefined);

describe.skipIf(!hasChromium)('moving and cancelling from the agenda', () => {
  let c: ConsultCloud;
  let sink: SmtpSink;
  let browser: Browser;
  let context: BrowserContext;
  let cookie: string;

  const book = async (start: string, minutes: number) => {
    const r = await fetch(`${c.cloud.httpUrl}/api/appointments`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ patient: 'p-home', gateway: 'home-7', start, minutes, reason: 'suivi', specialist: 'dr-blanc' }),
    });
    expect(r.status).toBe(201);
    return ((await r.json()) as { appointment: { id: string } }).appointment.id;
  };
  const row = (page: Page, id: string) => page.locator(`#agenda tbody tr[data-appointment="${id}"]`);

  beforeAll(async () => {
    sink = await startSmtpSink();
    c = await startConsultCloud({
      timeZone: TZ,
      patients: [{ id: 'p-home', family: 'Martin', given: 'Jeanne', gateways: ['home-7'], telecom: { email: 'jeanne@example.org' } }],
      outbox: { email: { host: '127.0.0.1', port: sink.port, tls: 'none', from: 'rdv@telecart.example' } },
      teleconsult: {
        specialists: [
          {
            id: 'dr-blanc',
            name: 'Dr Marc Blanc',
            email: 'blanc@example.org',
            passwordHash: await hashPassword(PASSWORD, 10),
            sites: ['home'],
          },
        ],
        sites: [{ id: 'home', name: 'Home kits', gateways: ['home-*'] }],
      },
    });
    browser = await launchChromium();
    cookie = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORD);
    const [name = '', value = ''] = cookie.split('=');
    context = await browser.newContext({ locale: 'fr-FR', timezoneId: TZ });
    await context.addCookies([{ name, value, url: c.cloud.httpUrl }]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    await sink?.close();
  });

  it('refuses a move as the API words it, moves with an updated invitation, cancels with the calendar’s CANCEL', async () => {
    const first = parisLocal(120);
    const other = parisLocal(240);
    const id = await book(first.iso, 20);
    const otherId = await book(other.iso, 30);
    // The invitations: the patient and the specialist, for each appointment.
    await sink.waitFor(4, 20_000);
    const invitation = sink.received.find((m) => toOf(m) === 'jeanne@example.org' && prop(icsOf(m), 'UID')?.startsWith(id));
    const uid = prop(icsOf(invitation as ParsedMail), 'UID');
    const firstSequence = Number(prop(icsOf(invitation as ParsedMail), 'SEQUENCE'));

    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${c.cloud.httpUrl}/agenda?lang=fr&view=week&date=${first.input.slice(0, 10)}`);
    const r = row(page, id);
    await r.locator('summary').click();
    expect(await r.locator('input[name=start]').inputValue()).toBe(first.input);
    expect(await r.locator('input[name=minutes]').inputValue()).toBe('20');

    // Into the past, then onto the other appointment of the same kit: refused, worded by the server.
    await r.locator('input[name=start]').fill(parisLocal(-30).input);
    await r.locator('form.reschedule-form button').click();
    await expect.poll(() => r.locator('.change-message').textContent()).toMatch(/^Refusé : le début .* est dans le passé/);
    await r.locator('input[name=start]').fill(other.input);
    await r.locator('form.reschedule-form button').click();
    await expect
      .poll(() => r.locator('.change-message').textContent())
      .toBe(
        `Refusé : le créneau chevauche le rendez-vous ${otherId} (${other.iso} à ${new Date(Date.parse(other.iso) + 30 * 60_000).toISOString()}, chariot home-7, statut scheduled)`,
      );
    expect((await c.cloud.store.getAppointment(id))?.start).toBe(first.iso);

    // A move one hour later: the row shows the new time, the invitation is updated.
    const moved = parisLocal(180);
    await r.locator('input[name=start]').fill(moved.input);
    await r.locator('input[name=minutes]').fill('25');
    await Promise.all([page.waitForEvent('load'), r.locator('form.reschedule-form button').click()]);
    await expect.poll(() => row(page, id).locator('time').getAttribute('datetime')).toBe(moved.iso);
    expect(await row(page, id).locator('td').nth(1).textContent()).toBe('25');
    expect(await row(page, id).locator('time').textContent()).toContain(moved.input.slice(11, 16));
    await sink.waitFor(6, 20_000);
    const updates = sink.received.slice(4);
    expect(updates.map(toOf).sort()).toEqual(['blanc@example.org', 'jeanne@example.org']);
    for (const m of updates) {
      const ics = icsOf(m);
      expect(prop(ics, 'METHOD')).toBe('REQUEST');
      expect(prop(ics, 'UID')).toBe(uid);
      expect(Number(prop(ics, 'SEQUENCE'))).toBeGreaterThan(firstSequence);
      expect(prop(ics, 'DTSTART')).toBe(`${moved.iso.replace(/[-:]/g, '').slice(0, 15)}Z`);
    }

    // Cancelled after the confirmation: « annulée », and the CANCEL reaches both.
    const r2 = row(page, id);
    await r2.locator('summary').click();
    await r2.locator('input[name=reason]').fill('patiente hospitalisée');
    const dialogs: string[] = [];
    page.once('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    await Promise.all([page.waitForEvent('load'), r2.locator('form.cancel-form button').click()]);
    expect(dialogs).toEqual([expect.stringMatching(/^Annuler le rendez-vous de MARTIN Jeanne du .* \? Le patient/)]);
    await expect.poll(() => row(page, id).getAttribute('data-status')).toBe('cancelled');
    expect(await row(page, id).locator('td').nth(6).textContent()).toBe('annulée');
    expect(await row(page, id).locator('form').count()).toBe(0);
    expect(await c.cloud.store.getAppointment(id)).toMatchObject({ status: 'cancelled', outcome: 'patiente hospitalisée' });
    await sink.waitFor(8, 20_000);
    const cancels = sink.received.slice(6);
    expect(cancels.map(toOf).sort()).toEqual(['blanc@example.org', 'jeanne@example.org']);
    for (const m of cancels) {
      expect(prop(icsOf(m), 'METHOD')).toBe('CANCEL');
      expect(prop(icsOf(m), 'UID')).toBe(uid);
    }
    // The other appointment is untouched.
    expect(await row(page, otherId).getAttribute('data-status')).toBe('scheduled');
    expect(problems).toEqual([]);
  }, 90_000);
});
