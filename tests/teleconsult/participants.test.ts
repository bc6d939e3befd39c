/**
 * The home patient's admission, through a real cloud (embedded broker, SQLite, fastify, real
 * WebSockets on loopback): the patient's WebSocket under their join link is refused until their
 * identity is confirmed (and from another device); once in, the act's specialist is told who waits
 * (name, role) on /consult/ws and admits or refuses; another specialist neither sees them nor may
 * decide. Each arrival, admission, refusal and departure is an audit line.
 */
import { join } from 'node:path';
import type { AuditEvent } from '@telecart/cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { issueJoinLink, JOIN_KEY_FILE, loadJoinKey } from '../../cloud/src/teleconsult/join-links.js';
import { type ConsultCloud, type Json, login, PASSWORDS, PageSocket, startConsultCloud } from './support.js';

let c: ConsultCloud;
let blanc: string;
let roux: string;

interface Link {
  id: string;
  url: URL;
  cookie: string;
}

/** Books a home act with dr-blanc and opens its join link as the patient's device would. */
async function openAct(minutesAhead: number): Promise<Link> {
  const r = await fetch(`${c.cloud.httpUrl}/api/appointments`, {
    method: 'POST',
    headers: { cookie: blanc, 'content-type': 'application/json' },
    body: JSON.stringify({
      patient: 'p-home',
      gateway: 'home-7',
      start: new Date(Date.now() + minutesAhead * 60_000).toISOString(),
      minutes: 20,
      specialist: 'dr-blanc',
    }),
  });
  expect(r.status).toBe(201);
  const id = ((await r.json()) as { appointment: { id: string } }).appointment.id;
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
  const opened = await fetch(url);
  expect(opened.status).toBe(200);
  return { id, url, cookie: (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}

async function confirm(l: Link): Promise<void> {
  const r = await fetch(new URL(`${l.url.pathname}/identity${l.url.search}`, l.url), {
    method: 'POST',
    headers: { cookie: l.cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ birthDate: '1941-03-02' }),
  });
  expect(r.status).toBe(200);
}

/** The patient's WebSocket: its messages queued, or the HTTP status of a refused upgrade. */
function patientSocket(l: Link, cookie = l.cookie): Promise<{ ws: WebSocket; got: Json[]; closed: Promise<number> } | number> {
  const ws = new WebSocket(`${c.cloud.httpUrl.replace('http', 'ws')}${l.url.pathname}/ws${l.url.search}`, {
    headers: { ...(cookie ? { cookie } : {}), origin: c.cloud.httpUrl },
  });
  const got: Json[] = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString()) as Json));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, got, closed }));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

async function until<T>(f: () => T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('never came');
}

async function audit(id: string): Promise<AuditEvent[]> {
  await c.cloud.teleconsult.relay.flush();
  return (await c.cloud.store.listAudit({ limit: 1000 })).filter((e) => e.sessionId === id && e.action.startsWith('participant-'));
}

type Participants = { sessionId: string; participants: { id: string; name: string; role: string; state: string }[] };
const listOf = (page: PageSocket, sessionId: string, from = 0) =>
  page.next((m) => m.type === 'participants' && m.sessionId === sessionId, from) as unknown as Promise<Participants & Json>;

beforeAll(async () => {
  c = await startConsultCloud({
    patients: [{ id: 'p-home', family: 'Martin', given: 'Jeanne', birthDate: '1941-03-02', gateways: ['home-7'] }],
  });
  blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
  roux = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
});
afterAll(async () => {
  await c?.stop();
});

describe('the home patient waits to be let in', () => {
  it('is refused before confirming who they are, and from another device', async () => {
    const l = await openAct(120);
    expect(await patientSocket(l)).toBe(403);
    expect(await patientSocket(l, '')).toBe(403);
    await confirm(l);
    expect(await patientSocket(l, `telecart_join_device=${'A'.repeat(43)}`)).toBe(403);
    const lines = await audit(l.id);
    expect(lines.map((e) => e.action)).toEqual(['participant-connect-refused', 'participant-connect-refused']);
    expect(lines[0]?.detail).toContain('identity not confirmed');
  });

  it('is shown to the act’s specialist, admitted, and leaves; another specialist sees nothing and may not decide', async () => {
    const l = await openAct(240);
    await confirm(l);
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const other = await PageSocket.open(c.cloud.httpUrl, roux);
    const p = await patientSocket(l);
    if (typeof p === 'number') throw new Error(`refused: ${p}`);
    expect(await until(() => p.got[0])).toEqual({ type: 'waiting' });

    const waiting = await listOf(doctor, l.id);
    expect(waiting.participants).toEqual([expect.objectContaining({ name: 'Jeanne Martin', role: 'patient', state: 'waiting' })]);
    const participantId = waiting.participants[0]?.id ?? '';
    // A page opened later is told who waits at once.
    const later = await PageSocket.open(c.cloud.httpUrl, blanc);
    expect((await listOf(later, l.id)).participants).toHaveLength(1);
    await later.close();

    // Not dr-roux's act: the same answer as an unknown participant, and an audit line.
    const before = other.received.length;
    other.send({ type: 'admit', sessionId: l.id, participantId });
    const refused = await other.next((m) => m.type === 'error', before);
    expect(refused.message).toBe(`no participant ${participantId} waits in act ${l.id}`);
    expect(other.received.some((m) => m.type === 'participants')).toBe(false);

    const mark = doctor.received.length;
    doctor.send({ type: 'admit', sessionId: l.id, participantId });
    expect(await until(() => p.got[1])).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });
    expect((await listOf(doctor, l.id, mark)).participants).toEqual([expect.objectContaining({ state: 'admitted' })]);

    const mark2 = doctor.received.length;
    p.ws.close();
    expect((await listOf(doctor, l.id, mark2)).participants).toEqual([]);
    expect((await audit(l.id)).map((e) => [e.action, e.actor])).toEqual([
      ['participant-waiting', 'link:patient'],
      ['participant-decision-refused', 'dr-roux'],
      ['participant-admitted', 'dr-blanc'],
      ['participant-left', 'link:patient'],
    ]);
    await doctor.close();
    await other.close();
  });

  it('is told when refused, and their connection is closed', async () => {
    const l = await openAct(360);
    await confirm(l);
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const p = await patientSocket(l);
    if (typeof p === 'number') throw new Error(`refused: ${p}`);
    const participantId = (await listOf(doctor, l.id)).participants[0]?.id ?? '';
    doctor.send({ type: 'refuse', sessionId: l.id, participantId });
    expect(await p.closed).toBe(1000);
    expect(p.got).toEqual([{ type: 'waiting' }, { type: 'refused', by: 'Dr Marc Blanc' }]);
    // Refusing again: nobody waits any more.
    const mark = doctor.received.length;
    doctor.send({ type: 'refuse', sessionId: l.id, participantId });
    expect((await doctor.next((m) => m.type === 'error', mark)).message).toContain('no participant');
    expect((await audit(l.id)).map((e) => e.action)).toEqual(['participant-waiting', 'participant-refused']);
    await doctor.close();
  });
});
