/**
 * The cloud of the room-restart tests (guest-room-restart, room-restart.browser): a child cloud on
 * its folder with a long rejoin window, the forwarding unit on loopback, Dr Roux and an auditor;
 * started, and both signed in. With `home`, also Dr Blanc of the home kits' site (home-*) and the
 * home patient, and what a home act needs from the child's store: its join link, its row.
 */
import { join } from 'node:path';
import { CLOUD_DB_FILE, hashPassword, SqliteStore } from '@telecart/cloud';
import { afterAll } from 'vitest';
import type { TeleconsultationRecord } from '../../cloud/src/store/teleconsult-records.js';
import { issueJoinLink, JOIN_KEY_FILE, loadJoinKey } from '../../cloud/src/teleconsult/join-links.js';
import type { CloudChildDir } from '../support/cloud-child.js';
import type { ServiceChild } from '../support/service-child.js';
import { confirmIdentity, type ParticipantSocket, participantSocket } from './participant-support.js';
import { bookHomeAppointment, type Json, login, PASSWORDS, PageSocket } from './support.js';

/** The cart's patient of the home-act restart tests (the cloud's patients besides the home one). */
export const CART_PATIENT = { id: 'ehpad-r3', family: 'MARTIN', given: 'Jeanne', gateways: ['cart-1'] };

/** A restart test's state: its folder, the cloud running now (replaced at each restart), what it opened. */
export interface ChildCloudScope {
  dir?: CloudChildDir;
  cloud?: ServiceChild;
  readonly closing: (() => unknown)[];
  /** Closes what was opened, newest first (a crash test's sockets of the dead process); failures ignored. */
  closeOpened(): Promise<void>;
}

/** A restart test's scope, torn down after the file's tests: what it opened closed, the cloud stopped, the folder removed. */
export function childCloudScope(): ChildCloudScope {
  const scope: ChildCloudScope = {
    closing: [],
    async closeOpened() {
      for (const f of scope.closing.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
    },
  };
  afterAll(async () => {
    await scope.closeOpened();
    await scope.cloud?.stop();
    scope.dir?.remove();
  });
  return scope;
}

/** The home patient of a home act (on the kit home-7), and the date of birth the join page asks. */
export const HOME_PATIENT = { id: 'p-home', family: 'Martin', given: 'Jeanne', birthDate: '1941-03-02', gateways: ['home-7'] };

export interface RoomRestartCloud {
  cloud: ServiceChild;
  http: string;
  /** Dr Roux's and the auditor's session cookies. */
  cookie: string;
  auditor: string;
  /** Dr Blanc's session cookie (`home` only, else empty). */
  blanc: string;
}

export async function startRoomRestartCloud(
  folder: CloudChildDir,
  patient: Record<string, unknown>,
  opts: { home?: boolean; killAt?: string } = {},
): Promise<RoomRestartCloud> {
  const home = opts.home === true;
  folder.configure({
    patients: home ? [patient, HOME_PATIENT] : [patient],
    teleconsult: {
      ...(home ? { sites: [{ id: 'home', name: 'Home kits', gateways: ['home-*'] }] } : {}),
      rejoinGraceSeconds: 120,
      leaseSeconds: 6,
      connectTimeoutSeconds: 60,
      forwardingUnit: { hostAddresses: ['127.0.0.1'] },
      specialists: [
        { id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORDS['dr-roux'], 10), gateways: ['cart-*'] },
        { id: 'auditor', name: 'DPO', passwordHash: await hashPassword(PASSWORDS.auditor, 10), audit: true },
        ...(home
          ? [{ id: 'dr-blanc', name: 'Dr Marc Blanc', passwordHash: await hashPassword(PASSWORDS['dr-blanc'], 10), sites: ['home'] }]
          : []),
      ],
    },
  });
  const cloud = await folder.start(opts.killAt ? { killAt: opts.killAt } : {});
  const http = String(cloud.info.httpUrl);
  return {
    cloud,
    http,
    cookie: await login(http, 'dr-roux', PASSWORDS['dr-roux']),
    auditor: await login(http, 'auditor', PASSWORDS.auditor),
    blanc: home ? await login(http, 'dr-blanc', PASSWORDS['dr-blanc']) : '',
  };
}

