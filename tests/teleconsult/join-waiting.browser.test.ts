/**
 * The join page's steps after the device check, in Chromium (fake camera and microphone) against a
 * real cloud (embedded broker, SQLite, fastify) whose outbox e-mails a real SMTP server: the check
 * done, the patient confirms who they are — a wrong date of birth says how many tries are left, the
 * right one opens the waiting step; a code asked by e-mail and typed in does too; five wrong answers
 * lock the link and the page says so. In the waiting step the specialist (a WebSocket as their page
 * would open it) sees the patient and admits or refuses them: the page says so. No peer connection is made here (no relay configured: the
 * relay check is skipped), so the file runs outside a network namespace.
 */
import { rmSync } from 'node:fs';
import type { AuditEvent } from '@telecart/cloud';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConfirmed } from '../../cloud/src/teleconsult/identity-check.js';
import { type SmtpSink, startSmtpSink } from '../../cloud/src/testing/smtp-sink.js';
import { CHROMIUM, chromiumArgs, hasChromium } from '../support/chromium.js';
import { bookHomeAppointment, type ConsultCloud, type Json, login, PASSWORDS, PageSocket, startConsultCloud } from './support.js';

if (!hasChromium) console.warn('join-waiting skipped: no /usr/bin/chromium');

describe.skipIf(!hasChromium)('the join page after the device check', () => {
  let c: ConsultCloud;
  let sink: SmtpSink;
  let browser: Browser;
  let blanc: string;

  /** The mails so far whose text matches, polled until one does. */
  async function mailMatching(re: RegExp, skip: Set<string>): Promise<string> {
    for (let i = 0; i < 400; i++) {
      const hit = (await sink.waitFor(0)).map((m) => m.text ?? '').find((t) => re.test(t) && !skip.has(t));
      if (hit !== undefined) {
        skip.add(hit);
        return hit;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no mail matching ${re}`);
  }
  const seen = new Set<string>();

  /** Books a home act over HTTP: its id and the join link its e-mailed invitation carries. */
  async function book(minutesAhead: number): Promise<{ id: string; link: string }> {
    const id = await bookHomeAppointment(c.cloud.httpUrl, blanc, minutesAhead);
    const text = await mailMatching(new RegExp(`/join/\\S+\\?act=${id}`), seen);
    const link = new RegExp(`(https?://\\S+/join/\\S+\\?act=${id}\\S*)`).exec(text)?.[1];
    if (!link) throw new Error('no link in the invitation');
    return { id, link };
  }

  /** Opens the link and runs the device check to its end (the test sound heard). */
  async function checked(link: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(link);
    expect(await page.isVisible('#identity')).toBe(false);
    await page.click('#check-start');
    await page.waitForSelector('#check-sound:not([hidden])', { timeout: 30_000 });
    await page.click('#check-sound');
    await page.waitForSelector('#check-heard:not([hidden])');
    await page.click('#check-heard');
    await page.waitForFunction(() => document.body.dataset.check === 'done');
    return page;
  }

  /** The act's specialist's page socket: the id of the participant waiting in that act. */
  async function waitingId(doctor: PageSocket, sessionId: string): Promise<string> {
    const m = (await doctor.next(
      (x: Json) => x.type === 'participants' && x.sessionId === sessionId && Array.isArray(x.participants) && x.participants.length > 0,
    )) as Json & { participants: { id: string; name: string }[] };
    expect(m.participants[0]?.name).toBe('Jeanne Martin');
    return m.participants[0]?.id ?? '';
  }

  const step = (page: Page) => page.evaluate(() => document.body.dataset.step);
  const message = (page: Page) =>
    page.evaluate(() => {
      const m = document.getElementById('identity-message');
      return { reason: m?.dataset.reason, text: m?.textContent };
    });
  async function audit(id: string): Promise<AuditEvent[]> {
    await c.cloud.teleconsult.relay.flush();
    return (await c.cloud.store.listAudit({ limit: 1000 })).filter((e) => e.sessionId === id && e.action.startsWith('identity-'));
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    c = await startConsultCloud({
      patients: [
        {
          id: 'p-home',
          family: 'Martin',
          given: 'Jeanne',
          birthDate: '1941-03-02',
          gateways: ['home-7'],
          telecom: { email: 'jeanne@example.org' },
        },
      ],
      outbox: { email: { host: '127.0.0.1', port: sink.port, tls: 'none', from: 'rdv@telecart.example' } },
    });
    blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs({ webrtc: true }) });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    await sink?.close();
    if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  it('asks who the patient is after the check: a wrong date of birth counts, the right one opens the waiting step', async () => {
    const { id, link } = await book(120);
    const page = await checked(link);
    await page.waitForFunction(() => document.body.dataset.step === 'identity');
    expect(await page.textContent('#identity h2')).toBe('Confirmer votre identité');
    expect(await page.isVisible('#identity-birth')).toBe(true);
    // No SMS can go from this service: only the e-mail is offered, its address masked.
    expect(await page.isVisible('#identity-sms')).toBe(false);
    expect(await page.textContent('#identity-email')).toBe('Recevoir un code par e-mail (j…@example.org)');

    await page.fill('#identity-birth-date', '1941-02-03');
    await page.click('#identity-birth button[type=submit]');
    await expect
      .poll(() => message(page))
      .toEqual({ reason: 'wrong', text: 'Cela ne correspond pas à votre dossier : encore 4 essai(s).' });
    expect(await step(page)).toBe('identity');
    expect(await page.isVisible('#waiting')).toBe(false);

    await page.fill('#identity-birth-date', '1941-03-02');
    await page.click('#identity-birth button[type=submit]');
    await page.waitForFunction(() => document.body.dataset.step === 'waiting');
    expect(await page.isVisible('#identity')).toBe(false);
    expect(await page.textContent('#waiting h2')).toBe('Salle d’attente');
    const token = new URL(link).pathname.slice('/join/'.length);
    expect(await isConfirmed(c.cloud.store, token)).toBe(true);
    expect((await audit(id)).map((e) => e.action)).toEqual(['identity-attempt-failed', 'identity-confirmed']);

    // The specialist sees the patient waiting and lets them in.
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    doctor.send({ type: 'admit', sessionId: id, participantId: await waitingId(doctor, id) });
    await page.waitForFunction(() => document.body.dataset.step === 'admitted');
    expect(await page.textContent('#waiting-text')).toBe('Dr Marc Blanc vous a fait entrer dans la consultation.');
    await doctor.close();

    // Back on the page later: the check again, then straight back in — admitted in this act, the
    // patient does not wait a second time (docs/teleconsultation.md, « The home act's status »).
    await page.reload();
    await page.click('#check-start');
    await page.waitForSelector('#check-sound:not([hidden])', { timeout: 30_000 });
    await page.click('#check-sound');
    await page.waitForSelector('#check-heard:not([hidden])');
    await page.click('#check-heard');
    await page.waitForFunction(() => document.body.dataset.step === 'admitted');
    await page.close();
  }, 60_000);

  it('confirms with a code asked by e-mail and typed in', async () => {
    const { id, link } = await book(240);
    const page = await checked(link);
    await page.waitForFunction(() => document.body.dataset.step === 'identity');
    expect(await page.isVisible('#identity-code')).toBe(false);
    await page.click('#identity-email');
    await page.waitForSelector('#identity-code:not([hidden])');
    expect(await message(page)).toEqual({ reason: 'code-sent', text: 'Code envoyé : il est valable 10 minutes.' });
    const code = /code de confirmation est (\d{6})/.exec(await mailMatching(/code de confirmation est \d{6}/, seen))?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    // A second code within the minute is refused, in the page's words.
    await page.click('#identity-email');
    await expect.poll(() => message(page)).toMatchObject({ reason: 'too-soon' });

    await page.fill('#identity-code-value', code);
    await page.click('#identity-code button[type=submit]');
    await page.waitForFunction(() => document.body.dataset.step === 'waiting');
    const actions = (await audit(id)).map((e) => e.action);
    expect(actions).toEqual(['identity-code-sent', 'identity-code-refused', 'identity-confirmed']);

    // Refused by the specialist: the page says so, and the connection is not reported lost.
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    doctor.send({ type: 'refuse', sessionId: id, participantId: await waitingId(doctor, id) });
    await page.waitForFunction(() => document.body.dataset.step === 'refused');
    expect(await page.textContent('#waiting-text')).toContain('Dr Marc Blanc n’a pas pu vous faire entrer.');
    await doctor.close();
    await page.close();
  }, 60_000);

  it('says the link is locked after five wrong answers, and offers nothing more', async () => {
    const { link } = await book(360);
    const page = await checked(link);
    await page.waitForFunction(() => document.body.dataset.step === 'identity');
    for (const [i, d] of ['1941-02-03', '1914-03-02', '1941-03-01', '2000-01-01'].entries()) {
      await page.fill('#identity-birth-date', d);
      await page.click('#identity-birth button[type=submit]');
      await expect.poll(() => message(page)).toMatchObject({ reason: 'wrong', text: expect.stringContaining(`encore ${4 - i} essai`) });
    }
    await page.fill('#identity-birth-date', '1999-12-31');
    await page.click('#identity-birth button[type=submit]');
    await page.waitForFunction(() => document.body.dataset.step === 'locked');
    expect((await message(page)).text).toContain('ce lien est bloqué');
    expect(await page.isVisible('#identity-birth')).toBe(false);
    expect(await page.isVisible('#identity-codes')).toBe(false);
    expect(await page.isVisible('#waiting')).toBe(false);
    // The route agrees: locked for good.
    const u = new URL(link);
    const state = await page.evaluate(async (url) => (await fetch(url)).json(), `${u.pathname}/identity${u.search}`);
    expect(state).toMatchObject({ locked: true, confirmed: false, attemptsLeft: 0 });
    await page.close();
  }, 60_000);
});
