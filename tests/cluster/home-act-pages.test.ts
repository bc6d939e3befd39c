/**
 * A home act's specialist and patient on two cloud instances, with no lease tick to help (issue 12;
 * docs/teleconsultation.md, « A home act: one owner too »): two in-process clouds on one PostgreSQL and
 * one Mosquitto whose lease tick (leaseSeconds/3) is 200 s, far beyond the test, so whatever happens
 * here happens on the instances' channel at once.
 * - the patient enters the waiting room on B while the specialist's page is on A: B says so to every
 *   instance, A asks for the act and B hands it over at once (the patient's socket closed, 1012); their
 *   next socket is relayed to A and listed on A's page (before: at A's next lease tick);
 * - two pages of one specialist, one on each instance, the patient on B: B keeps the act (its page) and
 *   stands for A's page; both pages list the patient; A's page admits them, talks with them (the ready,
 *   the offer, the answer), says the media came up, refuses a guest and hangs up, each through B, which
 *   decides and audits once;
 * - the specialist's page says it decoded the patient on A, then moves to B: A hands the act over; the
 *   patient's page, placed again with B, says it decoded the specialist: the media are up (the first
 *   half was kept in the store, not asked again);
 * - A's page, stood for by B, closes while the instances lost touch (their channel connections cut, no
 *   new connection to the database for a moment), so A's word that it closed is lost: the patient's next
 *   signal to it reaches A, which finds no such page and says so (`page-gone`); B lets the stand-in go and
 *   tells the patient the specialist is not connected (audited); her `ready` is kept for the page that
 *   takes her next (before: her signals went to A and were dropped there, without a word, until B's
 *   stand-in expired three lease ticks later).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHANNEL_APPLICATION } from '../../cloud/src/store/pg-instance-channel.js';
import { waitFor } from '../support/wait.js';
import {
  confirmIdentity,
  type Link,
  openGuestLink,
  openHomeAct,
  type ParticipantSocket,
  participantSocket,
} from '../teleconsult/participant-support.js';
import { type ConsultCloud, type Json, login, PASSWORDS, PageSocket } from '../teleconsult/support.js';
import { startTwoConsultClouds, type TwoConsultClouds } from './two-consult-clouds.js';

let two: TwoConsultClouds | undefined;
const clouds: ConsultCloud[] = [];
const closing: (() => unknown)[] = [];
const [A, B] = [0, 1];
/** What each cloud logged (JSON lines), A's first. */
const logs: string[][] = [[], []];

beforeAll(async () => {
  two = await startTwoConsultClouds({
    dbName: `home_pages_${randomUUID().slice(0, 8)}`,
    logs,
    teleconsult: { leaseSeconds: 600, rejoinGraceSeconds: 120, forwardingUnit: { hostAddresses: ['127.0.0.1'] } },
  });
  clouds.push(...two.clouds);
}, 120_000);

