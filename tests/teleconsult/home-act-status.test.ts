/**
 * The home act's status follows the people in it, through a real cloud (embedded broker, SQLite,
 * real WebSockets on loopback), the home acts' clock and timers moved by the test: the patient
 * entering the waiting room makes it `waiting`, the specialist's admission `in-progress`, their
 * « Raccrocher » `completed` (the patient's page is told `ended`), with audit lines, the CSV row's
 * duration and FHIR following; a specialist's page that comes back takes the conversation back; a
 * patient who comes back is let in at once; both gone beyond the rejoin window: not done
 * (technical-failure); the no-show sweep leaves a waiting home act alone.
 */
import { join } from 'node:path';
import { CLOUD_DB_FILE } from '@telecart/cloud';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HomeActClock } from '../../cloud/src/teleconsult/home-acts.js';
import { confirmIdentity, type Link, openHomeAct, type ParticipantSocket, participantSocket } from './participant-support.js';
import { type ConsultCloud, type Json, login, PASSWORDS, PageSocket, startConsultCloud } from './support.js';

const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const MIN = 60_000;

/** The home acts' clock: time moves only when the test says, and the timers due then fire. */
class TestClock implements HomeActClock {
  private t = Date.now();
  private timers: { due: number; fn: () => void; live: boolean }[] = [];
  now = () => new Date(this.t);
  after = (ms: number, fn: () => void) => {
    const timer = { due: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  };
  pending(): number {
    return this.timers.filter((x) => x.live).length;
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.live && x.due <= this.t);
    this.timers = this.timers.filter((x) => x.live && x.due > this.t);
    for (const x of due) x.fn();
  }
}

const clock = new TestClock();
let noShowNow = new Date();
let c: ConsultCloud;
let blanc: string;

async function until<T>(f: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('never came');
}

async function act(id: string) {
  await c.cloud.teleconsult.relay.flush();
  const a = await c.cloud.store.getTeleconsultation(id);
  if (!a) throw new Error(`no act ${id}`);
  return a;
}
const statusBecomes = (id: string, status: string) => until(async () => ((await act(id)).status === status ? true : undefined));

async function patient(l: Link): Promise<ParticipantSocket> {
  const p = await participantSocket(c.cloud.httpUrl, l.url, l.cookie);
  if (typeof p === 'number') throw new Error(`refused: ${p}`);
  return p;
}

type Listed = { participants: { id: string; state: string }[] };
const participantsOf = (page: PageSocket, sessionId: string, state: string, from = 0) =>
  page.next(
    (m) => m.type === 'participants' && m.sessionId === sessionId && (m as unknown as Listed).participants.some((x) => x.state === state),
    from,
  ) as unknown as Promise<Listed & Json>;

/** A home act whose patient confirmed, entered and was admitted by dr-blanc's page. */
async function inProgress(doctor: PageSocket, minutesAhead: number) {
  const l = await openHomeAct(c, blanc, minutesAhead);
  await confirmIdentity(l, '1941-03-02');
  const p = await patient(l);
  const participantId = (await participantsOf(doctor, l.id, 'waiting')).participants[0]?.id ?? '';
  await statusBecomes(l.id, 'waiting');
  const mark = doctor.received.length;
  doctor.send({ type: 'admit', sessionId: l.id, participantId });
  await p.next((m) => m.type === 'admitted');
  await doctor.next((m) => m.type === 'participant-admitted', mark);
  await statusBecomes(l.id, 'in-progress');
  return { l, p, participantId };
}

async function homeAudit(id: string): Promise<[string, string, string | null][]> {
  await c.cloud.teleconsult.relay.flush();
  return (await c.cloud.store.listAudit({ limit: 5000 }))
    .filter((e) => e.sessionId === id && ['waiting', 'join', 'media-received', 'connected', 'end', 'timeout'].includes(e.action))
    .map((e) => [e.action, e.actor, e.detail]);
}

async function fhir(path: string): Promise<Record<string, unknown>> {
  const r = await fetch(`${c.cloud.httpUrl}/fhir/${path}`, { headers: { cookie: blanc } });
  expect(r.status).toBe(200);
  return (await r.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  c = await startConsultCloud({
    patients: [{ id: 'p-home', family: 'Martin', given: 'Jeanne', birthDate: '1941-03-02', gateways: ['home-7'] }],
    homeActClock: clock,
    noShowClock: () => noShowNow,
  });
  blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
}, 120_000);
afterAll(async () => {
  await c?.stop();
});

