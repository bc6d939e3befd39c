/**
 * A guest whose socket lands on the cloud instance that does not hold their act (docs/teleconsultation.md,
 * « A participant on another instance »): two in-process clouds on one PostgreSQL and one Mosquitto, plain
 * WebSocket clients for the pages, werift for the guest's peer connection with the forwarding unit.
 * - the act is held by A, the guest's socket is on B: the guest waits (relayed), A's specialist page
 *   lists and admits them, they get `unit-ready` and their unit offer is answered by A's room; the cart
 *   is told `ready`;
 * - forged or malformed texts on A's channel (bad JSON, a wrong shape, an arrival for an act A does not
 *   hold, a frame of an unknown participant) are refused with a log line and change nothing;
 * - the specialist's page moves to B (a hand-over): B closes the guest's socket (the act moved), the
 *   guest connects again and is let in at once by B, whose room answers their offer; a second socket
 *   of the guest on A is now relayed to B;
 * - the instances' channel connections cut: the relayed socket is closed (1012), the owner forgets it, and
 *   once the channels reconnect a new socket is relayed again.
 * A home act (issues 12 and 14), the specialist's page on A, the patient's socket on B:
 * - the patient confirms who they are on B and enters the waiting room there (B takes the act's lease);
 *   A, which has the specialist's page, asks for the act: B hands it over and closes the patient's socket
 *   (1012); their next socket on B is relayed to A, whose page admits them; the conversation's signals go
 *   both ways; the act is in progress, then completed by the specialist's hang-up, with its audit lines;
 * - forged texts about the home act on A's channel (another patient's arrival, a `given` of an act A does
 *   not hold, a `want` while A has the page) are refused or change nothing;
 * - a guest of the home act whose socket is on B, removed through B: A closes their socket and writes
 *   the audit line with its count (1 connection closed, not 0);
 * - a second home act in progress on A: the specialist's page reloads and lands on B, which asks for the act
 *   and is handed it; the patient's socket is closed (1012), their next one (on A) relayed to B and let in
 *   at once, their `ready`, said as soon as they are let in, reaching B's page after that page was told of
 *   this admission (and of no other: A stood for no page of B while handing the act over); then B stopped:
 *   A takes it over, closes the patient's relayed socket (1012), lets their next one in at once, and a page
 *   on A takes the conversation back.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHANNEL_APPLICATION } from '../../cloud/src/store/pg-instance-channel.js';
import { type UnitPagePeer, unitPagePeer } from '../../cloud/src/testing/unit-page-peer.js';
import { waitFor } from '../support/wait.js';
import {
  confirmIdentity,
  type Link,
  openGuestLink,
  openHomeAct,
  type ParticipantSocket,
  participantSocket,
} from '../teleconsult/participant-support.js';
import { type ConsultCloud, type Json, login, PASSWORDS, PageSocket, TestCart } from '../teleconsult/support.js';
import { startTwoConsultClouds, type TwoConsultClouds } from './two-consult-clouds.js';

const CART = 'cart-1';
let two: TwoConsultClouds | undefined;
/** The database both clouds use. */
let db = '';
const clouds: ConsultCloud[] = [];
const closing: (() => unknown)[] = [];
/** What each cloud logged (JSON lines), A's first. */
const logs: string[][] = [[], []];

beforeAll(async () => {
  two = await startTwoConsultClouds({
    dbName: 'participant_relay',
    logs,
    teleconsult: { leaseSeconds: 3, rejoinGraceSeconds: 120, connectTimeoutSeconds: 60, forwardingUnit: { hostAddresses: ['127.0.0.1'] } },
  });
  db = two.db;
  clouds.push(...two.clouds);
}, 120_000);

