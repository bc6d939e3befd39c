/**
 * Guests invited into a running act (issue 12 part 2) through a real cloud (embedded broker,
 * SQLite, fastify, real sockets): the specialist who joined the act invites a guest and gets a link
 * to copy; the guest's first device is bound (HttpOnly cookie) and may reopen it, another device is
 * refused (403), the link for another act is refused (403), an expired one is gone (410); another
 * specialist, an unknown act, an act not under way and a bad body are refused (403/404/409/400);
 * the specialist removes the guest and the link is refused from then on (403). Each invitation,
 * removal and refusal is a line of the audit trail. The act's row is written as the relay writes
 * it when the specialist joins (status in progress, the specialist named). With an address, the
 * link is e-mailed through the outbox to a real SMTP server: who invites and the link, never the patient.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '@telecart/cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeleconsultationRecord } from '../../cloud/src/store/teleconsult-records.js';
import { GUEST_LINK_MS } from '../../cloud/src/teleconsult/join-links.js';
import { inProgressAct } from '../../cloud/src/testing/act-record.js';
import { type SmtpSink, startSmtpSink } from '../../cloud/src/testing/smtp-sink.js';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud } from './support.js';

let c: ConsultCloud;
let sink: SmtpSink;
let blanc: string;
let roux: string;
let clock = Date.now();

const act = (over: Partial<TeleconsultationRecord> = {}) => inProgressAct(over);

async function audit(action: string, sessionId?: string): Promise<AuditEvent[]> {
  await c.cloud.teleconsult.relay.flush();
  return (await c.cloud.store.listAudit({ limit: 1000 })).filter((e) => e.action === action && (!sessionId || e.sessionId === sessionId));
}

const guestsUrl = (sessionId: string) => `${c.cloud.httpUrl}/api/teleconsult/acts/${sessionId}/guests`;

async function invite(cookie: string, sessionId: string, body: unknown): Promise<Response> {
  return fetch(guestsUrl(sessionId), {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function running(over: Partial<TeleconsultationRecord> = {}): Promise<TeleconsultationRecord> {
  const rec = act(over);
  await c.cloud.store.upsertTeleconsultation(rec);
  return rec;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  c = await startConsultCloud({
    joinClock: () => new Date(clock),
    outbox: { email: { host: '127.0.0.1', port: sink.port, tls: 'none', from: 'rdv@telecart.example' }, everySeconds: 1 },
  });
  blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
  roux = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
});
afterAll(async () => {
  await c?.stop();
  await sink?.close();
});

describe('guests invited into a running act', () => {
  it('the joined specialist invites; the guest’s first device is bound, another device or another act is refused, each audited', async () => {
    const rec = await running();
    const r = await invite(blanc, rec.sessionId, { name: 'Dr Martin, médecin traitant' });
    expect(r.status).toBe(201);
    const { url, guest } = (await r.json()) as { url: string; guest: { id: string; name: string; openedAt: string | null } };
    expect(guest).toMatchObject({ name: 'Dr Martin, médecin traitant', openedAt: null });
    const link = new URL(url);
    expect(link.pathname).toMatch(/^\/guest\/[A-Za-z0-9_-]{43}$/);
    expect(link.searchParams.get('act')).toBe(rec.sessionId);

    const first = await fetch(link);
    expect(first.status).toBe(200);
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^telecart_join_device=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toContain(`Path=${link.pathname}`);
    const cookie = setCookie.split(';')[0] ?? '';
    expect((await fetch(link, { headers: { cookie } })).status).toBe(200);

    const reused = await fetch(link);
    expect(reused.status).toBe(403);
    expect(await reused.text()).toContain('déjà été ouvert sur un autre appareil');
    const other = await running();
    const crossed = new URL(link);
    crossed.searchParams.set('act', other.sessionId);
    const r2 = await fetch(crossed, { headers: { cookie } });
    expect(r2.status).toBe(403);
    expect(await r2.text()).toContain('une autre téléconsultation');

    const list = await fetch(guestsUrl(rec.sessionId), { headers: { cookie: blanc } });
    expect(list.status).toBe(200);
    const { guests } = (await list.json()) as { guests: { id: string; openedAt: string | null; removedAt: string | null }[] };
    expect(guests).toHaveLength(1);
    expect(guests[0]?.openedAt).not.toBeNull();
    expect(guests[0]?.removedAt).toBeNull();

    expect(await audit('guest-invited', rec.sessionId)).toHaveLength(1);
    expect(await audit('guest-link-bound', rec.sessionId)).toHaveLength(1);
    expect(await audit('guest-link-opened', rec.sessionId)).toHaveLength(1);
    const refused = await audit('guest-link-refused', rec.sessionId);
    expect(refused.map((e) => e.detail?.split(':')[0])).toEqual(['other-device', 'other-act']);
  });

  it('refuses another specialist (403), an unknown act (404), an act not under way (409) and a bad body (400), each audited', async () => {
    const rec = await running();
    const r1 = await invite(roux, rec.sessionId, { name: 'Interprète' });
    expect(r1.status).toBe(403);
    expect(((await r1.json()) as { message: string }).message).toContain('only the specialist who joined');
    const r2 = await invite(blanc, randomUUID(), { name: 'Interprète' });
    expect(r2.status).toBe(404);
    const done = await running({ status: 'completed' });
    const r3 = await invite(blanc, done.sessionId, { name: 'Interprète' });
    expect(r3.status).toBe(409);
    expect(((await r3.json()) as { message: string }).message).toContain('completed');
    for (const body of [{ name: '' }, { name: '   ' }, { name: 'x'.repeat(81) }, { name: 'Interprète', role: 'specialist' }, {}]) {
      const bad = await invite(blanc, rec.sessionId, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
    const noLogin = await fetch(guestsUrl(rec.sessionId), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"x"}',
    });
    expect(noLogin.status).toBe(401);
    expect(await c.cloud.store.guestLinksOf(rec.sessionId)).toEqual([]);
    const refused = await audit('guest-refused');
    expect(refused.filter((e) => e.sessionId === rec.sessionId && e.actor === 'dr-roux')).toHaveLength(1);
    expect(refused.filter((e) => e.sessionId === done.sessionId)).toHaveLength(1);
    expect(refused.filter((e) => e.detail?.startsWith('invalid request'))).toHaveLength(5);
  });

  it('a removed guest’s link is refused (403) even on their own device; an expired link is gone (410)', async () => {
    const rec = await running();
    const invited = (await (await invite(blanc, rec.sessionId, { name: 'Fille de la patiente' })).json()) as {
      url: string;
      guest: { id: string };
    };
    const opened = await fetch(invited.url);
    expect(opened.status).toBe(200);
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

    expect((await fetch(`${guestsUrl(rec.sessionId)}/${invited.guest.id}`, { method: 'DELETE', headers: { cookie: roux } })).status).toBe(
      403,
    );
    const del = await fetch(`${guestsUrl(rec.sessionId)}/${invited.guest.id}`, { method: 'DELETE', headers: { cookie: blanc } });
    expect(del.status).toBe(200);
    expect(((await del.json()) as { guest: { removedAt: string | null } }).guest.removedAt).not.toBeNull();
    const after = await fetch(invited.url, { headers: { cookie } });
    expect(after.status).toBe(403);
    expect(await after.text()).toContain('retiré de cette téléconsultation');
    expect(await audit('guest-removed', rec.sessionId)).toHaveLength(1);
    expect((await audit('guest-link-refused', rec.sessionId)).map((e) => e.detail?.split(':')[0])).toEqual(['removed']);

    const late = (await (await invite(blanc, rec.sessionId, { name: 'Interprète' })).json()) as { url: string };
    clock = Date.now() + GUEST_LINK_MS + 1000;
    try {
      const gone = await fetch(late.url);
      expect(gone.status).toBe(410);
      expect(await gone.text()).toContain('expiré');
    } finally {
      clock = Date.now();
    }
  });

  it('e-mails the link through the outbox when an address is given: who invites and the link, not the patient', async () => {
    const rec = await running();
    const bad = await invite(blanc, rec.sessionId, { name: 'Dr Martin', email: 'not an address' });
    expect(bad.status).toBe(400);
    const r = await invite(blanc, rec.sessionId, { name: 'Dr Martin', email: 'gp@example.org' });
    expect(r.status).toBe(201);
    const { url, emailQueued } = (await r.json()) as { url: string; emailQueued: boolean };
    expect(emailQueued).toBe(true);
    const mails = await sink.waitFor(1);
    const mail = mails.find((m) => m.text?.includes(new URL(url).pathname));
    expect(mail?.subject).toBe('[Telecart] Dr Marc Blanc vous invite à une téléconsultation');
    expect(mail?.text).toContain('Bonjour Dr Martin');
    expect(mail?.text).not.toMatch(/Jeanne|p-001/);
    expect((await audit('guest-invited', rec.sessionId))[0]?.detail).toContain('e-mailed');
  });
});
