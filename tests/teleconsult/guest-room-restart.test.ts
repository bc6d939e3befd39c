/**
 * The act's room and its guests across a crash of the cloud (docs/conversation.md, « Across a cloud
 * restart »): the built CLI runs the cloud (embedded broker, SQLite file) as a child process; a cart's
 * act in progress with two guests let in, one removed; SIGKILL; the cloud started again on the same
 * store and ports. werift plays the pages' peer connections with the unit, a TestCart the cart.
 * - the specialist's page reconnecting rebuilds the room: it is told `unit-ready`, the cart `ready`;
 * - the admitted guest's new socket is let in at once (`admitted`, never `waiting`) and told
 *   `unit-ready`; the removed guest's socket is refused (403);
 * - the offers of the page, the guest and the cart are answered by the rebuilt room and each is told
 *   who its slots carry (the specialist's carry the cart, the cart's never the specialist, as before the crash);
 * - the audit trail has `participant-rejoined` and `unit-room-reopened`.
 * A home act with a guest, across a planned stop and a start of an in-process cloud on the same folder:
 * the specialist's page, the guest and the home patient back, the room rebuilt for the three of them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePayload, topics } from '@telecart/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type UnitPagePeer, unitPagePeer } from '../../cloud/src/testing/unit-page-peer.js';
import { type CloudChildDir, cloudChildDir } from '../support/cloud-child.js';
import type { ServiceChild } from '../support/service-child.js';
import { waitFor } from '../support/wait.js';
import { confirmIdentity, openGuestLink, openHomeAct, type ParticipantSocket, participantSocket } from './participant-support.js';
import { startRoomRestartCloud } from './room-restart-support.js';
import { type ConsultCloud, type Json, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

const CART = 'cart-1';

type Slots = { participantId: string | null; name: string | null }[];
const named = (slots: Slots | undefined) => (slots ?? []).map((x) => x.name).filter((x) => x !== null);

describe('the act’s room and its guests across a cloud crash', { timeout: 150_000 }, () => {
  let dir: CloudChildDir | undefined;
  let cloud: ServiceChild | undefined;
  const closing: (() => unknown)[] = [];

  afterEach(async () => {
    for (const f of closing.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
    await cloud?.stop();
    dir?.remove();
    cloud = dir = undefined;
  });

  async function cartBack(c: ServiceChild): Promise<TestCart> {
    const t = await TestCart.connect(String(c.info.mqttUrl), CART);
    closing.push(() => t.client.end(true));
    const status = { v: 1, gatewayId: CART, online: true, at: new Date().toISOString() };
    await t.client.publishAsync(topics.status(CART), encodePayload(status), { qos: 1, retain: true });
    return t;
  }

  async function openPage(c: ServiceChild, cookie: string): Promise<PageSocket> {
    const p = await PageSocket.open(String(c.info.httpUrl), cookie);
    closing.push(() => p.close());
    return p;
  }

  async function guestSocket(c: ServiceChild, g: { url: URL; cookie: string }): Promise<ParticipantSocket | number> {
    const s = await participantSocket(String(c.info.httpUrl), g.url, g.cookie);
    if (typeof s !== 'number') closing.push(() => s.ws.close());
    return s;
  }

  async function events(c: ServiceChild, cookie: string, sid: string): Promise<{ action: string; detail: string | null }[]> {
    const r = await fetch(`${String(c.info.httpUrl)}/api/audit?session=${sid}`, { headers: { cookie } });
    expect(r.status).toBe(200);
    return ((await r.json()) as { events: { action: string; detail: string | null }[] }).events;
  }

  /** A page's peer connection with the unit (werift): microphone out, three receive slots. */
  async function peer(): Promise<UnitPagePeer> {
    const page = await unitPagePeer(3);
    closing.push(() => page.pc.close());
    return page;
  }

  it('a cart’s act with guests: the room is rebuilt, the admitted guest let in at once, the removed one refused (sqlite)', async () => {
    dir = await cloudChildDir('room-restart');
    const folder = dir;
    const {
      cloud: first,
      http,
      cookie,
      auditor,
    } = await startRoomRestartCloud(folder, { id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: [CART] });
    cloud = first;

    // An act in progress, two guests invited and let in, the second removed.
    const cart = await cartBack(first);
    const page = await openPage(first, cookie);
    const sid = randomUUID();
    await cart.call(sid);
    await page.next((m) => m.type === 'waiting-room' && (m.sessions as Json[]).some((s) => s.sessionId === sid));
    page.send({ type: 'join', sessionId: sid });
    await cart.next('start', (m) => m.sessionId === sid);
    await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
    await page.next((m) => m.type === 'state' && m.state === 'connected');
    const invite = (name: string) => openGuestLink(http, cookie, sid, name);
    const gp = await invite('Dr Petit, médecin traitant');
    const daughter = await invite('Fille de la patiente');
    for (const [g, name] of [
      [gp, 'Dr Petit, médecin traitant'],
      [daughter, 'Fille de la patiente'],
    ] as const) {
      const s = await guestSocket(first, g);
      if (typeof s === 'number') throw new Error(`guest socket refused: ${s}`);
      await s.next((m) => m.type === 'waiting');
      const list = await page.next(
        (m) => m.type === 'participants' && (m.participants as { name: string; state: string }[]).some((p) => p.name === name),
      );
      const id = (list.participants as { id: string; name: string }[]).find((p) => p.name === name)?.id;
      page.send({ type: 'admit', sessionId: sid, participantId: id });
      await s.next((m) => m.type === 'unit-ready');
    }
    await cart.next('unit', (m) => m.sessionId === sid && m.signal.kind === 'ready');
    const removed = await fetch(`${http}/api/teleconsult/acts/${sid}/guests/${daughter.id}`, { method: 'DELETE', headers: { cookie } });
    expect(removed.status).toBeLessThan(300);
    // Everything written before the crash (the relay's writes are in order: the removal's line is after the admissions).
    await waitFor(async () => (await events(first, auditor, sid)).some((e) => e.action === 'guest-removed'), {
      what: 'the removal stored',
    });

    await first.kill('SIGKILL');
    for (const f of closing.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);

    const second = await folder.start();
    cloud = second;
    const cart2 = await cartBack(second);
    await cart2.next('session', (m) => m.sessionId === sid && m.status === 'in-progress' && m.specialistLink === 'reconnecting');
    // The specialist's page reconnects: the room is rebuilt, the page and the cart are told to offer again.
    const page2 = await openPage(second, cookie);
    await page2.next((m) => m.type === 'unit-ready' && m.sessionId === sid);
    await cart2.next('unit', (m) => m.sessionId === sid && m.signal.kind === 'ready');
    // The admitted guest's page reconnects: let in at once, never the waiting room.
    const g2 = await guestSocket(second, gp);
    if (typeof g2 === 'number') throw new Error(`the admitted guest was refused after the restart: ${g2}`);
    expect(await g2.next(() => true)).toEqual({ type: 'admitted', by: 'Dr Anne Roux' });
    await g2.next((m) => m.type === 'unit-ready');
    expect(g2.got.some((m) => m.type === 'waiting')).toBe(false);
    // The removed guest stays removed.
    expect(await participantSocket(String(second.info.httpUrl), daughter.url, daughter.cookie)).toBe(403);

    // Each party's offer is answered by the rebuilt room; the slots are labelled as before the crash.
    const [dp, gpp, cp] = [await peer(), await peer(), await peer()];
    page2.send({ type: 'unit-offer', sessionId: sid, sdp: dp.offer });
    await dp.pc.setRemoteDescription({
      type: 'answer',
      sdp: String((await page2.next((m) => m.type === 'unit-answer' && m.sessionId === sid)).sdp),
    });
    g2.send({ type: 'unit-offer', sdp: gpp.offer });
    await gpp.pc.setRemoteDescription({ type: 'answer', sdp: String((await g2.next((m) => m.type === 'unit-answer')).sdp) });
    await cart2.send({ v: 1, type: 'unit', sessionId: sid, signal: { kind: 'offer', sdp: cp.offer } });
    const ca = await cart2.next('unit', (m) => m.sessionId === sid && m.signal.kind === 'answer');
    if (ca.signal.kind !== 'answer') throw new Error('not an answer');
    await cp.pc.setRemoteDescription({ type: 'answer', sdp: ca.signal.sdp });
    const guestSlots = () => [...g2.got].reverse().find((m) => m.type === 'unit-slots')?.slots as Slots | undefined;
    await waitFor(() => named(guestSlots()).length === 2 || undefined, { what: 'the guest’s slots labelled' });
    expect(named(guestSlots()).sort()).toEqual(['Chariot cart-1', 'Dr Anne Roux']);
    const pageSlots = () =>
      [...page2.received].reverse().find((m) => m.type === 'unit-slots' && m.sessionId === sid)?.slots as Slots | undefined;
    await waitFor(() => named(pageSlots()).length === 2 || undefined, { what: 'the page’s slots labelled' });
    expect(named(pageSlots()).sort()).toEqual(['Chariot cart-1', 'Dr Petit, médecin traitant']);
    await waitFor(() => gpp.pc.connectionState === 'connected' || undefined, { what: 'the guest connected to the rebuilt room' });

    const trail = await waitFor(
      async () => {
        const all = await events(second, auditor, sid);
        return all.some((e) => e.action === 'guest-media-joined' && all.indexOf(e) > all.findIndex((x) => x.action === 'restart'))
          ? all
          : undefined;
      },
      { what: 'the rejoin in the audit trail' },
    );
    const actions = trail.map((e) => e.action);
    const after = actions.slice(actions.indexOf('restart'));
    expect(after).toEqual(
      expect.arrayContaining(['unit-room-reopened', 'participant-rejoined', 'guest-media-joined', 'cart-media-joined']),
    );
    expect(trail.find((e) => e.action === 'participant-rejoined')?.detail).toMatch(/^guest Dr Petit, médecin traitant: back in the act/);
    expect(after.filter((a) => a === 'participant-waiting')).toEqual([]);
  });

  it('a home act with a guest: after a stop and a start on the same store, the room is rebuilt for the page, the guest and the patient', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'telecart-home-room-'));
    closing.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const opts = {
      dataDir,
      patients: [{ id: 'p-home', family: 'Martin', given: 'Jeanne', birthDate: '1941-03-02', gateways: ['home-7'] }],
      forwardingUnit: { hostAddresses: ['127.0.0.1'], rembBitsPerSecond: null },
    };
    const c: ConsultCloud = await startConsultCloud(opts);
    let stopped = false;
    closing.push(() => (stopped ? undefined : c.cloud.stop()));
    const blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    closing.push(() => doctor.close());
    const l = await openHomeAct(c, blanc, 120);
    await confirmIdentity(l, '1941-03-02');
    const p = await participantSocket(c.cloud.httpUrl, l.url, l.cookie);
    if (typeof p === 'number') throw new Error(`patient socket refused: ${p}`);
    closing.push(() => p.ws.close());
    const admit = async (name: string) => {
      const list = await doctor.next(
        (m) =>
          m.type === 'participants' &&
          (m.participants as { name: string; state: string }[]).some((x) => x.name === name && x.state === 'waiting'),
      );
      doctor.send({
        type: 'admit',
        sessionId: l.id,
        participantId: (list.participants as { id: string; name: string }[]).find((x) => x.name === name)?.id,
      });
    };
    await admit('Jeanne Martin');
    await p.next((m) => m.type === 'admitted');
    const { url: guestUrl, cookie: guestCookie } = await openGuestLink(c.cloud.httpUrl, blanc, l.id, 'Paul, petit-fils');
    const g = await participantSocket(c.cloud.httpUrl, guestUrl, guestCookie);
    if (typeof g === 'number') throw new Error(`guest socket refused: ${g}`);
    closing.push(() => g.ws.close());
    await admit('Paul, petit-fils');
    await g.next((m) => m.type === 'unit-ready');
    await p.next((m) => m.type === 'unit-ready');
    await c.cloud.teleconsult.relay.flush();
    for (const s of [doctor, p.ws, g.ws]) s.close();
    await c.cloud.stop();
    stopped = true;

    const c2 = await startConsultCloud(opts);
    closing.push(() => c2.cloud.stop());
    const http = c2.cloud.httpUrl;
    // The links name the first process's address: the same paths on the new one.
    const moved = (u: URL) => new URL(`${u.pathname}${u.search}`, http);
    const doctor2 = await PageSocket.open(http, blanc);
    closing.push(() => doctor2.close());
    await doctor2.next((m) => m.type === 'unit-ready' && m.sessionId === l.id);
    const g2 = await participantSocket(http, moved(guestUrl), guestCookie);
    if (typeof g2 === 'number') throw new Error(`guest refused after the restart: ${g2}`);
    closing.push(() => g2.ws.close());
    expect(await g2.next(() => true)).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });
    await g2.next((m) => m.type === 'unit-ready');
    const p2 = await participantSocket(http, moved(l.url), l.cookie);
    if (typeof p2 === 'number') throw new Error(`patient refused after the restart: ${p2}`);
    closing.push(() => p2.ws.close());
    await p2.next((m) => m.type === 'admitted');
    await p2.next((m) => m.type === 'unit-ready');

    const [dp, gp, pp] = [await peer(), await peer(), await peer()];
    doctor2.send({ type: 'unit-offer', sessionId: l.id, sdp: dp.offer });
    await dp.pc.setRemoteDescription({ type: 'answer', sdp: String((await doctor2.next((m) => m.type === 'unit-answer')).sdp) });
    g2.send({ type: 'unit-offer', sdp: gp.offer });
    await gp.pc.setRemoteDescription({ type: 'answer', sdp: String((await g2.next((m) => m.type === 'unit-answer')).sdp) });
    p2.send({ type: 'unit-offer', sdp: pp.offer });
    await pp.pc.setRemoteDescription({ type: 'answer', sdp: String((await p2.next((m) => m.type === 'unit-answer')).sdp) });
    const last = (ms: Json[]) => [...ms].reverse().find((m) => m.type === 'unit-slots')?.slots as Slots | undefined;
    await waitFor(() => named(last(g2.got)).length === 2 || undefined, { what: 'the guest’s slots labelled' });
    expect(named(last(g2.got)).sort()).toEqual(['Dr Marc Blanc', 'Jeanne Martin']);
    // The patient still receives the specialist on the direct call only, the specialist the patient through the room.
    await waitFor(() => named(last(p2.got)).length === 1 || undefined, { what: 'the patient’s slot labelled' });
    expect(named(last(p2.got))).toEqual(['Paul, petit-fils']);
    await waitFor(() => named(last(doctor2.received)).length === 2 || undefined, { what: 'the specialist’s slots labelled' });
    expect(named(last(doctor2.received)).sort()).toEqual(['Jeanne Martin', 'Paul, petit-fils']);
    await c2.cloud.teleconsult.relay.flush();
    const actions = (await c2.cloud.store.listAudit({ sessionId: l.id })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['unit-room-reopened', 'participant-rejoined', 'patient-media-joined']));
  });
});
