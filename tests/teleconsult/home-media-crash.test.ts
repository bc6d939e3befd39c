/**
 * A home act's « media up » across crashes of the cloud at the worst instants (docs/teleconsultation.md,
 * « The home act's status »): the built CLI runs the cloud (SQLite file) as a child process whose kill
 * point (TELECART_TEST_KILL_AT) SIGKILLs it exactly there; the specialist's page and the patient's page are
 * WebSockets of the test, saying what the real pages say (each says its half again on each new socket
 * until the cloud answers it is stored, MediaUpWord).
 *   run 1, home-media-said: the specialist's half received, nothing written: lost with the process, never
 *          acknowledged;
 *   run 2, home-media-kept: the page says it again; it is written, the process dies before the page is told;
 *   run 3, home-media-up: the page says it again (nothing new is written, it is told); the store fails the
 *          patient's half once (an SQLite error raised in its transaction by a trigger the test arms beside the
 *          child): not acknowledged, nothing kept, not even in the process's memory; the page says it again (its
 *          timer), it is written, the process dies before the act's media up is;
 *   run 4: the act taken back finds both halves and writes the media up; both pages say theirs again and are
 *          told, nothing new is written.
 * At the end: one `media-received` per side, one `connected`, the act's connectedAt the patient's half's time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOUD_DB_FILE } from '@telecart/cloud';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { cloudChildDir, exitSignal } from '../support/cloud-child.js';
import { waitFor } from '../support/wait.js';
import type { ParticipantSocket } from './participant-support.js';
import {
  actRow,
  admitHomePatient,
  CART_PATIENT,
  childCloudScope,
  homeActSockets,
  openedHomeAct,
  startRoomRestartCloud,
} from './room-restart-support.js';
import type { PageSocket } from './support.js';

const scope = childCloudScope();
const { closing } = scope;

it('a half said just before a crash is said again and kept once; one kept but not acknowledged is not written twice; both kept, the media up is written at the next start', {
  timeout: 120_000,
}, async () => {
  scope.dir = await cloudChildDir('home-media-crash');
  const folder = scope.dir;
  const started = await startRoomRestartCloud(folder, CART_PATIENT, {
    home: true,
    killAt: 'home-media-said',
  });
  scope.cloud = started.cloud;
  const { auditor, blanc } = started;
  const http = () => String(scope.cloud?.info.httpUrl);
  // The patient's device opens the link (bound to it) and confirms who they are.
  const act = await openedHomeAct(folder, http(), blanc, 10);

  const { page, patient } = homeActSockets(http, blanc, act, closing);
  const storedAt = (p: PageSocket) => p.next((m) => m.type === 'home-media-up-stored' && m.sessionId === act.id);
  const trail = async () => {
    const r = await fetch(`${http()}/api/audit?session=${act.id}`, { headers: { cookie: auditor } });
    return ((await r.json()) as { events: { action: string; actor: string; at: string }[] }).events;
  };
  /** The pages' next run: the crashed process gone, a new one on the same store (`killAt` armed or not). */
  const restart = async (dying: Promise<NodeJS.Signals | null>, killAt?: string) => {
    expect(await dying).toBe('SIGKILL');
    scope.cloud = await folder.start(killAt ? { killAt } : {});
  };

  // The act in progress, the patient let in.
  const doctor = await page();
  const p1: ParticipantSocket = await patient();
  await admitHomePatient(doctor, p1, act.id);

  // Run 1: the specialist's half arrives, the process dies before writing anything: the page is never told.
  let dying = exitSignal(scope.cloud);
  doctor.send({ type: 'home-media-up', sessionId: act.id });
  await restart(dying, 'home-media-kept');
  expect(doctor.received.some((m) => m.type === 'home-media-up-stored')).toBe(false);

  // Run 2: the page's new socket says it again; written, the process dies before the page is told.
  dying = exitSignal(scope.cloud);
  const doctor2 = await page();
  doctor2.send({ type: 'home-media-up', sessionId: act.id });
  await restart(dying, 'home-media-up');
  expect(doctor2.received.some((m) => m.type === 'home-media-up-stored')).toBe(false);
  expect((await trail()).filter((e) => e.action === 'media-received').map((e) => e.actor)).toEqual(['dr-blanc']);

  // Run 3: said again, nothing new written, the page told; the patient's half written, the process dies before the media up.
  dying = exitSignal(scope.cloud);
  const doctor3 = await page();
  doctor3.send({ type: 'home-media-up', sessionId: act.id });
  await storedAt(doctor3);
  const p3 = await patient();
  expect(await p3.next(() => true)).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });
  // The store fails the patient's half once: an SQLite error in its transaction (a trigger armed beside the child).
  const raw = new Database(join(folder.dir, 'cloud', CLOUD_DB_FILE));
  raw.exec(`CREATE TRIGGER injected_fault BEFORE UPDATE OF patient_at ON home_act_media
              BEGIN SELECT RAISE(ABORT, 'injected fault: the patient half'); END`);
  p3.send({ type: 'media-up' });
  await waitFor(() => readFileSync(join(folder.dir, 'cloud.log'), 'utf8').includes('injected fault: the patient half'), {
    what: 'the failed write in the cloud’s log',
  });
  raw.exec('DROP TRIGGER injected_fault');
  raw.close();
  // Not acknowledged (nothing kept): the page's timer says it again; written now, the process dies before the media up.
  p3.send({ type: 'media-up' });
  await restart(dying);
  expect(p3.got.some((m) => m.type === 'media-up-stored')).toBe(false);

  // Run 4: the act taken back has both halves: its media are up; both pages say theirs again, told, nothing new written.
  const doctor4 = await page();
  doctor4.send({ type: 'home-media-up', sessionId: act.id });
  await storedAt(doctor4);
  const p4 = await patient();
  await p4.next((m) => m.type === 'admitted');
  p4.send({ type: 'media-up' });
  await p4.next((m) => m.type === 'media-up-stored');
  const row = await waitFor(async () => {
    const r = await actRow(folder, act.id);
    return r?.connectedAt ? r : undefined;
  });
  const lines = await trail();
  const received = lines.filter((e) => e.action === 'media-received');
  expect(received.map((e) => e.actor)).toEqual(['dr-blanc', 'link:patient']);
  expect(lines.filter((e) => e.action === 'connected').map((e) => e.actor)).toEqual(['cloud']);
  // At the later half: the patient's, said in run 3 (its line's time).
  expect(row.connectedAt).toBe(received[1]?.at);
  expect(lines.filter((e) => e.action === 'restart')).toHaveLength(3);
});
