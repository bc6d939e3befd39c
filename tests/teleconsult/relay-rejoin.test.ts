/**
 * A specialist's page going away during an act (reload, dropped WebSocket), through the real relay
 * (embedded broker, SQLite, WebSockets as a page opens them, a cart on a real MQTT client):
 * the act waits `reconnecting`, only the same login may rejoin (a fresh `start` to the cart), the
 * old peer's last states do not end it, and without a rejoin in time it ends as `specialist-lost`;
 * with no grace configured it ends at once, as before (`specialist-disconnected`).
 */
import { randomUUID } from 'node:crypto';
import { hashPassword } from '@telecart/cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type ConsultCloud, type Json, login, PageSocket, startConsultCloud, TestCart } from './support.js';

const ROUX = { id: 'dr-roux', password: 'cardio-2026!' };
const VERT = { id: 'dr-vert', password: 'pneumo-2026!' };

async function cloudWithGrace(rejoinGraceSeconds: number): Promise<ConsultCloud> {
  return startConsultCloud({
    teleconsult: {
      rejoinGraceSeconds,
      connectTimeoutSeconds: 30,
      specialists: [
        { id: ROUX.id, name: 'Dr Anne Roux', passwordHash: await hashPassword(ROUX.password, 10), gateways: ['cart-*'] },
        { id: VERT.id, name: 'Dr Paul Vert', passwordHash: await hashPassword(VERT.password, 10), gateways: ['cart-*'] },
      ],
    },
  });
}

interface RoomEntry {
  sessionId: string;
  status: string;
  specialistLink: string | null;
  rejoin: boolean;
}

/** The act as the page's last waiting room shows it. */
function entry(page: PageSocket, sessionId: string): RoomEntry | undefined {
  const last = [...page.received].reverse().find((m) => m.type === 'waiting-room') as (Json & { sessions: RoomEntry[] }) | undefined;
  return last?.sessions.find((s) => s.sessionId === sessionId);
}

/** Call, join from a page, media up: an act in progress with its page. */
async function connectedAct(c: ConsultCloud, cart: TestCart, cookie: string): Promise<{ sid: string; page: PageSocket }> {
  const url = c.cloud.httpUrl;
  const page = await PageSocket.open(url, cookie);
  const sid = randomUUID();
  await cart.call(sid);
  await waitFor(() => entry(page, sid)?.status === 'waiting', { what: 'the call in the waiting room' });
  page.send({ type: 'join', sessionId: sid });
  await cart.next('start', (m) => m.sessionId === sid);
  await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
  await page.next((m) => m.type === 'state' && m.state === 'connected');
  return { sid, page };
}

describe('a specialist rejoining after the page went away', () => {
  let c: ConsultCloud;
  let cart: TestCart;
  let url: string;

  beforeAll(async () => {
    c = await cloudWithGrace(60);
    url = c.cloud.httpUrl;
    cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
  });
  afterAll(async () => {
    await cart?.close();
    await c?.stop();
  });

  it('waits reconnecting; another specialist is refused; the same login rejoins with a fresh start; the old peer’s end is ignored', async () => {
    const roux = await login(url, ROUX.id, ROUX.password);
    const { sid, page } = await connectedAct(c, cart, roux);
    const vert = await PageSocket.open(url, await login(url, VERT.id, VERT.password));

    await page.close(); // the reload
    await cart.next('session', (m) => m.sessionId === sid && m.status === 'in-progress' && m.specialistLink === 'reconnecting');
    await waitFor(() => entry(vert, sid)?.specialistLink === 'reconnecting', { what: 'the other specialist seeing it reconnecting' });
    expect(entry(vert, sid)?.rejoin).toBe(false);
    expect(c.cloud.teleconsult.relay.metrics()).toMatchObject({ reconnecting: 1, pagesLost: 1 });

    // The cart's peer towards the vanished page fails: the act waits all the same.
    await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'failed' });
    // Another specialist allowed on the cart cannot take the act over.
    vert.send({ type: 'join', sessionId: sid });
    expect(await vert.next((m) => m.type === 'error')).toMatchObject({ message: expect.stringMatching(/in-progress \(Dr Anne Roux\)/) });

    // The same login, from the reloaded page: offered "rejoin", and joining starts the cart afresh.
    const back = await PageSocket.open(url, roux);
    await waitFor(() => entry(back, sid)?.rejoin === true, { what: 'the rejoin offered' });
    back.send({ type: 'join', sessionId: sid });
    await back.next((m) => m.type === 'joined' && m.sessionId === sid);
    await waitFor(() => cart.down.filter((m) => m.type === 'start' && m.sessionId === sid).length === 2, { what: 'a second start' });
    await waitFor(() => cart.lastSession(sid)?.specialistLink === 'present', {
      what: 'the cart told the specialist is back',
    });
    expect(c.cloud.teleconsult.relay.metrics()).toMatchObject({ reconnecting: 0, rejoins: 1 });

    // The old peer's 'closed' may still come before the new one speaks: it ends nothing.
    await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'closed' });
    await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connecting' });
    await cart.send({ v: 1, type: 'offer', sessionId: sid, sdp: 'v=0 fresh offer' });
    expect(await back.next((m) => m.type === 'offer')).toMatchObject({ sdp: 'v=0 fresh offer' });
    back.send({ type: 'answer', sessionId: sid, sdp: 'v=0 fresh answer' });
    await cart.next('answer', (m) => m.sdp === 'v=0 fresh answer');
    await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
    await back.next((m) => m.type === 'state' && m.state === 'connected');
    // Only 'connecting' and 'connected' reached the new page: the stale 'closed' was dropped.
    expect(back.received.filter((m) => m.type === 'state').map((m) => m.state)).toEqual(['connecting', 'connected']);

    back.send({ type: 'hangup', sessionId: sid });
    await cart.status(sid, 'completed');
    await c.cloud.teleconsult.relay.flush();
    const rec = await c.cloud.store.getTeleconsultation(sid);
    expect(rec).toMatchObject({ status: 'completed', outcome: 'hangup-specialist', specialistId: ROUX.id });
    const trail = (await c.cloud.store.listAudit({ sessionId: sid })).map((e) => `${e.actor}:${e.action}`);
    expect(trail).toEqual([
      'cart-1:call',
      'cart-1:consent',
      'dr-roux:join',
      'cart-1:connected',
      'dr-roux:disconnected',
      'dr-vert:join-refused',
      'dr-roux:rejoin',
      'cart-1:reconnected',
      'dr-roux:end',
    ]);
    await Promise.all([vert.close(), back.close()]);
  });

  it('a hang-up from the page still ends the act at once; nobody may rejoin a finished act', async () => {
    const roux = await login(url, ROUX.id, ROUX.password);
    const { sid, page } = await connectedAct(c, cart, roux);
    page.send({ type: 'hangup', sessionId: sid });
    await cart.status(sid, 'completed');
    await page.close();
    const again = await PageSocket.open(url, roux);
    again.send({ type: 'join', sessionId: sid });
    expect(await again.next((m) => m.type === 'error')).toMatchObject({ message: `no active session ${sid}` });
    await again.close();
  });
});

