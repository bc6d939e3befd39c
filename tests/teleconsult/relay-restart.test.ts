/**
 * Acts across a crash of the cloud: the built CLI runs the cloud (embedded broker, SQLite or
 * PostgreSQL) as a child process, SIGKILLed during an act and started again on the same store.
 * An act in progress waits `reconnecting` for its specialist from the restart on: the cart hears
 * it when it is back (its status), the same login rejoins from a new page and the cart gets a fresh
 * `start`; without a rejoin in time the act ends `specialist-lost`. A waiting act is back in the
 * waiting room and can be joined. Always one act row, and the restart in the audit trail.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { hashPassword, type TeleconsultationRecord } from '@telecart/cloud';
import { encodePayload, topics } from '@telecart/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Postgres, startPostgres } from '../../cloud/src/testing/postgres.js';
import { type CloudChildDir, cloudChildDir, freshDatabase } from '../support/cloud-child.js';
import type { ServiceChild } from '../support/service-child.js';
import { waitFor } from '../support/wait.js';
import { type Json, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

const CART = 'cart-1';

interface Act {
  sessionId: string;
  status: string;
  outcome: string | null;
  connectedAt: string | null;
}

// Two cloud starts, logins (bcrypt) and an act each: more than the default 30 s on a busy machine.
describe('teleconsultation acts across a cloud crash', { timeout: 120_000 }, () => {
  let dir: CloudChildDir | undefined;
  let cloud: ServiceChild | undefined;
  let cart: TestCart | undefined;
  const pages: PageSocket[] = [];
  let server: Postgres | undefined;

  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close();
    cart?.client.end(true);
    await cloud?.stop();
    dir?.remove();
    cart = cloud = dir = undefined;
  });

  /** A cloud config (dr-roux on cart-*, an auditor) in a fresh folder; the ports stay across restarts. */
  async function configure(o: { rejoinGraceSeconds: number; db?: string }): Promise<CloudChildDir> {
    dir = await cloudChildDir('relay-restart');
    dir.configure({
      ...(o.db ? { db: o.db } : {}),
      patients: [{ id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: [CART] }],
      teleconsult: {
        rejoinGraceSeconds: o.rejoinGraceSeconds,
        // A crashed process's leases lapse before its acts are taken back: short here.
        leaseSeconds: 6,
        connectTimeoutSeconds: 60,
        specialists: [
          { id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORDS['dr-roux'], 10), gateways: ['cart-*'] },
          { id: 'auditor', name: 'DPO', passwordHash: await hashPassword(PASSWORDS.auditor, 10), audit: true },
        ],
      },
    });
    return dir;
  }

  /** The cart connects (again) and says it is online, as the gateway's sync client does at each connect. */
  async function cartBack(c: ServiceChild): Promise<TestCart> {
    const t = await TestCart.connect(String(c.info.mqttUrl), CART);
    const status = { v: 1, gatewayId: CART, online: true, at: new Date().toISOString() };
    await t.client.publishAsync(topics.status(CART), encodePayload(status), { qos: 1, retain: true });
    return t;
  }

  async function openPage(c: ServiceChild, cookie: string): Promise<PageSocket> {
    const p = await PageSocket.open(String(c.info.httpUrl), cookie);
    pages.push(p);
    return p;
  }

  function inRoom(page: PageSocket, sid: string, match: (s: Json) => boolean): Promise<Json> {
    return page.next((m) => m.type === 'waiting-room' && (m.sessions as Json[]).some((s) => s.sessionId === sid && match(s)));
  }

  async function acts(c: ServiceChild, cookie: string): Promise<Act[]> {
    const r = await fetch(`${String(c.info.httpUrl)}/api/teleconsultations?gateway=${CART}`, { headers: { cookie } });
    expect(r.status).toBe(200);
    return ((await r.json()) as { teleconsultations: Act[] }).teleconsultations;
  }

  /** The act's rows once it has ended: the cart hears of the end before the relay's queued store write lands. */
  async function endedRows(c: ServiceChild, cookie: string, sid: string): Promise<Act[]> {
    const rows = () => acts(c, cookie).then((all) => all.filter((a) => a.sessionId === sid));
    await waitFor(async () => (await rows()).every((a) => a.status !== 'waiting' && a.status !== 'in-progress'), {
      what: 'the end in the store',
    });
    return rows();
  }

  /** The act's audit trail, once it has its `end` (written after the row, in the same queue). */
  async function audit(c: ServiceChild, sid: string): Promise<{ action: string; actor: string; detail: string | null }[]> {
    const cookie = await login(String(c.info.httpUrl), 'auditor', PASSWORDS.auditor);
    const read = async () => {
      const r = await fetch(`${String(c.info.httpUrl)}/api/audit?session=${sid}`, { headers: { cookie } });
      expect(r.status).toBe(200);
      return ((await r.json()) as { events: { action: string; actor: string; detail: string | null }[] }).events;
    };
    return waitFor(
      async () => {
        const events = await read();
        return events.some((e) => e.action === 'end') ? events : undefined;
      },
      { what: 'the end in the audit trail' },
    );
  }

  /** Call, join, media up, and the act's row says so (the relay's writes are in order: its state is stored). */
  async function actInProgress(c: ServiceChild, cookie: string): Promise<string> {
    cart = await cartBack(c);
    const page = await openPage(c, cookie);
    const sid = randomUUID();
    await cart.call(sid);
    await inRoom(page, sid, (s) => s.status === 'waiting');
    page.send({ type: 'join', sessionId: sid });
    await cart.next('start', (m) => m.sessionId === sid);
    await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
    await page.next((m) => m.type === 'state' && m.state === 'connected');
    await waitFor(async () => (await acts(c, cookie)).find((a) => a.sessionId === sid)?.connectedAt, {
      what: 'the act connected in the store',
    });
    return sid;
  }

  /** SIGKILL: nothing of the relay's stop runs; the cart and the page lose their connections. */
  async function crash(c: ServiceChild): Promise<void> {
    await c.kill('SIGKILL');
    cart?.client.end(true);
    cart = undefined;
    for (const p of pages.splice(0)) await p.close();
  }

  for (const store of ['sqlite', 'postgres'] as const) {
    it(`an act in progress: the specialist rejoins after the restart, the cart gets a fresh start, the act completes (${store})`, async () => {
      const folder = await configure({
        rejoinGraceSeconds: 120,
        ...(store === 'postgres' ? { db: await freshDatabase((server as Postgres).url, 'relay_restart') } : {}),
      });
      const first = await folder.start();
      cloud = first;
      const cookie = await login(String(first.info.httpUrl), 'dr-roux', PASSWORDS['dr-roux']);
      const sid = await actInProgress(first, cookie);
      await crash(first);

      cloud = await folder.start();
      const c = cloud;
      cart = await cartBack(c);
      const back = cart;
      // The nurse's screen: the act goes on, the specialist is reconnecting.
      await back.next('session', (m) => m.sessionId === sid && m.status === 'in-progress' && m.specialistLink === 'reconnecting');
      // The login survived the restart too; the page offers to rejoin.
      const page = await openPage(c, cookie);
      await inRoom(page, sid, (s) => s.status === 'in-progress' && s.specialistLink === 'reconnecting' && s.rejoin === true);
      page.send({ type: 'join', sessionId: sid });
      await page.next((m) => m.type === 'joined' && m.sessionId === sid);
      await back.next('start', (m) => m.sessionId === sid);
      await back.send({ v: 1, type: 'state', sessionId: sid, state: 'connecting' });
      await back.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
      await page.next((m) => m.type === 'state' && m.state === 'connected');
      page.send({ type: 'hangup', sessionId: sid });
      await back.status(sid, 'completed');

      const rows = await endedRows(c, cookie, sid);
      expect(rows).toEqual([expect.objectContaining({ status: 'completed', outcome: 'hangup-specialist' })]);
      const actions = (await audit(c, sid)).map((e) => e.action);
      expect(actions).toContain('restart');
      expect(actions.slice(actions.indexOf('restart'))).toEqual(expect.arrayContaining(['rejoin', 'reconnected', 'end']));
      expect(actions).not.toContain('timeout');
    });
  }

  it('a planned stop (SIGTERM) leaves the act in progress for rejoin: the cart hears reconnecting, the restarted cloud takes it back (sqlite)', async () => {
    const folder = await configure({ rejoinGraceSeconds: 120 });
    const first = await folder.start();
    cloud = first;
    const cookie = await login(String(first.info.httpUrl), 'dr-roux', PASSWORDS['dr-roux']);
    const sid = await actInProgress(first, cookie);
    const before = cart as TestCart;
    // The cart is told before the cloud goes; never a hangup.
    const told = before.next('session', (m) => m.sessionId === sid && m.status === 'in-progress' && m.specialistLink === 'reconnecting');
    await first.kill('SIGTERM');
    await told;
    expect(before.down.some((m) => m.type === 'hangup' && m.sessionId === sid)).toBe(false);
    await crash(first);

    cloud = await folder.start();
    const c = cloud;
    cart = await cartBack(c);
    const back = cart;
    await back.next('session', (m) => m.sessionId === sid && m.status === 'in-progress' && m.specialistLink === 'reconnecting');
    const page = await openPage(c, cookie);
    await inRoom(page, sid, (s) => s.status === 'in-progress' && s.rejoin === true);
    page.send({ type: 'join', sessionId: sid });
    await back.next('start', (m) => m.sessionId === sid);
    await back.send({ v: 1, type: 'state', sessionId: sid, state: 'connecting' });
    await back.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
    await page.next((m) => m.type === 'state' && m.state === 'connected');
    page.send({ type: 'hangup', sessionId: sid });
    await back.status(sid, 'completed');

    expect(await endedRows(c, cookie, sid)).toEqual([expect.objectContaining({ status: 'completed', outcome: 'hangup-specialist' })]);
    const events = await audit(c, sid);
    const actions = events.map((e) => e.action);
    expect(events.find((e) => e.action === 'stop')?.detail).toMatch(/^left for rejoin/);
    // One end only, the specialist's hangup after the restart.
    expect(actions.filter((a) => a === 'end')).toEqual(['end']);
    expect(actions.indexOf('stop')).toBeLessThan(actions.indexOf('restart'));
    expect(actions.slice(actions.indexOf('restart'))).toEqual(expect.arrayContaining(['rejoin', 'reconnected', 'end']));
  });

  it('a waiting act is back in the waiting room after the restart and is joined there (sqlite)', async () => {
    const folder = await configure({ rejoinGraceSeconds: 120 });
    const first = await folder.start();
    cloud = first;
    const cookie = await login(String(first.info.httpUrl), 'dr-roux', PASSWORDS['dr-roux']);
    cart = await cartBack(first);
    const sid = randomUUID();
    await cart.call(sid);
    await cart.status(sid, 'waiting');
    await waitFor(async () => (await acts(first, cookie)).some((a) => a.sessionId === sid), { what: 'the waiting act in the store' });
    await crash(first);

    cloud = await folder.start();
    const c = cloud;
    cart = await cartBack(c);
    const back = cart;
    await back.status(sid, 'waiting');
    const page = await openPage(c, cookie);
    await inRoom(page, sid, (s) => s.status === 'waiting');
    page.send({ type: 'join', sessionId: sid });
    await back.next('start', (m) => m.sessionId === sid);
    await back.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
    await page.next((m) => m.type === 'state' && m.state === 'connected');
    page.send({ type: 'hangup', sessionId: sid });
    await back.status(sid, 'completed');

    expect(await endedRows(c, cookie, sid)).toEqual([expect.objectContaining({ status: 'completed', outcome: 'hangup-specialist' })]);
    const events = await audit(c, sid);
    expect(events.find((e) => e.action === 'restart')?.detail).toMatch(/^restored waiting, \d+ s left to join$/);
  });

  it('no rejoin within the window after the restart: the act ends specialist-lost (sqlite)', async () => {
    // Long enough for the cart to be back before it ends: an end published while the cart is away
    // is lost with the old broker's sessions (docs/teleconsultation.md).
    const folder = await configure({ rejoinGraceSeconds: 5 });
    const first = await folder.start();
    cloud = first;
    const cookie = await login(String(first.info.httpUrl), 'dr-roux', PASSWORDS['dr-roux']);
    const sid = await actInProgress(first, cookie);
    await crash(first);

    cloud = await folder.start();
    const c = cloud;
    cart = await cartBack(c);
    await cart.next('session', (m) => m.sessionId === sid && m.status === 'in-progress' && m.specialistLink === 'reconnecting');
    const hangup = await cart.next('hangup', (m) => m.sessionId === sid);
    expect(hangup.reason).toBe('specialist-lost');
    await cart.status(sid, 'completed');
    expect(await endedRows(c, cookie, sid)).toEqual([expect.objectContaining({ status: 'completed', outcome: 'specialist-lost' })]);
    const actions = (await audit(c, sid)).map((e) => e.action);
    expect(actions.slice(actions.indexOf('restart'))).toEqual(['restart', 'end']);
  });
});

