/**
 * Guests' media signaling with the forwarding unit through a real cloud (embedded broker, SQLite,
 * real WebSockets, the unit in the cloud's process; werift plays each page's peer connection):
 * - before the specialist admits a guest, no room: the guest's and the page's offers are refused;
 * - the admission opens the act's room: the page and the guest are told to offer (`unit-ready`, with
 *   the act's ICE servers), their offers are answered, each is told who its slot carries by name,
 *   both connect and the guest's audio reaches the page's peer through the unit;
 * - malformed messages, a guest naming another participant or act, another page of the same
 *   specialist and another specialist are refused with a clear error (audited), the sockets stay open;
 * - the specialist removes the guest: out of the room (the page's slot empties), told `removed`, their
 *   socket closed with a reason; each step audited (guest-media-joined, guest-media-left, guest-removed);
 * - the act ends (a home act's hang-up): the room closes, the page is told, the guest's page too;
 *   the home patient joins the room once a guest is in: the specialist's slots carry them (their
 *   conversation goes up once, into the room), theirs never carry the specialist (the direct call does);
 * - a cart's act: the cart is told `ready` over MQTT when the specialist lets a guest in, its offer
 *   (RtcUp unit) is answered, the guest's and the specialist's slots carry the cart by name and the
 *   cart's voice reaches both through the unit, the cart's slots never carry the specialist (the direct
 *   conversation does), the cart's mute reaches the guest's labels; another
 *   cart signaling for the act and a cart signaling before the room are refused (audited); the act's
 *   end tells the cart `closed`.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '@telecart/cloud';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TeleconsultationRecord } from '../../cloud/src/store/teleconsult-records.js';
import { inProgressAct } from '../../cloud/src/testing/act-record.js';
import { type UnitPagePeer, unitPagePeer } from '../../cloud/src/testing/unit-page-peer.js';
import { confirmIdentity, openGuestLink, openHomeAct, type ParticipantSocket, participantSocket } from './participant-support.js';
import { type ConsultCloud, type Json, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

let c: ConsultCloud;
let blanc: string;
let roux: string;
const closing: (() => Promise<unknown>)[] = [];

async function audit(sessionId: string, action: string): Promise<AuditEvent[]> {
  await c.cloud.teleconsult.relay.flush();
  return (await c.cloud.store.listAudit({ limit: 2000 })).filter((e) => e.sessionId === sessionId && e.action === action);
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

async function runningAct(): Promise<TeleconsultationRecord> {
  const rec = inProgressAct();
  await c.cloud.store.upsertTeleconsultation(rec);
  return rec;
}

function invite(sessionId: string, name: string): Promise<{ id: string; url: URL; cookie: string }> {
  return openGuestLink(c.cloud.httpUrl, blanc, sessionId, name);
}

async function guestSocket(g: { url: URL; cookie: string }): Promise<ParticipantSocket & { reason: Promise<string> }> {
  const s = await participantSocket(c.cloud.httpUrl, g.url, g.cookie);
  if (typeof s === 'number') throw new Error(`guest socket refused: ${s}`);
  const reason = new Promise<string>((resolve) => s.ws.once('close', (_code, r) => resolve(r.toString())));
  return Object.assign(s, { reason });
}

type Participants = Json & { participants: { id: string; name: string }[] };
async function admit(doctor: PageSocket, sessionId: string, name: string): Promise<string> {
  const list = (await doctor.next(
    (m) => m.type === 'participants' && m.sessionId === sessionId && (m as Participants).participants.some((p) => p.name === name),
  )) as Participants;
  const id = list.participants.find((p) => p.name === name)?.id ?? '';
  doctor.send({ type: 'admit', sessionId, participantId: id });
  return id;
}

/** A page's peer connection with the unit (werift), `slots` receive slots; `say()` sends its next voice packet. */
async function peer(slots = 1): Promise<UnitPagePeer & { say: () => void }> {
  const page = await unitPagePeer(slots);
  closing.push(() => page.pc.close());
  let seq = 1;
  return { ...page, say: () => page.say(seq++) };
}

