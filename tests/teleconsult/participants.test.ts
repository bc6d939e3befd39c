/**
 * The home patient's admission, through a real cloud (embedded broker, SQLite, fastify, real
 * WebSockets on loopback): the patient's WebSocket under their join link is refused until their
 * identity is confirmed (and from another device); once in, the act's specialist is told who waits
 * (name, role) on /consult/ws and admits or refuses; another specialist neither sees them nor may
 * decide. Each arrival, admission, refusal and departure is an audit line.
 */
import type { AuditEvent } from '@telecart/cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmIdentity, type Link, openHomeAct, participantSocket } from './participant-support.js';
import { type ConsultCloud, type Json, login, PASSWORDS, PageSocket, startConsultCloud } from './support.js';

let c: ConsultCloud;
let blanc: string;
let roux: string;

/** The patient's WebSocket under their link: its messages queued, or the HTTP status of a refused upgrade. */
const patientSocket = (l: Link, cookie = l.cookie) => participantSocket(c.cloud.httpUrl, l.url, cookie);
const openAct = (minutesAhead: number) => openHomeAct(c, blanc, minutesAhead);
const confirm = (l: Link) => confirmIdentity(l, '1941-03-02');

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
