/**
 * The home patient confirms who they are under their join link, through a real cloud (embedded
 * broker, SQLite, fastify, real sockets) whose outbox sends to a real SMTP server and a stand-in of
 * Brevo's SMS API: a code by SMS or e-mail confirms, as does the date of birth on record; 5 wrong
 * answers lock the link for good; only the device the link is bound to may try; each code sent,
 * answer, confirmation and lock is an audit line. isConfirmed() is what the waiting room asks.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { AuditEvent } from '@telecart/cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConfirmed } from '../../cloud/src/teleconsult/identity-check.js';
import type { BrevoStandIn } from '../../cloud/src/testing/brevo-stand-in.js';
import type { SmtpSink } from '../../cloud/src/testing/smtp-sink.js';
import { type MessageSinks, startMessageSinks } from './message-sinks.js';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud } from './support.js';

let c: ConsultCloud;
let sink: SmtpSink;
let brevo: BrevoStandIn;
let sinks: MessageSinks;
let blanc: string;

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

async function audit(id: string, prefix = 'identity-'): Promise<AuditEvent[]> {
  await c.cloud.teleconsult.relay.flush();
  return (await c.cloud.store.listAudit({ limit: 1000 })).filter((e) => e.sessionId === id && e.action.startsWith(prefix));
}

async function book(start: string): Promise<string> {
  const r = await fetch(`${c.cloud.httpUrl}/api/appointments`, {
    method: 'POST',
    headers: { cookie: blanc, 'content-type': 'application/json' },
    body: JSON.stringify({ patient: 'p-home', gateway: 'home-7', start, minutes: 20, reason: 'suivi', specialist: 'dr-blanc' }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { appointment: { id: string } }).appointment.id;
}

const smsText = (n: number) => (brevo.requests[n]?.body as { content: string } | undefined)?.content ?? '';
async function waitForSms(n: number): Promise<void> {
  for (let i = 0; i < 400 && brevo.requests.length < n; i++) await new Promise((r) => setTimeout(r, 25));
  expect(brevo.requests.length).toBeGreaterThanOrEqual(n);
}

/** Books an act, opens its link as the patient's device: the link, its token and the device cookie. */
async function openAct(minutes: number): Promise<{ id: string; link: URL; token: string; cookie: string }> {
  const before = brevo.requests.length;
  const id = await book(inMinutes(minutes));
  await waitForSms(before + 1);
  const m = /(https?:\/\/\S+\/join\/\S+)$/.exec(smsText(brevo.requests.length - 1));
  if (!m?.[1]) throw new Error('no link in the invitation');
  const link = new URL(m[1]);
  const opened = await fetch(link);
  expect(opened.status).toBe(200);
  const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { id, link, token: link.pathname.slice('/join/'.length), cookie };
}