const slotsOf = (ms: Json[]) =>
  [...ms].reverse().find((m) => m.type === 'unit-slots')?.slots as
    | { participantId: string | null; name: string | null; audioMid: string | null }[]
    | undefined;

beforeAll(async () => {
  c = await startConsultCloud({
    patients: [
      { id: 'p-home', family: 'Martin', given: 'Jeanne', birthDate: '1941-03-02', gateways: ['home-7'] },
      { id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: ['home-7'] },
      { id: 'p-cart', family: 'Durand', given: 'Louise', birthDate: '1936-01-12', gateways: ['home-3'] },
    ],
    forwardingUnit: { hostAddresses: ['127.0.0.1'], rembBitsPerSecond: null },
  });
  blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
  roux = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
}, 120_000);
afterEach(async () => {
  for (const f of closing.splice(0)) await f().catch(() => undefined);
});
afterAll(async () => {
  await c?.stop();
});

describe('guests’ media signaling with the forwarding unit', () => {
  it('opens the room on admission, joins both, labels, forwards; refuses strangers; a removed guest is taken out and closed', async () => {
    const act = await runningAct();
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const second = await PageSocket.open(c.cloud.httpUrl, blanc);
    const other = await PageSocket.open(c.cloud.httpUrl, roux);
    closing.push(
      () => doctor.close(),
      () => second.close(),
      () => other.close(),
    );
    const invited = await invite(act.sessionId, 'Dr Petit, médecin traitant');
    const g = await guestSocket(invited);
    closing.push(async () => g.ws.close());
    const gp = await peer();
    const dp = await peer();

    // Not admitted: no room, nothing joins.
    g.send({ type: 'unit-offer', sdp: gp.offer });
    expect((await g.next((m) => m.type === 'error')).message).toBe('you have not been let in yet: wait for the specialist');
    let mark = doctor.received.length;
    doctor.send({ type: 'unit-offer', sessionId: act.sessionId, sdp: dp.offer });
    expect((await doctor.next((m) => m.type === 'error', mark)).message).toBe(`no room of act ${act.sessionId} is open for this page`);

    const guestId = await admit(doctor, act.sessionId, 'Dr Petit, médecin traitant');
    const ready = await doctor.next((m) => m.type === 'unit-ready');
    expect(ready).toMatchObject({ sessionId: act.sessionId, iceServers: expect.any(Array) });
    expect(await g.next((m) => m.type === 'unit-ready')).toMatchObject({ iceServers: expect.any(Array) });
    expect(second.received.some((m) => m.type === 'unit-ready')).toBe(false);

    // Both offer and get the unit's answer; each is told who its slot carries, by name.
    let gmark = g.got.length;
    g.send({ type: 'unit-offer', sdp: gp.offer });
    // A candidate trickled right behind the offer waits for the unit's answer (not refused as unknown).
    g.send({
      type: 'unit-ice',
      candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    });
    const ga = await g.next((m) => m.type === 'unit-answer', gmark);
    await gp.pc.setRemoteDescription({ type: 'answer', sdp: String(ga.sdp) });
    mark = doctor.received.length;
    doctor.send({ type: 'unit-offer', sessionId: act.sessionId, sdp: dp.offer });
    const da = await doctor.next((m) => m.type === 'unit-answer', mark);
    expect(da.sessionId).toBe(act.sessionId);
    await dp.pc.setRemoteDescription({ type: 'answer', sdp: String(da.sdp) });
    await until(() => slotsOf(doctor.received)?.[0]?.name === 'Dr Petit, médecin traitant', 'the page’s slot labelled');
    expect(slotsOf(doctor.received)?.[0]?.participantId).toBe(guestId);
    await until(() => slotsOf(g.got)?.[0]?.name === 'Dr Marc Blanc', 'the guest’s slot labelled');
    await until(() => gp.pc.connectionState === 'connected' && dp.pc.connectionState === 'connected', 'both connected');
    expect(g.got.slice(gmark).filter((m) => m.type === 'error')).toEqual([]);

    // The guest's voice reaches the page's receive slot through the unit.
    const slot = dp.pc.getTransceivers().find((t) => t.mid === slotsOf(doctor.received)?.[0]?.audioMid);
    let heard = 0;
    for (const track of slot?.receiver.tracks ?? []) track.onReceiveRtp.subscribe(() => heard++);
    await until(() => {
      gp.say();
      return heard > 5;
    }, 'the guest’s audio at the page');

    // Malformed, or naming another participant or act: refused with what was wrong, the socket stays.
    gmark = g.got.length;
    g.send({ type: 'unit-ice', candidate: { candidate: 42 } });
    g.send({ type: 'unit-offer', sdp: gp.offer, participantId: randomUUID() });
    g.send({
      type: 'unit-ice',
      sessionId: randomUUID(),
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' },
    });
    await until(() => g.got.slice(gmark).filter((m) => m.type === 'error').length === 3, 'three refusals');
    const errors = g.got
      .slice(gmark)
      .filter((m) => m.type === 'error')
      .map((m) => String(m.message));
    expect(errors[0]).toMatch(/^unit-ice refused: .*candidate/);
    expect(errors[1]).toMatch(/^unit-offer refused: .*participantId/);
    expect(errors[2]).toMatch(/^unit-ice refused: .*sessionId/);
    expect(g.ws.readyState).toBe(g.ws.OPEN);
    // A well-formed candidate for its own peer goes in.
    gmark = g.got.length;
    g.send({
      type: 'unit-ice',
      candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    });

    // The page's malformed message is refused with what was wrong; the socket stays.
    mark = doctor.received.length;
    doctor.send({ type: 'unit-ice', sessionId: act.sessionId, candidate: { candidate: 'x', sdpMLineIndex: 'zero' } });
    expect((await doctor.next((m) => m.type === 'error', mark)).message).toMatch(/^\/candidate\/sdpMLineIndex: /);
    expect(doctor.ws.readyState).toBe(doctor.ws.OPEN);

    // Another page of the same specialist, and another specialist, may not signal for the act.
    for (const page of [second, other]) {
      const m = page.received.length;
      page.send({ type: 'unit-offer', sessionId: act.sessionId, sdp: dp.offer });
      expect((await page.next((x) => x.type === 'error', m)).message).toBe(`no room of act ${act.sessionId} is open for this page`);
    }
    expect(await audit(act.sessionId, 'unit-signal-refused')).toHaveLength(2);
    expect((await audit(act.sessionId, 'participant-message-refused')).map((e) => e.detail?.split(':')[0])).toEqual([
      'unit-ice',
      'unit-offer',
      'unit-ice',
    ]);
    expect(g.got.slice(gmark).some((m) => m.type === 'error')).toBe(false);

    // Removed by the specialist: out of the room, told, the socket closed with a reason.
    mark = doctor.received.length;
    const del = await fetch(`${c.cloud.httpUrl}/api/teleconsult/acts/${act.sessionId}/guests/${invited.id}`, {
      method: 'DELETE',
      headers: { cookie: blanc },
    });
    expect(del.status).toBe(200);
    expect(await g.reason).toBe('removed by the specialist');
    expect(await g.closed).toBe(1000);
    expect(g.got.at(-1)).toEqual({ type: 'removed', by: 'Dr Marc Blanc' });
    await doctor.next((m) => m.type === 'unit-slots', mark);
    expect(slotsOf(doctor.received)?.[0]).toMatchObject({ participantId: null, name: null });
    expect(c.cloud.teleconsult.relay.unit.rooms.has(act.sessionId, guestId)).toBe(false);

    expect((await audit(act.sessionId, 'unit-room-opened')).map((e) => e.actor)).toEqual(['dr-blanc']);
    expect((await audit(act.sessionId, 'guest-media-joined')).map((e) => e.detail)).toEqual(['guest Dr Petit, médecin traitant']);
    expect((await audit(act.sessionId, 'guest-media-left')).map((e) => [e.actor, e.detail])).toEqual([
      ['dr-blanc', 'guest Dr Petit, médecin traitant: removed'],
    ]);
    expect((await audit(act.sessionId, 'guest-removed')).map((e) => e.detail)).toEqual([
      expect.stringMatching(/^Dr Petit, médecin traitant \(link .*; 1 connection\(s\) closed\)$/),
    ]);
  }, 60_000);

  it('the act ends: its room closes, the page and the guest are told', async () => {
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    closing.push(() => doctor.close());
    // A home act: the specialist admits the patient (in progress), then invites a guest.
    const l = await openHomeAct(c, blanc, 120);
    await confirmIdentity(l, '1941-03-02');
    const p = await participantSocket(c.cloud.httpUrl, l.url, l.cookie);
    if (typeof p === 'number') throw new Error(`patient socket refused: ${p}`);
    closing.push(async () => p.ws.close());
    const patientId = await admit(doctor, l.id, 'Jeanne Martin');
    await p.next((m) => m.type === 'admitted');
    await until(() => doctor.received.some((m) => m.type === 'participant-admitted'), 'the patient admitted');
    // No guest in: no room for the home patient either (their media are the direct call's).
    p.send({ type: 'unit-offer', sdp: 'v=0 an offer' });
    expect((await p.next((m) => m.type === 'error')).message).toBe('the consultation’s room is not open');

    const invited = await invite(l.id, 'Paul, petit-fils');
    const g = await guestSocket(invited);
    closing.push(async () => g.ws.close());
    const paulId = await admit(doctor, l.id, 'Paul, petit-fils');
    await g.next((m) => m.type === 'unit-ready');
    const gp = await peer(2);
    g.send({ type: 'unit-offer', sdp: gp.offer });
    await g.next((m) => m.type === 'unit-answer');
    expect(c.cloud.teleconsult.relay.unit.rooms.isOpen(l.id)).toBe(true);
    // The specialist's page joins the room too.
    const dp = await peer(2);
    doctor.send({ type: 'unit-offer', sessionId: l.id, sdp: dp.offer });
    await doctor.next((m) => m.type === 'unit-answer' && m.sessionId === l.id);

    // A guest in: the home patient is told to join the room too, and does.
    expect(await p.next((m) => m.type === 'unit-ready')).toMatchObject({ iceServers: expect.any(Array) });
    const pp = await peer(2);
    p.send({ type: 'unit-offer', sdp: pp.offer });
    await p.next((m) => m.type === 'unit-answer');
    const named = (ms: Json[]) => (slotsOf(ms) ?? []).map((x) => x.name).filter((x) => x !== null);
    // The guest sees the patient and the specialist; the specialist sees the guest and the patient (whose conversation goes
    // up once, into the room); the patient sees the guest only (the specialist comes on the direct call).
    await until(() => named(g.got).length === 2, 'the guest’s two slots labelled');
    expect(named(g.got).sort()).toEqual(['Dr Marc Blanc', 'Jeanne Martin']);
    await until(() => named(p.got).length === 1, 'the patient’s slot labelled');
    expect(named(p.got)).toEqual(['Paul, petit-fils']);
    await until(() => named(doctor.received.filter((m) => m.sessionId === l.id)).length === 2, 'the specialist’s two slots labelled');
    expect(named(doctor.received.filter((m) => m.sessionId === l.id)).sort()).toEqual(['Jeanne Martin', 'Paul, petit-fils']);
    // The patient mutes: the guest's slot of them says so.
    p.send({ type: 'unit-media', mic: false, camera: true });
    await until(
      () =>
        (slotsOf(g.got) as { name: string | null; mic?: boolean }[] | undefined)?.some(
          (x) => x.name === 'Jeanne Martin' && x.mic === false,
        ) === true,
      'the patient’s mute at the guest',
    );
    expect((await audit(l.id, 'patient-media-joined')).map((e) => e.detail)).toEqual(['patient Jeanne Martin']);
    // The guest pins the patient's slot (by its m-line): the unit says it pinned; a slot that is not the
    // guest's is refused with the reason and an audit line, as the specialist's page's (a log line).
    const patientSlot = slotsOf(g.got)?.find((x) => x.name === 'Jeanne Martin');
    g.send({ type: 'unit-pin', mid: patientSlot?.audioMid ?? null });
    await until(
      () =>
        (slotsOf(g.got) as { name: string | null; pinned?: true }[] | undefined)?.some((x) => x.name === 'Jeanne Martin' && x.pinned) ===
        true,
      'the pin acknowledged',
    );
    expect((slotsOf(g.got) as { name: string | null; pinned?: true }[]).find((x) => x.name === 'Dr Marc Blanc')?.pinned).toBeUndefined();
    g.send({ type: 'unit-pin', mid: '99' });
    expect((await g.next((m) => m.type === 'error')).message).toBe(
      `unit-pin refused: pin of ${paulId} refused: m-line "99" is none of its slots`,
    );
    expect((await audit(l.id, 'participant-signal-refused')).map((e) => e.detail?.split(':')[0])).toEqual(['unit-offer', 'unit-pin']);
    doctor.send({ type: 'unit-pin', sessionId: l.id, mid: '99' });
    expect((await doctor.next((m) => m.type === 'error' && m.sessionId === l.id)).message).toBe(
      'unit-pin refused: pin of specialist refused: m-line "99" is none of its slots',
    );
    // The patient's page reloads: out of the room, let back in at once, told to join the room again.
    p.ws.close();
    await until(() => !c.cloud.teleconsult.relay.unit.rooms.has(l.id, patientId), 'the patient out of the room');
    const back = await participantSocket(c.cloud.httpUrl, l.url, l.cookie);
    if (typeof back === 'number') throw new Error(`patient socket refused: ${back}`);
    closing.push(async () => back.ws.close());
    await back.next((m) => m.type === 'admitted');
    expect(await back.next((m) => m.type === 'unit-ready')).toMatchObject({ iceServers: expect.any(Array) });

    // Both pages decoded the other (home-call.ts and the join page's call.ts say so): the act is finalised at the hang-up.
    doctor.send({ type: 'home-media-up', sessionId: l.id });
    back.send({ type: 'media-up' });
    for (let i = 0; !(await audit(l.id, 'connected')).length; i++) {
      if (i > 100) throw new Error('the media up, both halves: no `connected` line after 10 s');
      await c.cloud.teleconsult.relay.flush();
      await new Promise((r) => setTimeout(r, 100));
    }
    doctor.send({ type: 'hangup', sessionId: l.id });
    expect(await doctor.next((m) => m.type === 'unit-closed' && m.sessionId === l.id)).toEqual({
      type: 'unit-closed',
      sessionId: l.id,
      reason: 'completed',
    });
    expect(await g.next((m) => m.type === 'ended')).toEqual({ type: 'ended', status: 'completed' });
    await g.closed;
    expect(c.cloud.teleconsult.relay.unit.rooms.isOpen(l.id)).toBe(false);
    expect((await audit(l.id, 'unit-room-closed')).map((e) => e.detail)).toEqual(['act completed']);
    expect((await audit(l.id, 'guest-media-left')).map((e) => e.detail)).toEqual(['guest Paul, petit-fils: the act ended (completed)']);
    expect((await audit(l.id, 'patient-media-left')).map((e) => e.detail)).toEqual(['patient Jeanne Martin: left']);
  }, 60_000);

  it('a cart’s act: the cart joins the room over MQTT, the specialist receives it there; others refused; closed at the end', async () => {
    const cart = await TestCart.connect(c.cloud.mqttUrl, 'home-3');
    const stranger = await TestCart.connect(c.cloud.mqttUrl, 'home-1');
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    closing.push(
      () => cart.close(),
      () => stranger.close(),
      () => doctor.close(),
    );
    const sid = randomUUID();
    await cart.call(sid, 'p-cart');
    await cart.status(sid, 'waiting');
    doctor.send({ type: 'join', sessionId: sid });
    await cart.next('start', (m) => m.sessionId === sid);
    await cart.status(sid, 'in-progress');
    const cp = await peer(3);
    const offer = { v: 1, type: 'unit', sessionId: sid, signal: { kind: 'offer', sdp: cp.offer } } as const;

    // No guest yet: no room, the cart's offer is refused (audited), nothing answered.
    await cart.send(offer);
    for (let i = 0; i < 200 && (await audit(sid, 'unit-signal-refused')).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(c.cloud.teleconsult.relay.unit.rooms.isOpen(sid)).toBe(false);
    expect((await audit(sid, 'unit-signal-refused')).map((e) => [e.actor, e.detail])).toEqual([
      ['home-3', 'offer: no room open for this act'],
    ]);

    const invited = await invite(sid, 'Dr Petit, médecin traitant');
    const g = await guestSocket(invited);
    closing.push(async () => g.ws.close());
    await admit(doctor, sid, 'Dr Petit, médecin traitant');
    const ready = await cart.next('unit', (m) => m.sessionId === sid && m.signal.kind === 'ready');
    expect(ready.signal).toMatchObject({ kind: 'ready', iceServers: expect.any(Array) });
    await doctor.next((m) => m.type === 'unit-ready' && m.sessionId === sid);

    // Another cart may not speak for this act (the relay knows carts by their MQTT identity).
    await stranger.send({ ...offer, signal: { kind: 'media', mic: false, camera: false } }, 'home-1');
    // A guest may not speak for the cart: their messages name nobody, one that does is refused.
    g.send({ type: 'unit-offer', sdp: cp.offer, participantId: 'cart' });
    expect(String((await g.next((m) => m.type === 'error')).message)).toMatch(/^unit-offer refused: .*participantId/);

    await cart.send(offer);
    const answer = await cart.next('unit', (m) => m.sessionId === sid && m.signal.kind === 'answer');
    if (answer.signal.kind !== 'answer') throw new Error('not an answer');
    await cp.pc.setRemoteDescription({ type: 'answer', sdp: answer.signal.sdp });
    const gp = await peer(3);
    g.send({ type: 'unit-offer', sdp: gp.offer });
    const ga = await g.next((m) => m.type === 'unit-answer');
    await gp.pc.setRemoteDescription({ type: 'answer', sdp: String(ga.sdp) });
    const dp = await peer(3);
    doctor.send({ type: 'unit-offer', sessionId: sid, sdp: dp.offer });
    const da = await doctor.next((m) => m.type === 'unit-answer' && m.sessionId === sid);
    await dp.pc.setRemoteDescription({ type: 'answer', sdp: String(da.sdp) });

    const cartSlots = () =>
      cart.down.flatMap((m) => (m.type === 'unit' && m.sessionId === sid && m.signal.kind === 'slots' ? [m.signal.slots] : [])).at(-1) ??
      [];
    const named = (slots: { name: string | null }[] | undefined) => (slots ?? []).map((x) => x.name).filter((x) => x !== null);
    await until(() => named(slotsOf(g.got)).length === 2, 'the guest’s slots labelled');
    expect(named(slotsOf(g.got)).sort()).toEqual(['Chariot home-3', 'Dr Marc Blanc']);
    await until(() => named(cartSlots()).length === 1 && cp.pc.connectionState === 'connected', 'the cart connected, its slot labelled');
    // The cart never receives the specialist through the room (the direct conversation carries them to it); the
    // specialist receives the cart there: the cart's conversation goes up once.
    expect(named(cartSlots())).toEqual(['Dr Petit, médecin traitant']);
    const doctorSlots = () => slotsOf(doctor.received.filter((m) => m.sessionId === sid));
    await until(() => named(doctorSlots()).length === 2, 'the specialist’s two slots labelled');
    expect(named(doctorSlots()).sort()).toEqual(['Chariot home-3', 'Dr Petit, médecin traitant']);
    expect(doctorSlots()?.find((x) => x.name === 'Chariot home-3')?.participantId).toBe('cart');

    // The cart's voice reaches the guest and the specialist through the unit, on the slot labelled with the cart.
    let heard = 0;
    let heardBySpecialist = 0;
    const cartAudio = (pc: typeof gp.pc, slots: ReturnType<typeof slotsOf>) =>
      pc.getTransceivers().find((t) => t.mid === slots?.find((x) => x.name === 'Chariot home-3')?.audioMid);
    for (const track of cartAudio(gp.pc, slotsOf(g.got))?.receiver.tracks ?? []) track.onReceiveRtp.subscribe(() => heard++);
    for (const track of cartAudio(dp.pc, doctorSlots())?.receiver.tracks ?? []) track.onReceiveRtp.subscribe(() => heardBySpecialist++);
    await until(() => {
      cp.say();
      return heard > 5 && heardBySpecialist > 5;
    }, 'the cart’s audio at the guest and at the specialist');

    // The specialist's peer with the room is up: the cart is told so (its page holds its direct senders only then;
    // told `false` first, on its join, before the specialist's peer was there). That peer goes silent (closed without a
    // word, as a dead path: the unit is ICE-lite and checks nothing itself): the cart is told it is no longer carried
    // to the specialist, within the unit's 2 s of silence and its 1 s measure; the page's next peer up, told again.
    const told = () =>
      cart.down.flatMap((m) => (m.type === 'unit' && m.sessionId === sid && m.signal.kind === 'specialist' ? [m.signal.inRoom] : []));
    await until(() => told().at(-1) === true, 'the cart told the specialist’s peer with the room is up');
    expect(told()[0]).toBe(false);
    const seen = told().length;
    await dp.pc.close();
    const lost0 = Date.now();
    await until(() => told().length > seen, 'the cart told the specialist’s peer is lost');
    const lostMs = Date.now() - lost0;
    expect(told().slice(seen)).toEqual([false]);
    const dp2 = await peer(3);
    const from = doctor.received.length;
    doctor.send({ type: 'unit-offer', sessionId: sid, sdp: dp2.offer });
    const da2 = await doctor.next((m) => m.type === 'unit-answer' && m.sessionId === sid, from);
    await dp2.pc.setRemoteDescription({ type: 'answer', sdp: String(da2.sdp) });
    await until(() => told().at(-1) === true, 'the cart told the specialist’s new peer is up');
    console.log(`the specialist's room peer silent → the cart told: ${lostMs} ms`);

    // The cart mutes: the guest's slot of the cart says so.
    await cart.send({ ...offer, signal: { kind: 'media', mic: false, camera: true } });
    await until(
      () =>
        (slotsOf(g.got) as { name: string | null; mic?: boolean }[] | undefined)?.some(
          (x) => x.name === 'Chariot home-3' && x.mic === false,
        ) === true,
      'the cart’s mute at the guest',
    );
    // The cart's page pins the guest's slot (UnitFromCart pin): its slots say pinned.
    const guestSlot = cartSlots().find((x) => x.name === 'Dr Petit, médecin traitant');
    await cart.send({ ...offer, signal: { kind: 'pin', mid: guestSlot?.videoMid ?? null } });
    await until(() => cartSlots().some((x) => x.name === 'Dr Petit, médecin traitant' && x.pinned === true), 'the cart’s pin acknowledged');
    // The specialist's slots carry the cart too (its conversation goes up once, into the room): the guest's by name.
    const guestMember = (
      slotsOf(doctor.received.filter((m) => m.sessionId === sid)) as { name: string | null; participantId: string | null }[] | undefined
    )?.find((x) => x.name === 'Dr Petit, médecin traitant')?.participantId;
    expect(guestMember).toEqual(expect.any(String));
    expect(c.cloud.teleconsult.relay.unit.rooms.stats(sid)?.members.cart?.pinned).toBe(guestMember);
    expect(c.cloud.teleconsult.relay.metrics().malformed.mqtt['wrong-gateway']).toBeGreaterThan(0);
    expect((await audit(sid, 'cart-media-joined')).map((e) => e.actor)).toEqual(['home-3']);
    expect((await audit(sid, 'participant-message-refused')).map((e) => e.detail?.split(':')[0])).toEqual(['unit-offer']);

    // The act ends (not-done: the test's cart never connected the act's own media peer): the cart is told its room closed.
    doctor.send({ type: 'hangup', sessionId: sid });
    expect((await cart.next('unit', (m) => m.sessionId === sid && m.signal.kind === 'closed')).signal).toEqual({
      kind: 'closed',
      reason: 'not-done',
    });
    expect((await audit(sid, 'cart-media-left')).map((e) => e.detail)).toEqual(['the act ended (not-done)']);
    expect(c.cloud.teleconsult.relay.unit.rooms.isOpen(sid)).toBe(false);
  }, 60_000);
});
