/**
 * The participants' sockets past the admission, through a real cloud (embedded broker, SQLite,
 * fastify, real WebSockets on loopback; no browser):
 * - the home patient's conversation signaling goes only between an admitted patient and the page
 *   that admitted them: before admission, or from/to any other page, it is refused with an error
 *   and an audit line, and the other side receives nothing;
 * - a participant's specialist-only messages (join, hangup, PTZ, report, convo, admit) are refused to
 *   that socket with an audit line `participant-message-refused` naming the type; the socket stays
 *   open and nothing reaches the cart;
 * - guests wait on GET /guest/:token/ws (the guest link and its device cookie), are admitted or
 *   refused by the act's specialist, and may not steer the camera nor signal media.
 */
import type { AuditEvent } from '@telecart/cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeleconsultationRecord } from '../../cloud/src/store/teleconsult-records.js';
import { inProgressAct } from '../../cloud/src/testing/act-record.js';
import {
  confirmIdentity,
  type Link,
  openGuestLink,
  openHomeAct,
  type ParticipantSocket,
  participantSocket,
} from './participant-support.js';
import { type ConsultCloud, type Json, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

let c: ConsultCloud;
let blanc: string;
let roux: string;

const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

async function audit(sessionId: string, prefix = 'participant-'): Promise<AuditEvent[]> {
  await c.cloud.teleconsult.relay.flush();
  return (await c.cloud.store.listAudit({ limit: 2000 })).filter((e) => e.sessionId === sessionId && e.action.startsWith(prefix));
}

type Participants = Json & { sessionId: string; participants: { id: string; name: string; role: string; state: string }[] };
const listOf = (page: PageSocket, sessionId: string, from = 0) =>
  page.next((m) => m.type === 'participants' && m.sessionId === sessionId, from) as Promise<Participants>;

async function open(url: URL, cookie: string): Promise<ParticipantSocket> {
  const s = await participantSocket(c.cloud.httpUrl, url, cookie);
  if (typeof s === 'number') throw new Error(`participant socket refused: ${s}`);
  return s;
}

/** A confirmed home patient waiting on their socket, seen by dr-blanc's page. */
async function waitingPatient(doctor: PageSocket, minutesAhead: number): Promise<{ l: Link; p: ParticipantSocket; participantId: string }> {
  const l = await openHomeAct(c, blanc, minutesAhead);
  await confirmIdentity(l, '1941-03-02');
  const p = await open(l.url, l.cookie);
  const list = await listOf(doctor, l.id);
  const participantId = list.participants[0]?.id ?? '';
  return { l, p, participantId };
}

const errorsOf = (p: ParticipantSocket) => p.got.filter((m) => m.type === 'error').map((m) => String(m.message));

/** Waits until `cond` holds (each message handled in turn: no time is asserted). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}
const count = (ms: Json[], type: string, from = 0) => ms.slice(from).filter((m) => m.type === type).length;

beforeAll(async () => {
  c = await startConsultCloud({
    patients: [
      { id: 'p-home', family: 'Martin', given: 'Jeanne', birthDate: '1941-03-02', gateways: ['home-7'] },
      { id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: ['home-7'] },
    ],
  });
  blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
  roux = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
});
afterAll(async () => {
  await c?.stop();
});

describe('the home patient’s conversation signaling', () => {
  it('is refused before admission, both ways, each audited; the page receives nothing', async () => {
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const { l, p, participantId } = await waitingPatient(doctor, 120);
    const mark = doctor.received.length;
    p.send({ type: 'signal', signal: { kind: 'ready' } });
    p.send({ type: 'signal', signal: { kind: 'answer', pc: 'pc-1', sdp: SDP } });
    await until(() => count(p.got, 'error') === 2);
    expect(errorsOf(p)).toEqual([
      'you have not been let in yet: wait for the specialist',
      'you have not been let in yet: wait for the specialist',
    ]);
    doctor.send({ type: 'participant-signal', sessionId: l.id, participantId, signal: { kind: 'offer', pc: 'pc-1', sdp: SDP } });
    const refused = await doctor.next((m) => m.type === 'error', mark);
    expect(refused.message).toBe(`no admitted participant ${participantId} talks with this page in act ${l.id}`);
    // A round trip on the page's socket: anything forwarded would have come before this answer.
    doctor.send({ type: 'participant-signal', sessionId: l.id, participantId, signal: { kind: 'media', mic: true, camera: true } });
    await until(() => count(doctor.received, 'error', mark) === 2);
    expect(doctor.received.slice(mark).filter((m) => m.type.startsWith('participant-'))).toEqual([]);
    expect(p.got.filter((m) => m.type === 'signal')).toEqual([]);
    expect((await audit(l.id, 'participant-signal-refused')).map((e) => [e.actor, e.detail])).toEqual([
      ['link:patient', 'ready: not admitted'],
      ['link:patient', 'answer: not admitted'],
      ['dr-blanc', 'offer from dr-blanc: not admitted'],
      ['dr-blanc', 'media from dr-blanc: not admitted'],
    ]);
    p.ws.close();
    await doctor.close();
  });

  it('once admitted, goes between the patient and the page that admitted them only', async () => {
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const { l, p, participantId } = await waitingPatient(doctor, 240);
    const other = await PageSocket.open(c.cloud.httpUrl, roux);
    const mark = doctor.received.length;
    doctor.send({ type: 'admit', sessionId: l.id, participantId });
    const admitted = await doctor.next((m) => m.type === 'participant-admitted', mark);
    expect(admitted).toMatchObject({ sessionId: l.id, participantId, iceServers: expect.any(Array) });
    await p.next((m) => m.type === 'admitted');

    p.send({ type: 'signal', signal: { kind: 'ready' } });
    expect(await doctor.next((m) => m.type === 'participant-signal', mark)).toEqual({
      type: 'participant-signal',
      sessionId: l.id,
      participantId,
      signal: { kind: 'ready' },
    });
    doctor.send({ type: 'participant-signal', sessionId: l.id, participantId, signal: { kind: 'offer', pc: 'pc-1', sdp: SDP } });
    expect(await p.next((m) => m.type === 'signal')).toEqual({ type: 'signal', signal: { kind: 'offer', pc: 'pc-1', sdp: SDP } });
    p.send({ type: 'signal', signal: { kind: 'media', mic: false, camera: true } });
    expect((await doctor.next((m) => m.type === 'participant-signal' && (m.signal as Json).kind === 'media', mark)).signal).toEqual({
      kind: 'media',
      mic: false,
      camera: true,
    });

    // Another specialist, and another page of the same specialist: refused, the patient gets nothing.
    other.send({ type: 'participant-signal', sessionId: l.id, participantId, signal: { kind: 'offer', pc: 'x', sdp: SDP } });
    expect((await other.next((m) => m.type === 'error')).message).toContain('no admitted participant');
    const second = await PageSocket.open(c.cloud.httpUrl, blanc);
    second.send({ type: 'participant-signal', sessionId: l.id, participantId, signal: { kind: 'offer', pc: 'y', sdp: SDP } });
    expect((await second.next((m) => m.type === 'error')).message).toContain('no admitted participant');
    // An unknown field in a signal is refused at the participant's hop, not forwarded.
    const before = p.got.length;
    p.send({ type: 'signal', signal: { kind: 'media', mic: true, camera: true, volume: 3 } });
    expect(String((await p.next((m) => m.type === 'error', before)).message)).toMatch(/^signal refused: /);
    expect(p.got.filter((m) => m.type === 'signal')).toHaveLength(1);
    expect(other.received.some((m) => m.type === 'participant-signal')).toBe(false);
    expect(second.received.some((m) => m.type === 'participant-signal')).toBe(false);
    expect((await audit(l.id, 'participant-signal-refused')).map((e) => [e.actor, e.detail])).toEqual([
      ['dr-roux', 'offer from dr-roux: another page admitted them'],
      ['dr-blanc', 'offer from dr-blanc: another page admitted them'],
    ]);

    // The page that admitted them goes: what belongs to its peer connection has nowhere to go, but the patient's
    // `ready` (« offer me ») is kept for the page that takes them next.
    await doctor.close();
    await until(() => c.cloud.teleconsult.relay.metrics().openPages === 2);
    const b2 = p.got.length;
    p.send({ type: 'signal', signal: { kind: 'ready' } });
    p.send({ type: 'signal', signal: { kind: 'answer', pc: 'pc-1', sdp: SDP } });
    // (In order: a refusal of the `ready` would have come before the answer's.)
    expect((await p.next((m) => m.type === 'error', b2)).message).toBe('the specialist is not connected');
    expect(count(p.got, 'error', b2)).toBe(1);
    // The specialist's next page takes them: told of the admission, then given the kept `ready` (so it offers);
    // the patient's page is not asked to say it again.
    const third = await PageSocket.open(c.cloud.httpUrl, blanc);
    expect(await third.next((m) => m.type === 'participant-admitted')).toMatchObject({ sessionId: l.id, participantId });
    expect((await third.next((m) => m.type === 'participant-signal')).signal).toEqual({ kind: 'ready' });
    expect(third.received.findIndex((m) => m.type === 'participant-admitted')).toBeLessThan(
      third.received.findIndex((m) => m.type === 'participant-signal'),
    );
    third.send({ type: 'participant-signal', sessionId: l.id, participantId, signal: { kind: 'offer', pc: 'pc-3', sdp: SDP } });
    expect((await p.next((m) => m.type === 'signal' && (m.signal as Json).pc === 'pc-3')).signal).toMatchObject({ kind: 'offer' });
    expect(p.got.some((m) => m.type === 'specialist-back')).toBe(false);
    p.ws.close();
    await other.close();
    await second.close();
    await third.close();
  });

  it('a patient’s specialist-only messages are refused and audited by type; the socket stays open; nothing reaches the cart', async () => {
    const cart = await TestCart.connect(c.cloud.mqttUrl, 'home-7');
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const { l, p, participantId } = await waitingPatient(doctor, 360);
    const mark = doctor.received.length;
    doctor.send({ type: 'admit', sessionId: l.id, participantId });
    await p.next((m) => m.type === 'admitted');
    const tries: unknown[] = [
      { type: 'join', sessionId: l.id },
      { type: 'hangup', sessionId: l.id, reason: 'bye' },
      { op: 'move', seq: 1, pan: 1, tilt: 0, zoom: 0 },
      { type: 'report', sessionId: l.id, text: 'nothing' },
      { type: 'convo', sessionId: l.id, signal: { kind: 'ready' } },
      { type: 'admit', sessionId: l.id, participantId },
      'not json',
    ];
    const before = p.got.length;
    for (const m of tries) p.send(m);
    await until(() => count(p.got, 'error', before) === tries.length);
    expect(errorsOf(p).slice(0, 6)).toEqual(
      ['join', 'hangup', 'ptz move', 'report', 'convo', 'admit'].map(
        (t) =>
          `'${t}' is not accepted from a participant: only the conversation's signals (ready, answer, ice, media; unit-offer, unit-ice, unit-media, unit-pin; media-up)`,
      ),
    );
    // Still open: the conversation goes on.
    p.send({ type: 'signal', signal: { kind: 'ready' } });
    await doctor.next((m) => m.type === 'participant-signal', mark);
    expect(p.ws.readyState).toBe(p.ws.OPEN);
    expect((await audit(l.id, 'participant-message-refused')).map((e) => [e.actor, e.detail?.split(':')[0]])).toEqual(
      ['join', 'hangup', 'ptz move', 'report', 'convo', 'admit', 'not JSON'].map((t) => ['link:patient', t]),
    );
    // The act stays in progress (the patient's « hangup » ended nothing) and the cart (home-7) was told nothing.
    await c.cloud.teleconsult.relay.flush();
    expect((await c.cloud.store.getAppointment(l.id))?.status).toBe('in-progress');
    expect(cart.down).toEqual([]);
    p.ws.close();
    await doctor.close();
    await cart.close();
  });
});

describe('guests on the participant socket', () => {
  function guestOf(sessionId: string, name: string): Promise<{ url: URL; cookie: string }> {
    return openGuestLink(c.cloud.httpUrl, blanc, sessionId, name);
  }

  async function runningAct(): Promise<TeleconsultationRecord> {
    const rec = inProgressAct();
    await c.cloud.store.upsertTeleconsultation(rec);
    return rec;
  }

  it('wait, are admitted or refused by the act’s specialist; refused without their device’s cookie or once removed', async () => {
    const act = await runningAct();
    const gp = await guestOf(act.sessionId, 'Dr Petit, médecin traitant');
    expect(await participantSocket(c.cloud.httpUrl, gp.url, '')).toBe(403);
    expect(await participantSocket(c.cloud.httpUrl, gp.url, `telecart_join_device=${'A'.repeat(43)}`)).toBe(403);
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const other = await PageSocket.open(c.cloud.httpUrl, roux);
    const g = await open(gp.url, gp.cookie);
    expect(await g.next(() => true)).toEqual({ type: 'waiting' });
    const list = await listOf(doctor, act.sessionId);
    expect(list.participants).toEqual([expect.objectContaining({ name: 'Dr Petit, médecin traitant', role: 'guest', state: 'waiting' })]);
    const id = list.participants[0]?.id ?? '';
    const mark = doctor.received.length;
    doctor.send({ type: 'admit', sessionId: act.sessionId, participantId: id });
    expect(await g.next((m) => m.type === 'admitted')).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });
    expect((await listOf(doctor, act.sessionId, mark)).participants).toEqual([expect.objectContaining({ state: 'admitted' })]);
    expect(other.received.some((m) => m.type === 'participants')).toBe(false);

    // A second guest is refused and their connection closed.
    const cousin = await guestOf(act.sessionId, 'Paul, petit-fils');
    const k = await open(cousin.url, cousin.cookie);
    const mark2 = doctor.received.length;
    const both = await doctor.next((m) => m.type === 'participants' && (m as Participants).participants.length === 2, mark2);
    const kid = (both as Participants).participants.find((x) => x.name === 'Paul, petit-fils')?.id ?? '';
    doctor.send({ type: 'refuse', sessionId: act.sessionId, participantId: kid });
    expect(await k.closed).toBe(1000);
    expect(k.got).toEqual([{ type: 'waiting' }, { type: 'refused', by: 'Dr Marc Blanc' }]);
    // A guest's media are not this page's to offer: no ICE servers, no conversation for them here.
    expect(doctor.received.some((m) => m.type === 'participant-admitted')).toBe(false);

    // Removed by the specialist: their socket is refused from then on.
    const listed = await fetch(`${c.cloud.httpUrl}/api/teleconsult/acts/${act.sessionId}/guests`, { headers: { cookie: blanc } });
    const { guests } = (await listed.json()) as { guests: { id: string; name: string }[] };
    const cousinId = guests.find((x) => x.name === 'Paul, petit-fils')?.id ?? '';
    const del = await fetch(`${c.cloud.httpUrl}/api/teleconsult/acts/${act.sessionId}/guests/${cousinId}`, {
      method: 'DELETE',
      headers: { cookie: blanc },
    });
    expect(del.status).toBe(200);
    expect(await participantSocket(c.cloud.httpUrl, cousin.url, cousin.cookie)).toBe(403);
    const refusals = await audit(act.sessionId, 'participant-connect-refused');
    expect(refusals.map((e) => e.detail?.split(':')[0])).toEqual(['guest not-bound', 'guest other-device', 'guest removed']);
    g.ws.close();
    await doctor.close();
    await other.close();
  });

  it('a guest’s PTZ and hang-up are refused with an audit line, and their media signals too; the socket stays open', async () => {
    const act = await runningAct();
    const cart = await TestCart.connect(c.cloud.mqttUrl, 'home-7');
    const gp = await guestOf(act.sessionId, 'Dr Petit');
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const g = await open(gp.url, gp.cookie);
    const id = (await listOf(doctor, act.sessionId)).participants[0]?.id ?? '';
    doctor.send({ type: 'admit', sessionId: act.sessionId, participantId: id });
    await g.next((m) => m.type === 'admitted');
    const before = g.got.length;
    g.send({ op: 'preset-goto', seq: 3, token: 'bed' });
    g.send({ type: 'hangup', sessionId: act.sessionId });
    g.send({ type: 'signal', signal: { kind: 'ready' } });
    await until(() => count(g.got, 'error', before) === 3);
    expect(errorsOf(g)).toEqual([
      "'ptz preset-goto' is not accepted from a participant: only the conversation's signals (ready, answer, ice, media; unit-offer, unit-ice, unit-media, unit-pin; media-up)",
      "'hangup' is not accepted from a participant: only the conversation's signals (ready, answer, ice, media; unit-offer, unit-ice, unit-media, unit-pin; media-up)",
      'a guest’s media go through the forwarding unit (unit-offer, unit-ice), not this conversation',
    ]);
    expect(g.ws.readyState).toBe(g.ws.OPEN);
    expect((await audit(act.sessionId, 'participant-message-refused')).map((e) => [e.actor, e.detail?.split(':')[0]])).toEqual([
      ['link:guest', 'ptz preset-goto'],
      ['link:guest', 'hangup'],
    ]);
    expect((await audit(act.sessionId, 'participant-signal-refused')).map((e) => e.detail)).toEqual(['ready: guest']);
    expect(doctor.received.some((m) => m.type === 'participant-signal')).toBe(false);
    // The act was written straight to the store: the relay finds it without an owner and takes it back,
    // telling the cart its specialist is reconnecting (a `session`); the guest's admission opened the act's
    // room, which the cart is told to join (`unit` ready). Nothing the guest sent reached it.
    expect(cart.down.filter((m) => m.type !== 'session').map((m) => (m.type === 'unit' ? `unit ${m.signal.kind}` : m.type))).toEqual([
      'unit ready',
    ]);
    expect((await c.cloud.store.getTeleconsultation(act.sessionId))?.status).toBe('in-progress');
    g.ws.close();
    await doctor.close();
    await cart.close();
  });
});