describe('nobody rejoining in time', () => {
  let c: ConsultCloud;
  let cart: TestCart;

  beforeAll(async () => {
    c = await cloudWithGrace(0.3);
    cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-2');
  });
  afterAll(async () => {
    await cart?.close();
    await c?.stop();
  });

  it('ends the act as specialist-lost, stops the cart, and dates the end when the page went away', async () => {
    const url = c.cloud.httpUrl;
    const roux = await login(url, ROUX.id, ROUX.password);
    const { sid, page } = await connectedAct(c, cart, roux);
    await page.close();
    await cart.next('session', (m) => m.sessionId === sid && m.specialistLink === 'reconnecting');
    await cart.status(sid, 'completed');
    expect(await cart.next('hangup', (m) => m.sessionId === sid)).toMatchObject({ reason: 'specialist-lost' });
    await c.cloud.teleconsult.relay.flush();
    const rec = await c.cloud.store.getTeleconsultation(sid);
    expect(rec).toMatchObject({ status: 'completed', outcome: 'specialist-lost' });
    const events = await c.cloud.store.listAudit({ sessionId: sid });
    expect(events.map((e) => `${e.actor}:${e.action}`)).toEqual([
      'cart-2:call',
      'cart-2:consent',
      'dr-roux:join',
      'cart-2:connected',
      'dr-roux:disconnected',
      'cloud:end',
    ]);
    const lost = events.find((e) => e.action === 'disconnected');
    expect(rec?.endedAt).toBe(lost?.at);
    expect(rec?.durationMs).toBe(Date.parse(rec?.endedAt ?? '') - Date.parse(rec?.connectedAt ?? ''));
    expect(c.cloud.teleconsult.relay.metrics()).toMatchObject({ specialistsLost: 1, reconnecting: 0 });

    // Too late: the act is over.
    const late = await PageSocket.open(url, roux);
    late.send({ type: 'join', sessionId: sid });
    expect(await late.next((m) => m.type === 'error')).toMatchObject({ message: `no active session ${sid}` });
    await late.close();
  });
});

describe('no grace period configured (rejoinGraceSeconds: 0)', () => {
  it('the page going away ends the act at once, as specialist-disconnected', async () => {
    const c = await cloudWithGrace(0);
    const cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-3');
    try {
      const { sid, page } = await connectedAct(c, cart, await login(c.cloud.httpUrl, ROUX.id, ROUX.password));
      await page.close();
      await cart.status(sid, 'completed');
      expect(await cart.next('hangup', (m) => m.sessionId === sid)).toMatchObject({ reason: 'specialist-disconnected' });
      expect(cart.down.some((m) => m.type === 'session' && m.specialistLink === 'reconnecting')).toBe(false);
    } finally {
      await cart.close();
      await c.stop();
    }
  });
});