afterAll(async () => {
  for (const f of closing.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
  await two?.stop();
}, 60_000);

const at = (i: number) => clouds[i] as ConsultCloud;
const http = (i: number) => at(i).cloud.httpUrl;
const relay = (i: number) => at(i).cloud.teleconsult.relay;
/** A link opened on one instance, used through another (the balancer sends each request anywhere). */
const through = (i: number, l: Link): Link => ({ ...l, url: new URL(`${l.url.pathname}${l.url.search}`, http(i)) });

async function socket(i: number, l: { url: URL; cookie: string }): Promise<ParticipantSocket> {
  const s = await participantSocket(http(i), l.url, l.cookie);
  if (typeof s === 'number') throw new Error(`participant socket refused: ${s}`);
  closing.push(() => s.ws.close());
  return s;
}

async function page(i: number, cookie: string): Promise<PageSocket> {
  const p = await PageSocket.open(http(i), cookie);
  closing.push(() => p.close());
  return p;
}

async function audit(sid: string): Promise<[string, string, string | null][]> {
  for (const c of clouds) await c.cloud.teleconsult.relay.flush();
  return (await at(A).cloud.store.listAudit({ sessionId: sid, limit: 1000 })).map((e) => [e.action, e.actor, e.detail]);
}

const lists = (p: PageSocket, sid: string, name: string, state: string) =>
  p.next(
    (m) => m.type === 'participants' && m.sessionId === sid && (m.participants as Json[]).some((x) => x.name === name && x.state === state),
  );

it('a patient waiting on B, the page on A: the act goes to A at once, not at a lease tick', { timeout: 60_000 }, async () => {
  const blanc = await login(http(A), 'dr-blanc', PASSWORDS['dr-blanc']);
  const onA = await page(A, blanc);
  const l = through(B, await openHomeAct(at(A), blanc, 60, 'p-001'));
  await confirmIdentity(l, '1938-04-02');

  const first = await socket(B, l);
  await first.next((m) => m.type === 'waiting');
  // B took the act as the patient entered, said so to all; A, with the page, asked for it; B handed it over.
  expect(await first.closed).toBe(1012);
  await waitFor(() => relay(A).homeActs.has(l.id) || undefined, { what: 'A following the act' });
  const again = await socket(B, l);
  await again.next((m) => m.type === 'waiting');
  await lists(onA, l.id, 'Jeanne Martin', 'waiting');
  expect(relay(B).homeActs.has(l.id)).toBe(false);
  again.ws.close();
  await onA.close();
});

it('two pages of one specialist on A and B, the patient on B: A’s page lists, admits, talks, refuses a guest and hangs up through B', {
  timeout: 90_000,
}, async () => {
  const blanc = await login(http(A), 'dr-blanc', PASSWORDS['dr-blanc']);
  const onA = await page(A, blanc);
  const onB = await page(B, blanc);
  const l = through(B, await openHomeAct(at(A), blanc, 90, 'p-001'));
  await confirmIdentity(l, '1938-04-02');

  // B takes the act (the patient's socket there) and keeps it: its own page is the specialist's.
  const p = await socket(B, l);
  await p.next((m) => m.type === 'waiting');
  await waitFor(() => relay(B).homeActs.has(l.id) || undefined, { what: 'B following the act' });
  // Both pages list her: B's as its own, A's stood for by B.
  await lists(onB, l.id, 'Jeanne Martin', 'waiting');
  const list = await lists(onA, l.id, 'Jeanne Martin', 'waiting');
  expect(relay(A).homeActs.has(l.id)).toBe(false);
  const participantId = ((list.participants as Json[]).find((x) => x.state === 'waiting') as Json).id;

  // A's page admits her: B decides, the patient is told, A's page gets the act's ICE servers and is the one she talks with.
  onA.send({ type: 'admit', sessionId: l.id, participantId });
  expect(await p.next((m) => m.type === 'admitted')).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });
  await onA.next((m) => m.type === 'participant-admitted' && m.participantId === participantId);
  await lists(onB, l.id, 'Jeanne Martin', 'admitted');
  const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
  p.send({ type: 'signal', signal: { kind: 'ready' } });
  expect((await onA.next((m) => m.type === 'participant-signal')).signal).toEqual({ kind: 'ready' });
  onA.send({ type: 'participant-signal', sessionId: l.id, participantId, signal: { kind: 'offer', pc: 'pc-1', sdp: SDP } });
  expect(await p.next((m) => m.type === 'signal')).toEqual({ type: 'signal', signal: { kind: 'offer', pc: 'pc-1', sdp: SDP } });
  p.send({ type: 'signal', signal: { kind: 'answer', pc: 'pc-1', sdp: SDP } });
  await onA.next((m) => m.type === 'participant-signal' && (m.signal as Json).kind === 'answer');
  expect(onB.received.some((m) => m.type === 'participant-signal')).toBe(false);
  onA.send({ type: 'home-media-up', sessionId: l.id });
  p.send({ type: 'media-up' });
  await waitFor(async () => ((await at(A).cloud.store.getTeleconsultation(l.id))?.connectedAt ? true : undefined), {
    what: 'the media up, both halves',
  });

  // A guest whose socket is on A (relayed to B, the owner): both pages list them, A's page refuses them.
  const g = await openGuestLink(http(A), blanc, l.id, 'Paul, petit-fils');
  const guest = await socket(A, g);
  await guest.next((m) => m.type === 'waiting');
  await lists(onB, l.id, 'Paul, petit-fils', 'waiting');
  const withGuest = await lists(onA, l.id, 'Paul, petit-fils', 'waiting');
  onA.send({
    type: 'refuse',
    sessionId: l.id,
    participantId: ((withGuest.participants as Json[]).find((x) => x.name === 'Paul, petit-fils') as Json).id,
  });
  expect(await guest.next((m) => m.type === 'refused')).toEqual({ type: 'refused', by: 'Dr Marc Blanc' });

  // « Raccrocher » on A's page: B completes the act, the patient is told.
  onA.send({ type: 'hangup', sessionId: l.id });
  expect(await p.next((m) => m.type === 'ended')).toEqual({ type: 'ended', status: 'completed' });
  await waitFor(async () => ((await at(A).cloud.store.getTeleconsultation(l.id))?.status === 'completed' ? true : undefined), {
    what: 'the act completed',
  });
  // Each decision audited once, by the owner.
  const lines = (await audit(l.id)).filter(([action]) =>
    ['waiting', 'hand-over', 'join', 'participant-admitted', 'participant-refused', 'connected', 'end'].includes(action),
  );
  expect(lines).toEqual([
    ['waiting', 'link:patient', 'home act → waiting'],
    ['participant-admitted', 'dr-blanc', expect.any(String)],
    ['join', 'dr-blanc', 'home act → in-progress'],
    ['connected', expect.stringMatching(/^(dr-blanc|link:patient)$/), expect.stringMatching(/^home act: media flowed both ways /)],
    ['participant-refused', 'dr-blanc', expect.any(String)],
    ['end', 'dr-blanc', 'home act → completed (hangup-specialist)'],
  ]);
  await onA.close();
  await onB.close();
});