describe('the home act’s status', () => {
  it('walks scheduled → waiting → in-progress → completed, audited, with its duration in the export and FHIR following', async () => {
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const l = await openHomeAct(c, blanc, 120);
    expect((await act(l.id)).status).toBe('scheduled');
    await confirmIdentity(l, '1941-03-02');
    const p = await patient(l);
    const participantId = (await participantsOf(doctor, l.id, 'waiting')).participants[0]?.id ?? '';
    await statusBecomes(l.id, 'waiting');
    expect((await fhir(`Appointment/${l.id}`)).status).toBe('arrived');

    const admittedAt = clock.now().toISOString();
    doctor.send({ type: 'admit', sessionId: l.id, participantId });
    await statusBecomes(l.id, 'in-progress');
    // Admitted, the media not up yet: the act has started, its duration has not.
    expect(await act(l.id)).toMatchObject({ specialistId: 'dr-blanc', joinedAt: admittedAt, connectedAt: null });
    const live = await fhir(`Encounter/${l.id}`);
    expect(live).toMatchObject({ status: 'in-progress', class: { code: 'VR' }, appointment: [{ reference: `Appointment/${l.id}` }] });

    // The specialist's page decoded the patient 19 s later: half of it, the media are not up yet. The patient's page
    // decoded the specialist a second after: the media flowed both ways, the duration counts from then (a second
    // report of either changes nothing).
    clock.advance(19_000);
    doctor.send({ type: 'home-media-up', sessionId: l.id });
    await until(async () => ((await homeAudit(l.id)).some(([a]) => a === 'media-received') ? true : undefined));
    expect((await act(l.id)).connectedAt).toBeNull();
    clock.advance(1000);
    const upAt = clock.now().toISOString();
    p.send({ type: 'media-up' });
    await until(async () => ((await act(l.id)).connectedAt === upAt ? true : undefined));
    clock.advance(1000);
    doctor.send({ type: 'home-media-up', sessionId: l.id });
    p.send({ type: 'media-up' });
    clock.advance(12 * MIN + 29_000);
    doctor.send({ type: 'hangup', sessionId: l.id });
    expect(await p.next((m) => m.type === 'ended')).toEqual({ type: 'ended', status: 'completed' });
    await p.closed;
    await statusBecomes(l.id, 'completed');
    const done = await act(l.id);
    expect(done).toMatchObject({ outcome: 'hangup-specialist', durationMs: 12 * MIN + 30_000, endedAt: clock.now().toISOString() });
    expect(await homeAudit(l.id)).toEqual([
      ['waiting', 'link:patient', 'home act → waiting'],
      ['join', 'dr-blanc', 'home act → in-progress'],
      ['media-received', 'dr-blanc', 'home act: the specialist’s page decoded the patient'],
      ['media-received', 'link:patient', 'home act: the patient’s page decoded the specialist'],
      [
        'connected',
        'link:patient',
        `home act: media flowed both ways (the specialist's page decoded the patient at ${new Date(Date.parse(upAt) - 1000).toISOString()}, the patient's page the specialist at ${upAt})`,
      ],
      ['end', 'dr-blanc', 'home act → completed (hangup-specialist)'],
    ]);

    const csv = await fetch(`${c.cloud.httpUrl}/api/acts.csv`, { headers: { cookie: blanc } });
    expect(csv.status).toBe(200);
    const rows = parse(await csv.text(), { delimiter: ';', bom: true }) as string[][];
    const row = rows.find((r) => r[13] === l.id);
    expect(row?.slice(2, 5)).toEqual(['12,5', 'finalisée', 'hangup-specialist']);

    expect((await fhir(`Appointment/${l.id}`)).status).toBe('fulfilled');
    expect(await fhir(`Encounter/${l.id}`)).toMatchObject({
      status: 'finished',
      class: { code: 'VR' },
      subject: { reference: 'Patient/p-home' },
      length: { value: 750, unit: 's' },
      period: { start: upAt, end: done.endedAt },
      appointment: [{ reference: `Appointment/${l.id}` }],
    });
    await doctor.close();
  });

  it('ends not done when the specialist hangs up a call whose media never came up; another page may not say they did', async () => {
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const { l, p } = await inProgress(doctor, 540);
    // Only the act's joined specialist says its media are up: another's page is refused, and nothing changes.
    const roux = await PageSocket.open(c.cloud.httpUrl, await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']));
    roux.send({ type: 'home-media-up', sessionId: l.id });
    expect(await roux.next((m) => m.type === 'error')).toEqual({ type: 'error', message: `no active session ${l.id}`, sessionId: l.id });
    // The joined specialist's page decoded the patient, but the patient's page never said it decoded the specialist
    // (a peer that came up and failed one way): the media never flowed both ways.
    doctor.send({ type: 'home-media-up', sessionId: l.id });
    await until(async () => ((await homeAudit(l.id)).some(([a]) => a === 'media-received') ? true : undefined));
    clock.advance(3 * MIN);
    doctor.send({ type: 'hangup', sessionId: l.id });
    expect(await p.next((m) => m.type === 'ended')).toEqual({ type: 'ended', status: 'not-done' });
    await statusBecomes(l.id, 'not-done');
    expect(await act(l.id)).toMatchObject({ outcome: 'hangup-specialist', connectedAt: null, durationMs: null });
    expect((await homeAudit(l.id)).at(-1)).toEqual(['end', 'dr-blanc', 'home act → not-done (hangup-specialist)']);
    await roux.close();
    await doctor.close();
  });

  it('does not acknowledge a half the store failed to write, nor keep it: said again, it is written once and brings the media up', async () => {
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const { l, p } = await inProgress(doctor, 600);
    clock.advance(3000);
    doctor.send({ type: 'home-media-up', sessionId: l.id });
    await doctor.next((m) => m.type === 'home-media-up-stored' && m.sessionId === l.id);
    // The store fails the patient's half once: an SQLite error raised in its transaction (a trigger on the cloud's file).
    const raw = new Database(join(c.dir, CLOUD_DB_FILE));
    raw.exec(`CREATE TRIGGER injected_fault BEFORE UPDATE OF patient_at ON home_act_media
                BEGIN SELECT RAISE(ABORT, 'injected fault: the patient half'); END`);
    const errors = c.cloud.teleconsult.relay.metrics().storeErrors;
    clock.advance(1000);
    p.send({ type: 'media-up' });
    await until(() => (c.cloud.teleconsult.relay.metrics().storeErrors > errors ? true : undefined));
    raw.exec('DROP TRIGGER injected_fault');
    raw.close();
    expect(p.got.filter((m) => m.type === 'media-up-stored')).toEqual([]);
    expect((await act(l.id)).connectedAt).toBeNull();
    // Said again (the page's timer): written now, with its line, and acknowledged; the media up at this half.
    clock.advance(2000);
    const upAt = clock.now().toISOString();
    p.send({ type: 'media-up' });
    await p.next((m) => m.type === 'media-up-stored');
    expect((await act(l.id)).connectedAt).toBe(upAt);
    const lines = await homeAudit(l.id);
    expect(lines.filter(([a]) => a === 'media-received').map(([, who]) => who)).toEqual(['dr-blanc', 'link:patient']);
    expect(lines.filter(([a]) => a === 'connected')).toHaveLength(1);
    doctor.send({ type: 'hangup', sessionId: l.id });
    await statusBecomes(l.id, 'completed');
    await doctor.close();
  });

  it('is taken back by the specialist’s next page, and the conversation’s signals flow again', async () => {
    const first = await PageSocket.open(c.cloud.httpUrl, blanc);
    const { l, p, participantId } = await inProgress(first, 300);
    await first.close();
    await until(() => (c.cloud.teleconsult.relay.metrics().openPages === 0 ? true : undefined));
    const second = await PageSocket.open(c.cloud.httpUrl, blanc);
    expect((await participantsOf(second, l.id, 'admitted')).participants).toEqual([expect.objectContaining({ id: participantId })]);
    expect(await second.next((m) => m.type === 'participant-admitted')).toMatchObject({ sessionId: l.id, participantId });
    await p.next((m) => m.type === 'specialist-back');
    p.send({ type: 'signal', signal: { kind: 'ready' } });
    expect((await second.next((m) => m.type === 'participant-signal')).signal).toEqual({ kind: 'ready' });
    second.send({ type: 'participant-signal', sessionId: l.id, participantId, signal: { kind: 'offer', pc: 'pc-2', sdp: SDP } });
    expect(await p.next((m) => m.type === 'signal')).toEqual({ type: 'signal', signal: { kind: 'offer', pc: 'pc-2', sdp: SDP } });
    expect((await act(l.id)).status).toBe('in-progress');
    p.ws.close();
    await second.close();
  });

  it('lets a patient who comes back into the act at once, not into the waiting room', async () => {
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const { l, p } = await inProgress(doctor, 360);
    p.ws.close();
    await p.closed;
    await until(() => (c.cloud.teleconsult.relay.participants.of(l.id).length === 0 ? true : undefined));
    const mark = doctor.received.length;
    const back = await patient(l);
    expect(await back.next((m) => m.type === 'admitted')).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });
    const admitted = await doctor.next((m) => m.type === 'participant-admitted', mark);
    back.send({ type: 'signal', signal: { kind: 'ready' } });
    expect(await doctor.next((m) => m.type === 'participant-signal', mark)).toMatchObject({
      participantId: admitted.participantId,
      signal: { kind: 'ready' },
    });
    expect((await act(l.id)).status).toBe('in-progress');
    back.ws.close();
    await doctor.close();
  });

  it('ends not done (technical-failure) when both sides are gone beyond the rejoin window, not before', async () => {
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const { l, p } = await inProgress(doctor, 420);
    const grace = c.cloud.teleconsult.config.rejoinGraceSeconds * 1000;
    const armed = clock.pending();
    p.ws.close();
    await doctor.close();
    await until(() => (clock.pending() > armed ? true : undefined));
    // The specialist's page back within the window: the act goes on, past it.
    clock.advance(grace / 2);
    const again = await PageSocket.open(c.cloud.httpUrl, blanc);
    await until(async () => (clock.pending() === armed ? true : undefined));
    clock.advance(grace);
    expect((await act(l.id)).status).toBe('in-progress');
    const armedAgain = clock.pending();
    await again.close();
    await until(() => (clock.pending() > armedAgain ? true : undefined));
    const goneAgainAt = clock.now().toISOString();
    clock.advance(grace - 1000);
    expect((await act(l.id)).status).toBe('in-progress');
    clock.advance(1000);
    await statusBecomes(l.id, 'not-done');
    expect(await act(l.id)).toMatchObject({ outcome: 'technical-failure', endedAt: goneAgainAt });
    expect((await homeAudit(l.id)).at(-1)).toEqual(['end', 'cloud', 'home act → not-done (technical-failure)']);
    expect((await fhir(`Appointment/${l.id}`)).status).toBe('cancelled');
  });

  it('ends when the specialist does not come back within the window, even with the patient still there (specialist-lost)', async () => {
    const doctor = await PageSocket.open(c.cloud.httpUrl, blanc);
    const { l, p } = await inProgress(doctor, 450);
    const grace = c.cloud.teleconsult.config.rejoinGraceSeconds * 1000;
    clock.advance(5000);
    const upAt = clock.now().toISOString();
    p.send({ type: 'media-up' });
    doctor.send({ type: 'home-media-up', sessionId: l.id });
    await until(async () => ((await act(l.id)).connectedAt === upAt ? true : undefined));
    clock.advance(4 * MIN);
    const armed = clock.pending();
    await doctor.close();
    await until(() => (clock.pending() > armed ? true : undefined));
    const goneAt = clock.now().toISOString();
    // The patient's page stays; the specialist's does not come back.
    clock.advance(grace - 1000);
    expect((await act(l.id)).status).toBe('in-progress');
    clock.advance(1000);
    expect(await p.next((m) => m.type === 'ended')).toEqual({ type: 'ended', status: 'completed' });
    await statusBecomes(l.id, 'completed');
    expect(await act(l.id)).toMatchObject({ outcome: 'specialist-lost', endedAt: goneAt, durationMs: 4 * MIN });
    expect((await homeAudit(l.id)).at(-1)).toEqual(['end', 'cloud', 'home act → completed (specialist-lost)']);
  });

  it('is left waiting by the no-show sweep, and ends not done when nobody admits the patient in time', async () => {
    const l = await openHomeAct(c, blanc, 480);
    await confirmIdentity(l, '1941-03-02');
    const p = await patient(l);
    await statusBecomes(l.id, 'waiting');
    noShowNow = new Date(Date.now() + 24 * 60 * MIN);
    await c.cloud.noShows.sweep();
    expect((await act(l.id)).status).toBe('waiting');
    clock.advance(c.cloud.teleconsult.config.waitingTimeoutMinutes * MIN);
    expect(await p.next((m) => m.type === 'ended')).toEqual({ type: 'ended', status: 'not-done' });
    await statusBecomes(l.id, 'not-done');
    expect((await act(l.id)).outcome).toBe('no-join-timeout');
    expect((await homeAudit(l.id)).at(-1)).toEqual(['timeout', 'cloud', 'home act → not-done (no-join-timeout)']);
  });
});