function call(l: { link: URL; cookie: string }, path: '' | '/code', body?: unknown, cookie = l.cookie) {
  const u = new URL(`${l.link.pathname}/identity${path}${l.link.search}`, l.link);
  return fetch(u, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(cookie ? { cookie } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  sinks = await startMessageSinks('rdv@telecart.example');
  ({ sink, brevo } = sinks);
  c = await startConsultCloud({
    patients: [
      {
        id: 'p-home',
        family: 'Martin',
        given: 'Jeanne',
        birthDate: '1941-03-02',
        gateways: ['home-7'],
        telecom: { email: 'jeanne@example.org', phone: '+33612345678' },
      },
    ],
    outbox: sinks.outbox,
  });
  blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
});
afterAll(async () => {
  await c?.stop();
  await sinks?.close();
  if (c) rmSync(c.dir, { recursive: true, force: true });
});

describe('the home patient confirms who they are', () => {
  it('with a code sent by SMS: a wrong one counts, the right one confirms; only the bound device may try', async () => {
    const l = await openAct(180);
    expect(await isConfirmed(c.cloud.store, l.token)).toBe(false);

    const state = await call(l, '');
    expect(state.status).toBe(200);
    expect(await state.json()).toEqual({
      confirmed: false,
      locked: false,
      attemptsLeft: 5,
      codesLeft: 3,
      codeExpiresAt: null,
      methods: { birthDate: true, sms: '…78', email: 'j…@example.org' },
    });
    // Another device (no cookie, or a forged one) has no say, and binds nothing.
    expect((await call(l, '/code', { channel: 'sms' }, '')).status).toBe(403);
    expect((await call(l, '', { code: '123456' }, `telecart_join_device=${'A'.repeat(43)}`)).status).toBe(403);

    const smsBefore = brevo.requests.length;
    const sent = await call(l, '/code', { channel: 'sms' });
    expect(sent.status).toBe(200);
    const after = (await sent.json()) as { codesLeft: number; codeExpiresAt: string };
    expect(after.codesLeft).toBe(2);
    expect(Date.parse(after.codeExpiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
    await waitForSms(smsBefore + 1);
    const text = smsText(smsBefore);
    const code = /(\d{6})/.exec(text)?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    expect(text).toContain('valable 10 minutes');
    expect(brevo.requests[smsBefore]?.body).toMatchObject({ recipient: '33612345678' });
    // Not a second one within the minute.
    const again = await call(l, '/code', { channel: 'sms' });
    expect(again.status).toBe(429);
    expect(await again.json()).toMatchObject({ reason: 'too-soon' });

    // Malformed answers are refused without counting.
    expect((await call(l, '', { code: '12345' })).status).toBe(400);
    expect((await call(l, '', { code: code, extra: 1 })).status).toBe(400);
    const wrongCode = code === '000000' ? '000001' : '000000';
    const wrong = await call(l, '', { code: wrongCode });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ reason: 'wrong', attemptsLeft: 4 });
    expect(await isConfirmed(c.cloud.store, l.token)).toBe(false);

    const ok = await call(l, '', { code });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ confirmed: true, attemptsLeft: 4 });
    expect(await isConfirmed(c.cloud.store, l.token)).toBe(true);
    // Nothing of the code in the store or the trail.
    const stored = await c.cloud.store.getLinkIdentity(createHash('sha256').update(l.token).digest('hex'));
    expect(stored?.confirmedBy).toBe('code');
    expect(JSON.stringify(stored)).not.toContain(code);

    const lines = await audit(l.id);
    expect(lines.map((e) => e.action)).toEqual([
      'identity-refused',
      'identity-code-sent',
      'identity-code-refused',
      'identity-attempt-failed',
      'identity-confirmed',
    ]);
    expect(lines.map((e) => e.detail).join('\n')).not.toContain(code);
    expect(lines[1]?.detail).toContain('sms to …78');
  });

  it('with the date of birth, or a code by e-mail; 5 wrong answers lock the link for good', async () => {
    const l = await openAct(300);
    expect((await call(l, '/code', { channel: 'email' })).status).toBe(200);
    let mail: Awaited<ReturnType<SmtpSink['waitFor']>>[number] | undefined;
    for (let i = 0; i < 400 && !mail; i++) {
      mail = (await sink.waitFor(0)).find((m) => m.subject === '[Telecart] Votre code de confirmation');
      if (!mail) await new Promise((r) => setTimeout(r, 25));
    }
    const mailed = /code de confirmation est (\d{6})/.exec(mail?.text ?? '')?.[1] ?? '';
    expect(mailed).toMatch(/^\d{6}$/);

    const wrongCode = mailed === '000000' ? '000001' : '000000';
    const wrongs = [{ birthDate: '1941-02-03' }, { code: wrongCode }, { birthDate: '1914-03-02' }, { birthDate: '1941-03-01' }];
    for (const [i, w] of wrongs.entries()) {
      const r = await call(l, '', w);
      expect(r.status, JSON.stringify(w)).toBe(400);
      expect(await r.json()).toMatchObject({ attemptsLeft: 4 - i });
    }
    const last = await call(l, '', { birthDate: '2000-01-01' });
    expect(last.status).toBe(403);
    expect(await last.json()).toMatchObject({ reason: 'locked', attemptsLeft: 0 });
    // Locked: even the right date of birth no longer confirms, and no code is sent.
    const right = await call(l, '', { birthDate: '1941-03-02' });
    expect(right.status).toBe(409);
    expect(await right.json()).toMatchObject({ reason: 'locked' });
    expect((await call(l, '/code', { channel: 'sms' })).status).toBe(409);
    expect(await isConfirmed(c.cloud.store, l.token)).toBe(false);
    expect(await (await call(l, '')).json()).toMatchObject({ locked: true, confirmed: false, attemptsLeft: 0 });

    const actions = (await audit(l.id)).map((e) => e.action);
    expect(actions.filter((a) => a === 'identity-attempt-failed')).toHaveLength(5);
    expect(actions.filter((a) => a === 'identity-locked')).toHaveLength(1);
    expect(actions.slice(-3)).toEqual(['identity-locked', 'identity-attempt-refused', 'identity-code-refused']);

    // Another act's link confirms with the date of birth at the first try.
    const other = await openAct(420);
    const ok = await call(other, '', { birthDate: '1941-03-02' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ confirmed: true, attemptsLeft: 5 });
    expect(await isConfirmed(c.cloud.store, other.token)).toBe(true);
  });
});
