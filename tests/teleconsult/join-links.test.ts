/**
 * A home act's invitation and join link through a real cloud (embedded broker, SQLite, fastify, real
 * sockets) with its outbox sending to a real SMTP server and a stand-in of Brevo's SMS API: booking
 * over HTTP sends the patient the link; the first device that opens it is bound (HttpOnly cookie),
 * reopens it, another device is refused (403), the link for another act's URL is refused (403), an
 * expired link is gone (410), each refusal with an audit line.
 */
import { rmSync } from 'node:fs';
import type { AuditEvent } from '@telecart/cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrevoStandIn } from '../../cloud/src/testing/brevo-stand-in.js';
import type { SmtpSink } from '../../cloud/src/testing/smtp-sink.js';
import { type MessageSinks, startMessageSinks } from './message-sinks.js';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud } from './support.js';

let c: ConsultCloud;
let sink: SmtpSink;
let brevo: BrevoStandIn;
let sinks: MessageSinks;
let blanc: string;
let joinNow = Date.now();

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

async function audit(action: string): Promise<AuditEvent[]> {
  await c.cloud.teleconsult.relay.flush();
  return (await c.cloud.store.listAudit({ limit: 1000 })).filter((e) => e.action === action);
}

async function book(start: string): Promise<string> {
  const r = await fetch(`${c.cloud.httpUrl}/api/appointments`, {
    method: 'POST',
    headers: { cookie: blanc, 'content-type': 'application/json' },
    body: JSON.stringify({
      patient: 'p-home',
      gateway: 'home-7',
      start,
      minutes: 20,
      reason: 'suivi insuffisance cardiaque',
      specialist: 'dr-blanc',
    }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { appointment: { id: string } }).appointment.id;
}

/** The link of the n-th SMS the patient received. */
const linkOfSms = (n: number) => {
  const content = (brevo.requests[n]?.body as { content: string } | undefined)?.content ?? '';
  const m = /(https?:\/\/\S+\/join\/\S+)$/.exec(content);
  if (!m?.[1]) throw new Error(`no link in SMS ${JSON.stringify(content)}`);
  return new URL(m[1]);
};

const waitForSms = async (n: number) => {
  for (let i = 0; i < 200 && brevo.requests.length < n; i++) await new Promise((r) => setTimeout(r, 25));
  expect(brevo.requests.length).toBeGreaterThanOrEqual(n);
};

beforeAll(async () => {
  sinks = await startMessageSinks('rdv@telecart.example');
  ({ sink, brevo } = sinks);
  c = await startConsultCloud({
    patients: [
      {
        id: 'p-home',
        family: 'Martin',
        given: 'Jeanne',
        gateways: ['home-7'],
        telecom: { email: 'jeanne@example.org', phone: '+33612345678' },
      },
    ],
    outbox: sinks.outbox,
    joinClock: () => new Date(joinNow),
  });
  blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
});
afterAll(async () => {
  await c?.stop();
  await sinks?.close();
  if (c) rmSync(c.dir, { recursive: true, force: true });
});

describe('the patient’s join link of a home act', () => {
  it('comes with the invitation; binds the first device, which may reopen it; another device gets 403 with an audit line', async () => {
    const start = inMinutes(180);
    const id = await book(start);
    await waitForSms(1);
    const link = linkOfSms(0);
    expect(link.searchParams.get('act')).toBe(id);
    // The e-mail says it too, and its .ics carries it as the event's URL.
    const mails = await sink.waitFor(1);
    const mail = mails.find((m) => m.text?.includes(link.pathname));
    expect(mail).toBeDefined();

    const first = await fetch(link);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Votre téléconsultation');
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^telecart_join_device=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toContain(`Path=${link.pathname}`);
    const cookie = setCookie.split(';')[0] ?? '';

    const again = await fetch(link, { headers: { cookie } });
    expect(again.status).toBe(200);
    expect(again.headers.get('set-cookie')).toBeNull();

    const other = await fetch(link);
    expect(other.status).toBe(403);
    expect(await other.text()).toContain('déjà été ouvert sur un autre appareil');
    const forged = await fetch(link, { headers: { cookie: `telecart_join_device=${'A'.repeat(43)}` } });
    expect(forged.status).toBe(403);

    expect((await audit('join-link-bound')).filter((e) => e.sessionId === id)).toHaveLength(1);
    expect((await audit('join-link-opened')).filter((e) => e.sessionId === id)).toHaveLength(1);
    const refused = (await audit('join-link-refused')).filter((e) => e.sessionId === id);
    expect(refused.map((e) => e.detail?.split(':')[0])).toEqual(['other-device', 'other-device']);
  });

  it('a link opened for another act’s URL is refused (403), an expired one is gone (410), each with an audit line', async () => {
    const first = await book(inMinutes(300));
    const second = await book(inMinutes(420));
    await waitForSms(3);
    const link = linkOfSms(1);
    expect(link.searchParams.get('act')).toBe(first);

    const crossed = new URL(link);
    crossed.searchParams.set('act', second);
    const r1 = await fetch(crossed);
    expect(r1.status).toBe(403);
    expect(await r1.text()).toContain('une autre téléconsultation');

    joinNow = Date.parse(inMinutes(300 + 20 + 31));
    const r2 = await fetch(link);
    expect(r2.status).toBe(410);
    expect(await r2.text()).toContain('expiré');
    const r3 = await fetch(new URL(`${link.pathname.slice(0, -3)}abc?act=${first}`, link));
    expect(r3.status).toBe(404);
    joinNow = Date.now();

    const refused = (await audit('join-link-refused')).filter((e) => e.sessionId === first);
    expect(refused.map((e) => e.detail?.split(':')[0])).toEqual(['other-act', 'expired']);
    // The malformed one is audited without an act (the token named none).
    expect((await audit('join-link-refused')).some((e) => e.sessionId === null && e.detail?.startsWith('unknown'))).toBe(true);
    // Nothing was bound by the refused openings: the right device can still open it before it expires.
    const ok = await fetch(link);
    expect(ok.status).toBe(200);
  });
});