afterAll(async () => {
  for (const f of closing.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
  await two?.stop();
}, 60_000);

const at = (i: number) => clouds[i] as ConsultCloud;
const http = (i: number) => at(i).cloud.httpUrl;

async function guestSocket(i: number, g: { url: URL; cookie: string }): Promise<ParticipantSocket> {
  const s = await participantSocket(http(i), g.url, g.cookie);
  if (typeof s === 'number') throw new Error(`guest socket refused: ${s}`);
  closing.push(() => s.ws.close());
  return s;
}

async function peer(): Promise<UnitPagePeer> {
  const p = await unitPagePeer(3);
  closing.push(() => p.pc.close());
  return p;
}

it('a guest on the instance that does not hold the act: relayed to the owner, admitted, in its room; placed again after a hand-over', {
  timeout: 120_000,
}, async () => {
  const cookie = await login(http(0), 'dr-roux', PASSWORDS['dr-roux']);
  const cart = await TestCart.connect((two as TwoConsultClouds).brokerUrl, CART);
  closing.push(() => cart.client.end(true));
  const sid = randomUUID();
  await cart.call(sid);
  await cart.status(sid, 'waiting');
  await waitFor(() => clouds.some((c) => c.cloud.teleconsult.relay.metrics().activeSessions === 1), {
    what: 'one instance holding the act',
  });
  // A: the owner (whichever won the call), B: the other.
  const a = at(0).cloud.teleconsult.relay.metrics().activeSessions === 1 ? 0 : 1;
  const b = 1 - a;
  const relayOf = (i: number) => at(i).cloud.teleconsult.relay;

  // The specialist's page on A joins; the cart's media come up.
  const page = await PageSocket.open(http(a), cookie);
  closing.push(() => page.close());
  await page.next((m) => m.type === 'waiting-room' && (m.sessions as Json[]).some((s) => s.sessionId === sid));
  page.send({ type: 'join', sessionId: sid });
  await cart.next('start', (m) => m.sessionId === sid);
  await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
  await page.next((m) => m.type === 'state' && m.state === 'connected');

  // A guest invited (through B: the store is shared), their link opened, their socket on B.
  const g = await openGuestLink(http(b), cookie, sid, 'Dr Petit, médecin traitant');
  const guest = await guestSocket(b, g);
  await guest.next((m) => m.type === 'waiting');
  expect(relayOf(b).relayedCounts()).toEqual({ out: 1, in: 0 });
  expect(relayOf(a).relayedCounts()).toEqual({ out: 0, in: 1 });

  // A's page lists them and admits them: A's room opens, the guest (on B) is told to offer and is answered by it.
  const list = await page.next(
    (m) =>
      m.type === 'participants' && m.sessionId === sid && (m.participants as Json[]).some((p) => p.name === 'Dr Petit, médecin traitant'),
  );
  const participantId = ((list.participants as Json[])[0] as Json).id;
  page.send({ type: 'admit', sessionId: sid, participantId });
  await guest.next((m) => m.type === 'admitted');
  await guest.next((m) => m.type === 'unit-ready');
  await cart.next('unit', (m) => m.sessionId === sid && m.signal.kind === 'ready');
  const gp = await peer();
  guest.send({ type: 'unit-offer', sdp: gp.offer });
  const answer = await guest.next((m) => m.type === 'unit-answer');
  expect(String(answer.sdp)).toMatch(/^v=0/);
  // A message the owner refuses comes back to the socket on B.
  guest.send({ type: 'join', sessionId: sid });
  expect((await guest.next((m) => m.type === 'error')).message).toMatch(/not accepted from a participant/);

  // Forged or malformed texts on A's channel: refused with a log line, nothing changes.
  const admin = new pg.Client({ connectionString: db });
  await admin.connect();
  closing.push(() => admin.end());
  const channel = `telecart_${relayOf(a).instanceId}`;
  const before = logs[a]?.length ?? 0;
  const notify = (payload: string) => admin.query('SELECT pg_notify($1, $2)', [channel, payload]);
  await notify('=not json');
  await notify(`=${JSON.stringify({ v: 1, from: 'relay-forged', kind: 'frame', pid: 'x', data: 7 })}`);
  await notify(
    `=${JSON.stringify({
      v: 1,
      from: 'relay-forged',
      kind: 'arrive',
      pid: 'p1',
      arrival: {
        sessionId: randomUUID(),
        gatewayId: CART,
        patientId: 'p-001',
        role: 'guest',
        name: 'Mallory',
        specialistId: null,
        from: '127.0.0.1',
      },
    })}`,
  );
  // The right act, another patient.
  await notify(
    `=${JSON.stringify({
      v: 1,
      from: 'relay-forged',
      kind: 'arrive',
      pid: 'p2',
      arrival: {
        sessionId: sid,
        gatewayId: CART,
        patientId: 'p-999',
        role: 'guest',
        name: 'Mallory',
        specialistId: null,
        from: '127.0.0.1',
      },
    })}`,
  );
  await notify(`=${JSON.stringify({ v: 1, from: 'relay-forged', kind: 'frame', pid: 'nobody', data: '{"type":"unit-ice"}' })}`);
  await notify('0123456789abcdef 0 1 AAAA');
  const refusals = () => (logs[a] ?? []).slice(before).filter((l) => l.includes('refused a relayed participant message'));
  await waitFor(() => refusals().length === 6, { what: 'six refusals logged' });
  expect(refusals().join('\n')).toMatch(
    /not JSON[\s\S]*schema[\s\S]*the act is not held here[\s\S]*not this act’s cart or patient[\s\S]*frame of an unknown participant[\s\S]*part 0 of 1/,
  );
  expect(relayOf(a).relayedCounts()).toEqual({ out: 0, in: 1 });
  expect(
    relayOf(a)
      .participants.of(sid)
      .map((e) => e.name),
  ).toEqual(['Dr Petit, médecin traitant']);

  // The specialist's page moves to B (a reload landing there): B takes the act over (hand-over); the guest's
  // socket, relayed to A, is closed by B and connects again: let in at once, in B's room.
  await page.close();
  const moved = await PageSocket.open(http(b), cookie);
  closing.push(() => moved.close());
  await moved.next((m) => m.type === 'waiting-room' && (m.sessions as Json[]).some((s) => s.sessionId === sid && s.rejoin === true));
  moved.send({ type: 'join', sessionId: sid });
  await moved.next((m) => m.type === 'joined' && m.sessionId === sid);
  expect(await guest.closed).toBe(1012);
  const back = await guestSocket(b, g);
  await back.next((m) => m.type === 'admitted');
  expect(back.got.some((m) => m.type === 'waiting')).toBe(false);
  await back.next((m) => m.type === 'unit-ready');
  const gp2 = await peer();
  back.send({ type: 'unit-offer', sdp: gp2.offer });
  await back.next((m) => m.type === 'unit-answer');
  expect(relayOf(b).relayedCounts()).toEqual({ out: 0, in: 0 });
  // The same guest's second device-tab on A now: relayed to B, let in at once.
  const onA = await guestSocket(a, g);
  await onA.next((m) => m.type === 'admitted');
  await waitFor(() => relayOf(b).relayedCounts().in === 1, { what: 'the socket on A relayed to B' });
  onA.ws.close();
  await waitFor(() => relayOf(b).relayedCounts().in === 0, { what: 'its leaving relayed' });

  // The instances' channel connections cut (a PostgreSQL restart, a network blip): the relayed socket is closed
  // to be placed again, the owner forgets it; once the channels are back, a new socket on A is relayed to B again.
  const again = await guestSocket(a, g);
  await again.next((m) => m.type === 'admitted');
  await waitFor(() => relayOf(b).relayedCounts().in === 1, { what: 'relayed to B' });
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [CHANNEL_APPLICATION]);
  expect(await again.closed).toBe(1012);
  await waitFor(() => relayOf(b).relayedCounts().in === 0, { what: 'B forgetting it' });
  await waitFor(
    async () => {
      const s = await guestSocket(a, g);
      const ok = await Promise.race([s.next((m) => m.type === 'admitted').then(() => true), s.closed.then(() => false)]);
      if (!ok) return false;
      return s;
    },
    { what: 'a socket on A relayed to B after the reconnection', timeoutMs: 20_000 },
  );
  expect(relayOf(b).relayedCounts().in).toBe(1);
});

