/**
 * The signaling relay end to end without a browser: a real cloud (embedded broker, SQLite), a cart
 * as a real MQTT client on rtc/up|down, specialists logged in over HTTP with their WebSocket.
 * Covers the call → waiting room → join → start → offer/answer/ICE relay → hang-up flow, the
 * statuses sent to the cart, the access rules, the timeouts, bad messages at both edges, the audit.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type ConsultCloud, login, PASSWORDS, PageSocket, room, startConsultCloud, TestCart } from './support.js';

let c: ConsultCloud;
let cart: TestCart;
let url: string;
let roux: string;
// The login throttle's clock: moved by the test, so a slow machine cannot outlast a block by itself.
let throttleNow = Date.now();

beforeAll(async () => {
  c = await startConsultCloud({
    teleconsult: { waitingTimeoutMinutes: 0.01, connectTimeoutSeconds: 0.5 },
    throttleClock: () => throttleNow,
  });
  url = c.cloud.httpUrl;
  cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
  roux = await login(url, 'dr-roux', PASSWORDS['dr-roux']);
});
afterAll(async () => {
  await cart?.close();
  await c?.stop();
});

describe('login', () => {
  it('sets an HttpOnly SameSite=Strict cookie; wrong passwords are refused, then throttled; everything is audited', async () => {
    const r = await fetch(`${url}/api/specialist/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'dr-blanc', password: PASSWORDS['dr-blanc'] }),
    });
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^telecart_consult=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(await r.json()).toMatchObject({ specialist: { id: 'dr-blanc', name: 'Dr Marc Blanc', audit: false, role: 'specialist' } });

    const me = await fetch(`${url}/api/specialist/me`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(((await me.json()) as { specialist: { id: string } }).specialist.id).toBe('dr-blanc');
    expect((await fetch(`${url}/api/specialist/me`)).status).toBe(401);
    expect((await fetch(`${url}/api/specialist/me`, { headers: { cookie: 'telecart_consult=forged' } })).status).toBe(401);

    // An unknown id is answered exactly as a wrong password, and locked out the same way.
    const bad = () =>
      fetch(`${url}/api/specialist/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"id":"dr-ghost","password":"guess"}',
      });
    for (let i = 0; i < 5; i++) expect((await bad()).status).toBe(401);
    const refused = await bad();
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    // A form post (no JSON) gets nothing either.
    expect((await fetch(`${url}/api/specialist/login`, { method: 'POST', body: 'id=dr-blanc&password=x' })).status).toBeGreaterThanOrEqual(
      400,
    );
    await c.cloud.teleconsult.relay.flush();
    const actions = (await c.cloud.store.listAudit({ actor: 'dr-ghost' })).map((e) => e.action);
    // One line when the block starts; the refusals during it are logged, not audited.
    expect(actions).toEqual(['login-failed', 'login-failed', 'login-failed', 'login-failed', 'login-failed', 'login-throttled']);
    expect((await c.cloud.store.listAudit({ actor: 'dr-blanc' })).map((e) => e.action)).toEqual(['login']);
    // The block ends after Retry-After; a right password then clears this address for the tests below.
    throttleNow += wait * 1000;
    await login(url, 'dr-blanc', PASSWORDS['dr-blanc']);
  });

  it('refuses the WebSocket without a login or from another origin', async () => {
    await expect(PageSocket.open(url, '')).rejects.toThrow(/401/);
    await expect(PageSocket.open(url, roux, 'http://evil.example')).rejects.toThrow(/403/);
  });
});

describe('the act', () => {
  it('call → waiting room (names from the patient list) → join → start → relay both ways → connected → hang-up: completed', async () => {
    const page = await PageSocket.open(url, roux);
    const sid = randomUUID();
    await cart.call(sid, 'p-001', { reason: 'dyspnée', specialistId: 'dr-roux' });
    await cart.status(sid, 'waiting');
    const listed = await page.next((m) => m.type === 'waiting-room' && JSON.stringify(m).includes('"family":"Martin"'));
    const s = (listed.sessions as { sessionId: string; patient: Record<string, unknown>; forYou: boolean; reason: string }[]).find(
      (x) => x.sessionId === sid,
    );
    expect(s).toMatchObject({
      patient: { id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02' },
      forYou: true,
      reason: 'dyspnée',
    });

    page.send({ type: 'join', sessionId: sid });
    expect(await page.next((m) => m.type === 'joined')).toEqual({ type: 'joined', sessionId: sid, iceServers: [] });
    const start = await cart.next('start', (m) => m.sessionId === sid);
    expect(start).toMatchObject({
      specialist: { id: 'dr-roux', name: 'Dr Anne Roux' },
      patientId: 'p-001',
      media: { video: true, audio: true, ecg: true },
    });
    expect(await cart.status(sid, 'in-progress')).toMatchObject({ specialist: { id: 'dr-roux' } });

    await cart.send({ v: 1, type: 'offer', sessionId: sid, sdp: 'v=0 offer' });
    expect(await page.next((m) => m.type === 'offer')).toEqual({ type: 'offer', sessionId: sid, sdp: 'v=0 offer' });
    const cand = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    await cart.send({ v: 1, type: 'ice', sessionId: sid, candidate: cand });
    expect(await page.next((m) => m.type === 'ice')).toEqual({ type: 'ice', sessionId: sid, candidate: cand });
    page.send({ type: 'answer', sessionId: sid, sdp: 'v=0 answer' });
    expect(await cart.next('answer')).toEqual({ v: 1, type: 'answer', sessionId: sid, sdp: 'v=0 answer' });
    page.send({ type: 'ice', sessionId: sid, candidate: cand });
    expect(await cart.next('ice')).toMatchObject({ sessionId: sid, candidate: cand });
    await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
    expect(await page.next((m) => m.type === 'state')).toMatchObject({ state: 'connected' });

    page.send({ type: 'hangup', sessionId: sid });
    expect(await cart.next('hangup', (m) => m.sessionId === sid)).toMatchObject({ reason: 'hangup-specialist' });
    await cart.status(sid, 'completed');
    expect(await page.next((m) => m.type === 'session' && (m.session as { status: string }).status === 'completed')).toMatchObject({
      outcome: 'hangup-specialist',
    });
    await c.cloud.teleconsult.relay.flush();
    const rec = await c.cloud.store.getTeleconsultation(sid);
    expect(rec).toMatchObject({
      status: 'completed',
      specialistId: 'dr-roux',
      gatewayId: 'cart-1',
      patientId: 'p-001',
      outcome: 'hangup-specialist',
    });
    expect(rec?.durationMs).toBeGreaterThanOrEqual(0);
    expect(rec?.connectedAt).not.toBeNull();
    const trail = (await c.cloud.store.listAudit({ sessionId: sid })).map((e) => `${e.actor}:${e.action}`);
    expect(trail).toEqual(['cart-1:call', 'cart-1:consent', 'dr-roux:join', 'cart-1:connected', 'dr-roux:end']);
    await page.close();
  });

  it('only specialists allowed on the cart see the call; one joins, the other is refused', async () => {
    const blanc = await PageSocket.open(url, await login(url, 'dr-blanc', PASSWORDS['dr-blanc']));
    const page = await PageSocket.open(url, roux);
    const second = await PageSocket.open(url, roux);
    const sid = randomUUID();
    await cart.call(sid);
    await waitFor(() => room(page)[sid] === 'waiting', { what: 'call listed' });
    expect(room(blanc)[sid]).toBeUndefined();
    blanc.send({ type: 'join', sessionId: sid });
    expect(await blanc.next((m) => m.type === 'error')).toMatchObject({ message: `no active session ${sid}` });
    page.send({ type: 'join', sessionId: sid });
    await cart.status(sid, 'in-progress');
    second.send({ type: 'join', sessionId: sid });
    expect(await second.next((m) => m.type === 'error')).toMatchObject({ message: expect.stringMatching(/in-progress \(Dr Anne Roux\)/) });
    // The second page cannot inject signaling into the first one's act.
    second.send({ type: 'answer', sessionId: sid, sdp: 'v=0 x' });
    await second.next((m) => m.type === 'error' && String(m.message).includes('not joined'));
    // Closing the joined page does not end the act: it waits for the same specialist (the cart is told).
    await page.close();
    await cart.next('session', (m) => m.sessionId === sid && m.specialistLink === 'reconnecting');
    await waitFor(() => second.received.some((m) => m.type === 'waiting-room' && JSON.stringify(m).includes('"rejoin":true')), {
      what: 'the rejoin offered to the same login',
    });
    // Rejoined from the other page: the cart starts afresh; the media never come up: not done (connect timeout).
    second.send({ type: 'join', sessionId: sid });
    await waitFor(() => cart.lastSession(sid)?.specialistLink === 'present', {
      what: 'the cart told the specialist is back',
    });
    await waitFor(() => cart.down.filter((m) => m.type === 'start' && m.sessionId === sid).length === 2, { what: 'a second start' });
    await cart.status(sid, 'not-done');
    expect(await cart.next('hangup', (m) => m.sessionId === sid)).toMatchObject({ reason: 'connect-timeout' });
    await Promise.all([blanc.close(), second.close()]);
  });

  it('the nurse cancels a waiting call; nobody joining in time, or a connection that never comes up, is not done', async () => {
    const page = await PageSocket.open(url, roux);
    const cancelled = randomUUID();
    await cart.call(cancelled);
    await cart.status(cancelled, 'waiting');
    await cart.send({ v: 1, type: 'call-cancel', sessionId: cancelled });
    await cart.status(cancelled, 'cancelled');

    const unanswered = randomUUID();
    await cart.call(unanswered);
    await cart.status(unanswered, 'not-done'); // waitingTimeoutMinutes 0.01 in this test

    const noMedia = randomUUID();
    await cart.call(noMedia);
    await waitFor(() => room(page)[noMedia] === 'waiting', { what: 'listed' });
    page.send({ type: 'join', sessionId: noMedia });
    await cart.status(noMedia, 'in-progress');
    await cart.status(noMedia, 'not-done'); // connectTimeoutSeconds 0.5
    await c.cloud.teleconsult.relay.flush();
    expect((await c.cloud.store.getTeleconsultation(cancelled))?.outcome).toBe('cancelled-by-nurse');
    expect((await c.cloud.store.getTeleconsultation(unanswered))?.outcome).toBe('no-join-timeout');
    expect(await c.cloud.store.getTeleconsultation(noMedia)).toMatchObject({ outcome: 'connect-timeout', durationMs: null });
    await waitFor(() => room(page)[noMedia] === undefined, { what: 'room emptied' });
    await page.close();
  });
});

describe('consent (CSP R.6316-2)', () => {
  it('refuses a call without consent (an older gateway): no act, the cart told no-consent, audited', async () => {
    const page = await PageSocket.open(url, roux);
    const m0 = c.cloud.teleconsult.relay.metrics();
    const sid = randomUUID();
    await cart.call(sid, 'p-001', { consent: undefined, reason: 'sans consentement' });
    expect(await cart.next('hangup', (m) => m.sessionId === sid)).toEqual({ v: 1, type: 'hangup', sessionId: sid, reason: 'no-consent' });
    await cart.status(sid, 'not-done');
    await c.cloud.teleconsult.relay.flush();
    expect(await c.cloud.store.getTeleconsultation(sid)).toBeNull();
    expect(room(page)[sid]).toBeUndefined();
    expect(c.cloud.teleconsult.relay.metrics()).toMatchObject({ callsRefused: m0.callsRefused + 1, activeSessions: m0.activeSessions });
    const trail = await c.cloud.store.listAudit({ sessionId: sid });
    expect(trail.map((e) => [e.actor, e.action, e.gatewayId, e.patientId, e.detail])).toEqual([
      ['cart-1', 'call-refused', 'cart-1', 'p-001', 'no-consent'],
    ]);
    // Nobody can join what was never created.
    page.send({ type: 'join', sessionId: sid });
    expect(await page.next((m) => m.type === 'error' && m.sessionId === sid)).toMatchObject({ message: `no active session ${sid}` });
    await page.close();
  });

  it("records a representative's consent with the act, shows it in the waiting room and the API, and audits it", async () => {
    const page = await PageSocket.open(url, roux);
    const sid = randomUUID();
    const consent = {
      by: 'representative',
      method: 'written',
      representative: { name: 'Mme Claire Martin', relation: 'fille, personne de confiance' },
      collectedAt: '2026-11-23T13:02:00.000Z',
      collectedBy: 'ide-dupont',
    } as const;
    await cart.call(sid, 'p-001', { consent });
    await cart.status(sid, 'waiting');
    const listed = await page.next((m) => m.type === 'waiting-room' && JSON.stringify(m).includes(sid));
    const s = (listed.sessions as { sessionId: string; consent: unknown }[]).find((x) => x.sessionId === sid);
    expect(s?.consent).toEqual(consent);
    await c.cloud.teleconsult.relay.flush();
    expect((await c.cloud.store.getTeleconsultation(sid))?.consent).toEqual(consent);
    const api = (await (await fetch(`${url}/api/teleconsultations?patient=p-001`, { headers: { cookie: roux } })).json()) as {
      teleconsultations: { sessionId: string; consent: unknown }[];
    };
    expect(api.teleconsultations.find((t) => t.sessionId === sid)?.consent).toEqual(consent);
    // The act ends by this file's 0.6 s waiting timeout (an update of the row), which keeps the consent. Ended so rather
    // than by a cancel: on a loaded machine the timeout may come first, and the test would wait for a « cancelled » never sent.
    await cart.status(sid, 'not-done');
    await c.cloud.teleconsult.relay.flush();
    expect((await c.cloud.store.getTeleconsultation(sid))?.consent).toEqual(consent);
    const trail = await c.cloud.store.listAudit({ sessionId: sid });
    expect(trail.slice(0, 2).map((e) => [e.action, e.detail])).toEqual([
      ['call', null],
      [
        'consent',
        'written consent by representative Mme Claire Martin (fille, personne de confiance), collected 2026-11-23T13:02:00.000Z by ide-dupont',
      ],
    ]);
    expect(trail.filter((e) => e.action === 'consent')).toHaveLength(1);
    await page.close();
  });

  it('drops as malformed a call whose consent is invalid (a representative without a name): no act', async () => {
    const m0 = c.cloud.teleconsult.relay.metrics();
    const sid = randomUUID();
    await cart.call(sid, 'p-001', {
      consent: { by: 'representative', method: 'oral', collectedAt: new Date().toISOString() } as never,
    });
    await waitFor(() => c.cloud.teleconsult.relay.metrics().malformed.mqtt.schema > m0.malformed.mqtt.schema, { what: 'counted' });
    await c.cloud.teleconsult.relay.flush();
    expect(await c.cloud.store.getTeleconsultation(sid)).toBeNull();
  });
});

describe('bad input at both edges', () => {
  it('counts, drops and survives malformed gateway messages and page frames; good traffic goes on', async () => {
    const m0 = c.cloud.teleconsult.relay.metrics();
    await cart.send('{not json');
    await cart.send({ v: 1, type: 'call', sessionId: 'not-a-uuid', patient: { id: 'p' } });
    await cart.send({ v: 1, type: 'offer', sessionId: randomUUID(), sdp: 'v=0' });
    await cart.send('x'.repeat(200_000));
    const page = await PageSocket.open(url, roux);
    page.send('][');
    page.send({ type: 'join', sessionId: 'x' });
    page.send({ type: 'hangup', sessionId: randomUUID(), extra: 1 });
    await waitFor(
      () => {
        const m = c.cloud.teleconsult.relay.metrics().malformed;
        return (
          m.mqtt['not-json'] > m0.malformed.mqtt['not-json'] &&
          m.mqtt.schema > m0.malformed.mqtt.schema &&
          m.mqtt['unknown-session'] > m0.malformed.mqtt['unknown-session'] &&
          m.mqtt.oversize > m0.malformed.mqtt.oversize &&
          m.ws['not-json'] > m0.malformed.ws['not-json'] &&
          m.ws.schema >= m0.malformed.ws.schema + 2
        );
      },
      { what: 'every bad message counted' },
    );
    const sid = randomUUID();
    await cart.call(sid);
    await waitFor(() => room(page)[sid] === 'waiting', { what: 'a good call still listed' });
    await cart.send({ v: 1, type: 'call-cancel', sessionId: sid });
    await cart.status(sid, 'cancelled');
    const metrics = (await (await fetch(`${url}/api/metrics/teleconsult`)).json()) as { connected: boolean };
    expect(metrics.connected).toBe(true);
    await page.close();
  });
});

describe('record and audit API', () => {
  it('lists acts of the carts a specialist may see; the audit trail is for auditors only', async () => {
    const home = await TestCart.connect(c.cloud.mqttUrl, 'home-7');
    const sid = randomUUID();
    await home.call(sid);
    await home.status(sid, 'waiting');
    await home.send({ v: 1, type: 'call-cancel', sessionId: sid });
    await home.status(sid, 'cancelled');
    await home.close();
    await c.cloud.teleconsult.relay.flush();

    const get = async (path: string, cookie: string) => {
      const r = await fetch(`${url}${path}`, { headers: { cookie } });
      return { status: r.status, body: (await r.json()) as Record<string, { gatewayId: string; action: string }[]> };
    };
    const mine = await get('/api/teleconsultations', roux);
    expect(mine.status).toBe(200);
    expect(mine.body.teleconsultations?.every((t) => t.gatewayId === 'cart-1')).toBe(true);
    expect((await get('/api/teleconsultations?status=cancelled&status=completed', roux)).body.teleconsultations?.length).toBeGreaterThan(1);
    const blanc = await login(url, 'dr-blanc', PASSWORDS['dr-blanc']);
    expect((await get('/api/teleconsultations', blanc)).body.teleconsultations?.map((t) => t.gatewayId)).toEqual(['home-7']);
    expect((await get('/api/audit', roux)).status).toBe(403);
    expect((await fetch(`${url}/api/teleconsultations`)).status).toBe(401);
    expect((await get('/api/teleconsultations?status=bogus', roux)).status).toBe(400);

    const auditor = await login(url, 'auditor', PASSWORDS.auditor);
    const all = await get('/api/teleconsultations', auditor);
    expect(new Set(all.body.teleconsultations?.map((t) => t.gatewayId))).toEqual(new Set(['cart-1', 'home-7']));
    const trail = await get(`/api/audit?session=${sid}`, auditor);
    expect(trail.body.events?.map((e) => e.action)).toEqual(['call', 'consent', 'call-cancel']);
    expect((await get('/api/audit?actor=dr-roux', auditor)).body.events?.map((e) => e.action)).toContain('audit-refused');
  });
});