describe('waiting acts stored before the relay kept its state (no waiting deadline on the row)', () => {
  it('the wait counts from the call: one over its wait ends not done at start, a recent one is back in the waiting room', async () => {
    const first = await startConsultCloud();
    const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
    const waiting = (sessionId: string, createdAt: string): TeleconsultationRecord => ({
      sessionId,
      gatewayId: CART,
      patientId: 'p-001',
      patientIns: null,
      requestedSpecialistId: null,
      specialistId: null,
      specialistName: null,
      reason: null,
      consent: { by: 'patient', method: 'oral', representative: null, collectedAt: createdAt, collectedBy: null },
      status: 'waiting',
      outcome: null,
      createdAt,
      joinedAt: null,
      connectedAt: null,
      endedAt: null,
      durationMs: null,
      updatedAt: createdAt,
    });
    const old = randomUUID();
    const recent = randomUUID();
    try {
      // As an older release left them: the act's row only (waitingTimeoutMinutes is 15 by default).
      await first.cloud.store.upsertTeleconsultation(waiting(old, ago(20)));
      await first.cloud.store.upsertTeleconsultation(waiting(recent, ago(1)));
    } finally {
      await first.cloud.stop();
    }
    const second = await startConsultCloud({ dataDir: first.dir });
    try {
      const { store } = second.cloud;
      await waitFor(async () => (await store.getTeleconsultation(old))?.status === 'not-done', { what: 'the old wait ended' });
      expect(await store.getTeleconsultation(old)).toMatchObject({ status: 'not-done', outcome: 'no-join-timeout' });
      await second.cloud.teleconsult.relay.flush();
      expect(await store.getTeleconsultation(recent)).toMatchObject({ status: 'waiting', outcome: null });
      expect(second.cloud.teleconsult.relay.metrics().activeSessions).toBe(1);
      const until = (await store.openRelayStates()).get(recent)?.waitingUntil;
      expect(until && Date.parse(until) - Date.parse(ago(1))).toBeGreaterThan(13 * 60_000);
    } finally {
      await second.stop();
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});