/** A link opened on one instance, used through another (the balancer sends each request anywhere). */
const through = (i: number, l: Link): Link => ({ ...l, url: new URL(`${l.url.pathname}${l.url.search}`, http(i)) });

/** The act's audit lines, read through instance `i` (a running one) once every instance's writes are in. */
async function homeAudit(sid: string, i = 1): Promise<[string, string, string | null][]> {
  for (const c of clouds) await c.cloud.teleconsult.relay.flush().catch(() => undefined);
  return (await at(i).cloud.store.listAudit({ sessionId: sid, limit: 1000 })).map((e) => [e.action, e.actor, e.detail]);
}

/**
 * Dr Blanc's page on A (instance 0) and a home act of p-001 booked there for `minutes`, its patient's link
 * opened through B (instance 1) and their identity confirmed there.
 */
async function homeActSeenThroughB(minutes: number): Promise<{ a: number; b: number; blanc: string; page: PageSocket; l: Link }> {
  const [a, b] = [0, 1];
  const blanc = await login(http(a), 'dr-blanc', PASSWORDS['dr-blanc']);
  const page = await PageSocket.open(http(a), blanc);
  closing.push(() => page.close());
  const l = through(b, await openHomeAct(at(a), blanc, minutes, 'p-001'));
  await confirmIdentity(l, '1938-04-02');
  return { a, b, blanc, page, l };
}