/** Runs `fn` on the child cloud's SQLite store, opened beside it in this process (WAL: the child goes on), then closed. */
async function onChildStore<T>(folder: CloudChildDir, fn: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore({ file: join(folder.dir, 'cloud', CLOUD_DB_FILE) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * A home act on home-7 with Dr Blanc, starting `minutesAhead` from now (booked through the API), and its
 * join link as the invitation would carry it (made with the child's key, saved in its store). Not opened:
 * the patient's browser opens it first, which binds it to that device.
 */
export async function bookHomeAct(
  folder: CloudChildDir,
  http: string,
  blanc: string,
  minutesAhead: number,
): Promise<{ id: string; url: URL }> {
  const id = await bookHomeAppointment(http, blanc, minutesAhead, HOME_PATIENT.id);
  const url = await onChildStore(folder, async (store) => {
    const appointment = await store.getAppointment(id);
    if (!appointment) throw new Error('the booked appointment is not in the store');
    const key = loadJoinKey(join(folder.dir, 'cloud', JOIN_KEY_FILE));
    return issueJoinLink({ store, key, appointment, publicBaseUrl: http, now: new Date() });
  });
  return { id, url: new URL(url) };
}

/**
 * A home act booked (`bookHomeAct`), its link opened by the patient's device (which binds it to that device)
 * and the patient's identity confirmed: the act and the device's cookie.
 */
export async function openedHomeAct(
  folder: CloudChildDir,
  http: string,
  blanc: string,
  minutesAhead: number,
): Promise<{ id: string; url: URL; device: string }> {
  const act = await bookHomeAct(folder, http, blanc, minutesAhead);
  const opened = await fetch(act.url);
  if (opened.status !== 200) throw new Error(`the join link answered ${opened.status}`);
  const device = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  await confirmIdentity({ id: act.id, url: act.url, cookie: device }, HOME_PATIENT.birthDate);
  return { ...act, device };
}

/** The home patient's socket under their act's link, from their device; a refused upgrade throws with its status. */
export async function homePatientSocket(http: string, act: { url: URL; device: string }): Promise<ParticipantSocket> {
  const s = await participantSocket(http, act.url, act.device);
  if (typeof s === 'number') throw new Error(`the patient's socket refused: ${s}`);
  return s;
}

/**
 * Openers of the doctor's page socket and the home patient's socket for a cloud that restarts (`http()` read at each
 * open), each closed at the test's end through `closing`.
 */
export function homeActSockets(
  http: () => string,
  blanc: string,
  act: { url: URL; device: string },
  closing: (() => unknown)[],
): { page(): Promise<PageSocket>; patient(): Promise<ParticipantSocket> } {
  return {
    async page() {
      const p = await PageSocket.open(http(), blanc);
      closing.push(() => p.close());
      return p;
    },
    async patient() {
      const s = await homePatientSocket(http(), act);
      closing.push(() => s.ws.close());
      return s;
    },
  };
}

/** The doctor's page admits the home patient waiting in its list; resolves once the patient's socket is told. */
export async function admitHomePatient(doctor: PageSocket, patient: ParticipantSocket, sessionId: string): Promise<void> {
  const name = `${HOME_PATIENT.given} ${HOME_PATIENT.family}`;
  const list = await doctor.next(
    (m) => m.type === 'participants' && (m.participants as Json[]).some((x) => x.name === name && x.state === 'waiting'),
  );
  doctor.send({ type: 'admit', sessionId, participantId: (list.participants as Json[])[0]?.id });
  await patient.next((m) => m.type === 'admitted');
}

/** The act's row as the child cloud last wrote it. */
export function actRow(folder: CloudChildDir, sessionId: string): Promise<TeleconsultationRecord | null> {
  return onChildStore(folder, (store) => store.getTeleconsultation(sessionId));
}