it('a home act handed over after the specialist’s half of the media up: the patient’s half alone completes it (the half kept in the store)', {
  timeout: 90_000,
}, async () => {
  const blanc = await login(http(A), 'dr-blanc', PASSWORDS['dr-blanc']);
  const onA = await page(A, blanc);
  const l = through(B, await openHomeAct(at(A), blanc, 150, 'p-001'));
  await confirmIdentity(l, '1938-04-02');
  const first = await socket(B, l);
  expect(await first.closed).toBe(1012);
  await waitFor(() => relay(A).homeActs.has(l.id) || undefined, { what: 'A following the act' });
  const p = await socket(B, l);
  const list = await lists(onA, l.id, 'Jeanne Martin', 'waiting');
  onA.send({ type: 'admit', sessionId: l.id, participantId: ((list.participants as Json[])[0] as Json).id });
  await p.next((m) => m.type === 'admitted');
  // A's page decoded the patient; the patient's page has not said so yet.
  onA.send({ type: 'home-media-up', sessionId: l.id });
  await waitFor(
    async () => (await audit(l.id)).some(([action, actor]) => action === 'media-received' && actor === 'dr-blanc') || undefined,
    {
      what: 'the specialist’s half',
    },
  );

  // The page moves to B: A hands the act over (from the store); the patient's socket is placed again, with B.
  await onA.close();
  await waitFor(() => relay(A).metrics().openPages === 0 || undefined, { what: 'A without a page' });
  const onB = await page(B, blanc);
  expect(await p.closed).toBe(1012);
  await waitFor(() => relay(B).homeActs.has(l.id) || undefined, { what: 'B following the act' });
  const back = await socket(B, l);
  await back.next((m) => m.type === 'admitted');
  // The patient's page decodes the specialist: with the half A kept, the media are up (B's page need not say it again).
  back.send({ type: 'media-up' });
  const rec = await waitFor(
    async () => {
      const r = await at(B).cloud.store.getTeleconsultation(l.id);
      return r?.connectedAt ? r : undefined;
    },
    { what: 'the media up after the hand-over' },
  );
  expect(rec.status).toBe('in-progress');
  expect((await audit(l.id)).filter(([action]) => action === 'media-received').map(([, actor]) => actor)).toEqual([
    'dr-blanc',
    'link:patient',
  ]);
  await onB.close();
});