/**
 * The home patient's socket on B while the act is followed by A: their first socket, placed on B (no
 * lease yet), is closed when A (the specialist's page) asks for the act; the next is relayed to A.
 */
async function patientRelayedToA(l: Link, a: number, b: number): Promise<ParticipantSocket> {
  const first = await guestSocket(b, l);
  await first.next((m) => m.type === 'waiting');
  expect(await first.closed).toBe(1012);
  await waitFor(() => at(a).cloud.teleconsult.relay.homeActs.has(l.id) || undefined, { what: 'A following the home act' });
  const p = await guestSocket(b, l);
  await p.next((m) => m.type === 'waiting' || m.type === 'admitted');
  return p;
}

it('a home act whose patient is on B and the specialist’s page on A: handed to A, relayed, admitted, talked, completed; forged texts refused; a guest removed through B audited by A', {
  timeout: 120_000,
}, async () => {
  const { a, b, blanc, page, l } = await homeActSeenThroughB(60);

  // (B may serve another socket relayed to A already: the first test's guest, when its act was B's.)
  const relayedFromB = at(b).cloud.teleconsult.relay.relayedCounts().out;
  const p = await patientRelayedToA(l, a, b);
  expect(at(b).cloud.teleconsult.relay.homeActs.has(l.id)).toBe(false);
  expect(at(b).cloud.teleconsult.relay.relayedCounts().out).toBe(relayedFromB + 1);
  const list = await page.next(
    (m) =>
      m.type === 'participants' &&
      m.sessionId === l.id &&
      (m.participants as Json[]).some((x) => x.name === 'Jeanne Martin' && x.state === 'waiting'),
  );
  const participantId = ((list.participants as Json[]).find((x) => x.state === 'waiting') as Json).id;
  page.send({ type: 'admit', sessionId: l.id, participantId });
  expect(await p.next((m) => m.type === 'admitted')).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });
  await page.next((m) => m.type === 'participant-admitted' && m.participantId === participantId);
  await waitFor(async () => ((await at(b).cloud.store.getTeleconsultation(l.id))?.status === 'in-progress' ? true : undefined), {
    what: 'the act in progress',
  });

  // The direct conversation: the patient's `ready` reaches A's page, its offer the patient on B, and the answer back.
  const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
  p.send({ type: 'signal', signal: { kind: 'ready' } });
  expect((await page.next((m) => m.type === 'participant-signal' && m.participantId === participantId)).signal).toEqual({ kind: 'ready' });
  page.send({ type: 'participant-signal', sessionId: l.id, participantId, signal: { kind: 'offer', pc: 'pc-1', sdp: SDP } });
  expect(await p.next((m) => m.type === 'signal')).toEqual({ type: 'signal', signal: { kind: 'offer', pc: 'pc-1', sdp: SDP } });
  p.send({ type: 'signal', signal: { kind: 'answer', pc: 'pc-1', sdp: SDP } });
  await page.next((m) => m.type === 'participant-signal' && (m.signal as Json).kind === 'answer');
  // Both pages decoded the other (the specialist's on A, the patient's relayed from B): the media are up.
  page.send({ type: 'home-media-up', sessionId: l.id });
  p.send({ type: 'media-up' });
  await waitFor(async () => ((await at(b).cloud.store.getTeleconsultation(l.id))?.connectedAt ? true : undefined), {
    what: 'the media up, both halves',
  });

  // Forged texts about the home act on A's channel: another patient's arrival refused; a `given` of an act A
  // does not hold refused; a `want` while A has the specialist's page changes nothing (A keeps the act).
  const admin = new pg.Client({ connectionString: db });
  await admin.connect();
  closing.push(() => admin.end());
  const channel = `telecart_${at(a).cloud.teleconsult.relay.instanceId}`;
  const notify = (m: Record<string, unknown>) => admin.query('SELECT pg_notify($1, $2)', [channel, `=${JSON.stringify(m)}`]);
  const before = logs[a]?.length ?? 0;
  const arrival = { sessionId: l.id, gatewayId: 'home-7', role: 'patient', name: 'Mallory', specialistId: 'dr-blanc', from: '127.0.0.1' };
  await notify({ v: 1, from: 'relay-forged', kind: 'arrive', pid: 'h1', arrival: { ...arrival, patientId: 'p-999' } });
  // (The `want` before the `given`: handled in order, so once the `given` is refused the `want` was seen.)
  await notify({ v: 1, from: 'relay-forged', kind: 'want', sessionId: l.id });
  await notify({ v: 1, from: 'relay-forged', kind: 'given', sessionId: randomUUID() });
  const refusals = () => (logs[a] ?? []).slice(before).filter((x) => x.includes('refused a relayed participant message'));
  await waitFor(() => refusals().length === 2 || undefined, { what: 'two refusals logged' });
  expect(refusals().join('\n')).toMatch(/not this act’s cart or patient[\s\S]*a home act given but whose lease is not held here/);
  expect(await at(b).cloud.store.actLeases.get(l.id)).toMatchObject({ owner: at(a).cloud.teleconsult.relay.instanceId });
  expect(
    at(a)
      .cloud.teleconsult.relay.participants.of(l.id)
      .map((e) => e.name),
  ).toEqual(['Jeanne Martin']);

  // A guest of the home act, their socket on B (relayed to A), removed through B: A closes it and says so.
  const g = await openGuestLink(http(b), blanc, l.id, 'Paul, petit-fils');
  const guest = await guestSocket(b, g);
  await guest.next((m) => m.type === 'waiting');
  const removed = await fetch(`${http(b)}/api/teleconsult/acts/${l.id}/guests/${g.id}`, { method: 'DELETE', headers: { cookie: blanc } });
  expect(removed.status).toBe(200);
  expect(await guest.next((m) => m.type === 'removed')).toEqual({ type: 'removed', by: 'Dr Marc Blanc' });
  expect(await guest.closed).toBe(1000);
  await waitFor(async () => (await homeAudit(l.id)).some(([action]) => action === 'guest-removed') || undefined, {
    what: 'the removal audited',
  });
  expect((await homeAudit(l.id)).filter(([action]) => action === 'guest-removed')).toEqual([
    ['guest-removed', 'dr-blanc', expect.stringMatching(/^Paul, petit-fils \(link [0-9a-f]{12}…; 1 connection\(s\) closed\)$/)],
  ]);

  // The specialist's « Raccrocher » on A: completed, the patient on B told and closed.
  page.send({ type: 'hangup', sessionId: l.id });
  expect(await p.next((m) => m.type === 'ended')).toEqual({ type: 'ended', status: 'completed' });
  expect(await p.closed).toBe(1000);
  await waitFor(async () => ((await at(b).cloud.store.getTeleconsultation(l.id))?.status === 'completed' ? true : undefined), {
    what: 'the act completed',
  });
  // Released in A's write queue, behind the act's row.
  await at(a).cloud.teleconsult.relay.flush();
  expect(await at(b).cloud.store.actLeases.get(l.id)).toBeNull();
  const moves = (await homeAudit(l.id)).filter(([action]) => ['waiting', 'hand-over', 'join', 'connected', 'end'].includes(action));
  expect(moves).toEqual([
    ['waiting', 'link:patient', 'home act → waiting'],
    ['hand-over', 'cloud', 'home act restored waiting after the hand-over; its participants are placed again here'],
    ['join', 'dr-blanc', 'home act → in-progress'],
    ['connected', expect.stringMatching(/^(dr-blanc|link:patient)$/), expect.stringMatching(/^home act: media flowed both ways /)],
    ['end', 'dr-blanc', 'home act → completed (hangup-specialist)'],
  ]);
  await page.close();
});

it('a home act in progress: the page moving to B takes the act there (the patient placed again, let in at once); B stopped: A takes it over', {
  timeout: 120_000,
}, async () => {
  const { a, b, blanc, page, l } = await homeActSeenThroughB(90);
  const p = await patientRelayedToA(l, a, b);
  const list = await page.next(
    (m) => m.type === 'participants' && m.sessionId === l.id && (m.participants as Json[]).some((x) => x.state === 'waiting'),
  );
  page.send({ type: 'admit', sessionId: l.id, participantId: ((list.participants as Json[])[0] as Json).id });
  await p.next((m) => m.type === 'admitted');
  await waitFor(async () => ((await at(b).cloud.store.getTeleconsultation(l.id))?.status === 'in-progress' ? true : undefined), {
    what: 'the act in progress',
  });

  // The page reloads and lands on B: B asks A for the act, A hands it over; the patient's socket (on B,
  // relayed to A) is closed to be placed again; their next one lands on A, is relayed to B and let in at once.
  await page.close();
  const onB = await PageSocket.open(http(b), blanc);
  closing.push(() => onB.close());
  expect(await p.closed).toBe(1012);
  await waitFor(() => at(b).cloud.teleconsult.relay.homeActs.has(l.id) || undefined, { what: 'B following the act' });
  expect(at(a).cloud.teleconsult.relay.homeActs.has(l.id)).toBe(false);
  // (A may serve another socket relayed to B already: the first test's guest, when its act was B's.)
  const relayedFromA = at(a).cloud.teleconsult.relay.relayedCounts().out;
  const p2 = await guestSocket(a, l);
  expect(await p2.next((m) => m.type === 'admitted')).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });
  expect(at(a).cloud.teleconsult.relay.relayedCounts().out).toBe(relayedFromA + 1);
  // Its page says `ready` as soon as it is let in (its camera open), whether or not B has given it to the
  // specialist's page yet: the `ready` reaches B's page, which was told of this admission first.
  p2.send({ type: 'signal', signal: { kind: 'ready' } });
  const ready = await onB.next((m) => m.type === 'participant-signal' && (m.signal as Json).kind === 'ready');
  const told = onB.received.findIndex((m) => m.type === 'participant-admitted' && m.participantId === ready.participantId);
  expect(told).toBeGreaterThanOrEqual(0);
  expect(told).toBeLessThan(onB.received.indexOf(ready));
  // Only this socket's admission: the former one was not given to a stand-in of B's page during the hand-over.
  expect(onB.received.filter((m) => m.type === 'participant-admitted').map((m) => m.participantId)).toEqual([ready.participantId]);
  expect(p2.got.filter((m) => m.type === 'error' || m.type === 'specialist-back')).toEqual([]);

  // B stops (its leases released): A takes the act back from the store and closes the socket it relayed to B.
  await at(b).stop();
  expect(await p2.closed).toBe(1012);
  await waitFor(() => at(a).cloud.teleconsult.relay.homeActs.has(l.id) || undefined, { what: 'A following the act' });
  const back = await guestSocket(a, l);
  expect(await back.next((m) => m.type === 'admitted')).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });
  // The specialist's page, back on A, takes the conversation back.
  const again = await PageSocket.open(http(a), blanc);
  closing.push(() => again.close());
  await again.next((m) => m.type === 'participant-admitted' && m.sessionId === l.id);
  await back.next((m) => m.type === 'specialist-back');
  expect((await at(a).cloud.store.getTeleconsultation(l.id))?.status).toBe('in-progress');
  expect(await at(a).cloud.store.actLeases.get(l.id)).toMatchObject({ owner: at(a).cloud.teleconsult.relay.instanceId });
  const moved = (await homeAudit(l.id, a)).filter(([action]) => action === 'restart' || action === 'hand-over');
  expect(moved).toEqual([
    ['hand-over', 'cloud', 'home act restored waiting after the hand-over; its participants are placed again here'],
    ['hand-over', 'cloud', 'home act restored in-progress after the hand-over; its participants are placed again here'],
    ['restart', 'cloud', 'home act restored in-progress after its instance’s lease lapsed; its participants are placed again here'],
  ]);
});