it('a page closed on A while the instances lost touch: the patient’s next signal to it is answered, her ready kept for the next page', {
  timeout: 90_000,
}, async () => {
  const blanc = await login(http(A), 'dr-blanc', PASSWORDS['dr-blanc']);
  const onA = await page(A, blanc);
  const onB = await page(B, blanc);
  const l = through(B, await openHomeAct(at(A), blanc, 210, 'p-001'));
  await confirmIdentity(l, '1938-04-02');
  // B takes the act (the patient's socket there), keeps it for its own page and stands for A's.
  const p = await socket(B, l);
  await p.next((m) => m.type === 'waiting');
  await waitFor(() => relay(B).homeActs.has(l.id) || undefined, { what: 'B following the act' });
  const list = await lists(onA, l.id, 'Jeanne Martin', 'waiting');
  const participantId = ((list.participants as Json[]).find((x) => x.state === 'waiting') as Json).id;
  onA.send({ type: 'admit', sessionId: l.id, participantId });
  await p.next((m) => m.type === 'admitted');
  await onA.next((m) => m.type === 'participant-admitted' && m.participantId === participantId);
  p.send({ type: 'signal', signal: { kind: 'ready' } });
  await onA.next((m) => m.type === 'participant-signal');

  // The instances lose touch while A's page closes: A's `pages` update cannot be sent, B still stands for the page.
  const server = new URL(two?.db ?? '');
  const dbName = server.pathname.slice(1);
  server.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  closing.push(() => admin.end());
  const mark = logs[A]?.length ?? 0;
  await admin.query(`ALTER DATABASE ${dbName} WITH ALLOW_CONNECTIONS false`);
  try {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [CHANNEL_APPLICATION]);
    await onA.close();
    await waitFor(
      () => logs[A]?.slice(mark).some((line) => line.includes('could not be sent') && line.includes('"kind":"pages"')) || undefined,
      {
        what: 'A’s word that its page closed, lost',
      },
    );
  } finally {
    await admin.query(`ALTER DATABASE ${dbName} WITH ALLOW_CONNECTIONS true`);
  }
  await waitFor(
    async () => {
      const r = await admin.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = $2 AND state = 'idle'
           AND (query LIKE 'LISTEN%instances%' OR query LIKE '%pg_notify%')`,
        [CHANNEL_APPLICATION, dbName],
      );
      return (r.rows[0] as { n: number }).n === 2 || undefined;
    },
    { what: 'both channels listening again', timeoutMs: 20_000 },
  );

  // Her answer goes to A's page as B knows it: A has no such page and says so; B tells her, and lets the stand-in go.
  const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
  p.send({ type: 'signal', signal: { kind: 'answer', pc: 'pc-1', sdp: SDP } });
  const told = await waitFor(() => p.got.find((m) => m.type === 'error'), { what: 'the patient told her signal found no page' });
  expect(told).toEqual({ type: 'error', message: 'the specialist is not connected' });
  // Her `ready` now finds no page: kept, and given to the page of her specialist that opens next (on A: stood for by B).
  p.send({ type: 'signal', signal: { kind: 'ready' } });
  const again = await page(A, blanc);
  await again.next((m) => m.type === 'participant-admitted' && m.participantId === participantId);
  expect((await again.next((m) => m.type === 'participant-signal')).signal).toEqual({ kind: 'ready' });
  expect(onB.received.some((m) => m.type === 'participant-signal')).toBe(false);
  expect((await audit(l.id)).filter(([action]) => action === 'participant-signal-refused')).toEqual([
    ['participant-signal-refused', expect.any(String), "answer: the specialist's page was gone"],
  ]);
  await again.close();
  await onB.close();
});
