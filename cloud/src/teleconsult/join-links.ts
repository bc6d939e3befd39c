/**
 * The patient's join link of a home act: a 256-bit token in the URL, only its SHA-256 at rest, valid
 * until the end of the slot plus a grace, for one act only, and single-use per device: the first
 * device that opens it is bound to it (an HttpOnly cookie holding a random secret, its SHA-256
 * stored); that device may open it again, any other is refused.
 *
 * The token is derived (HMAC-SHA256 under the cloud's key) from the appointment and its slot, so the
 * invitation loop, which may build a message several times (rounds, restarts), always puts the same
 * link in it and the store keeps one row; a reschedule makes a new link, and the old one stops
 * opening the act. The key stays in the cloud's data directory: the table alone opens nothing.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ActLinkRecord } from '../store/act-link-records.js';
import type { AppointmentRecord } from '../store/appointment-records.js';
import type { CloudStore } from '../store/cloud-store.js';
import type { TeleconsultationRecord } from '../store/teleconsult-records.js';

/** After the slot's end, the link still opens the act this long (an act that runs over). */
export const JOIN_GRACE_MS = 30 * 60_000;
export const JOIN_PATH = '/join/';
/** A guest's link (the participant page, not built yet: see docs/conversation.md). */
export const GUEST_PATH = '/guest/';
/** In the cloud's data directory. */
export const JOIN_KEY_FILE = 'join-links.key';
/** The device cookie of one link, its path that link's only. */
export const DEVICE_COOKIE = 'telecart_join_device';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const joinExpiry = (a: Pick<AppointmentRecord, 'end'>) => new Date(Date.parse(a.end) + JOIN_GRACE_MS).toISOString();

/**
 * The key of the join tokens, in the cloud's data directory: made (32 random bytes, hex, mode 0600)
 * on the first start, read afterwards. Losing it only stops the links already sent from opening.
 * The directory is made if missing: with a PostgreSQL store nothing else has created it yet.
 */
export function loadJoinKey(file: string): Buffer {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new Error(`${file}: expected 64 hex characters (the join links' key); remove it to make a new one`);
  return Buffer.from(hex, 'hex');
}

/** The token of this appointment's current slot (the same every time it is asked). */
export function joinToken(key: Buffer, a: Pick<AppointmentRecord, 'id' | 'start' | 'end'>): string {
  return createHmac('sha256', key).update(`join\n${a.id}\n${a.start}\n${a.end}`).digest('base64url');
}

/** Saves the link of the appointment's current slot (once) and returns its URL. */
export async function issueJoinLink(o: {
  store: Pick<CloudStore, 'saveActLink'>;
  key: Buffer;
  appointment: AppointmentRecord;
  publicBaseUrl: string;
  now: Date;
}): Promise<string> {
  const a = o.appointment;
  const token = joinToken(o.key, a);
  await o.store.saveActLink({
    tokenSha256: sha256(token),
    appointmentId: a.id,
    patientId: a.patientId,
    createdAt: o.now.toISOString(),
    expiresAt: joinExpiry(a),
    deviceSha256: null,
    boundAt: null,
    role: 'patient',
    guestName: null,
    revokedAt: null,
    admittedAt: null,
  });
  return `${o.publicBaseUrl.replace(/\/+$/, '')}${JOIN_PATH}${token}?act=${encodeURIComponent(a.id)}`;
}

export type JoinOutcome =
  | {
      ok: true;
      link: ActLinkRecord;
      appointment: AppointmentRecord /** Set it as the cookie: this device was just bound. */;
      newDeviceSecret: string | null;
    }
  | {
      ok: false;
      status: 403 | 404 | 410;
      reason: 'malformed' | 'unknown' | 'other-act' | 'expired' | 'superseded' | 'closed' | 'other-device' | 'removed';
      message: string;
      link: ActLinkRecord | null;
    };

/** What opening `token` for act `act` from a device holding `deviceSecret` (its cookie, if any) gives at `now`. */
export async function openJoinLink(
  store: Pick<CloudStore, 'getActLink' | 'bindActLink' | 'getAppointment'>,
  token: string,
  act: string,
  deviceSecret: string | undefined,
  now: Date,
  newSecret: () => string = () => randomBytes(32).toString('base64url'),
): Promise<JoinOutcome> {
  const refuse = (
    status: 403 | 404 | 410,
    reason: Extract<JoinOutcome, { ok: false }>['reason'],
    message: string,
    link: ActLinkRecord | null,
  ) => ({ ok: false, status, reason, message, link }) as const;
  if (!TOKEN.test(token)) return refuse(404, 'malformed', 'this link is not a Telecart link: check it was copied whole', null);
  const link = await store.getActLink(sha256(token));
  // A guest's link opens a running act (openGuestLink), never the patient's page.
  if (link === null || link.role !== 'patient') return refuse(404, 'unknown', 'no teleconsultation at this link', null);
  if (link.revokedAt !== null) return refuse(403, 'removed', REMOVED, link);
  if (link.appointmentId !== act)
    return refuse(403, 'other-act', 'this link is for another teleconsultation: open the link of this one', link);
  if (now.getTime() >= Date.parse(link.expiresAt))
    return refuse(410, 'expired', `this link expired on ${link.expiresAt}: the teleconsultation is over`, link);
  const appointment = await store.getAppointment(link.appointmentId);
  if (appointment === null) return refuse(404, 'unknown', 'no teleconsultation at this link', link);
  if (appointment.status === 'cancelled' || appointment.status === 'not-done' || appointment.status === 'completed')
    return refuse(410, 'closed', `this teleconsultation is ${appointment.status}`, link);
  if (joinExpiry(appointment) !== link.expiresAt)
    return refuse(410, 'superseded', 'the teleconsultation was moved: open the link of the latest invitation', link);
  const mine = deviceSecret !== undefined && SECRET.test(deviceSecret) ? sha256(deviceSecret) : null;
  if (link.deviceSha256 !== null) {
    if (mine !== null && same(mine, link.deviceSha256)) return { ok: true, link, appointment, newDeviceSecret: null };
    return refuse(403, 'other-device', 'this link was already opened on another device: use that device, or ask for a new link', link);
  }
  const secret = newSecret();
  const bound = await store.bindActLink(link.tokenSha256, sha256(secret), now);
  if (bound?.deviceSha256 !== sha256(secret))
    return refuse(403, 'other-device', 'this link was already opened on another device: use that device, or ask for a new link', link);
  return { ok: true, link: bound, appointment, newDeviceSecret: secret };
}

const REMOVED = 'the specialist removed this participant from the teleconsultation: this link no longer opens it';
const OTHER_DEVICE = 'this link was already opened on another device: use that device, or ask for a new link';

/** A guest's link stays valid this long at most; it also stops when the act ends or the guest is removed. */
export const GUEST_LINK_MS = 4 * 60 * 60_000;

/**
 * A link for a guest the specialist invites into a running act (the patient's GP, a relative, an
 * interpreter): a random 256-bit token (not derived: each invitation is a new guest), act-scoped,
 * bound to the first device that opens it, valid GUEST_LINK_MS at most. Returns its URL and record.
 */
export async function issueGuestLink(o: {
  store: Pick<CloudStore, 'saveActLink'>;
  act: Pick<TeleconsultationRecord, 'sessionId' | 'patientId'>;
  guestName: string;
  publicBaseUrl: string;
  now: Date;
  token?: string;
}): Promise<{ url: string; link: ActLinkRecord }> {
  const token = o.token ?? randomBytes(32).toString('base64url');
  const link: ActLinkRecord = {
    tokenSha256: sha256(token),
    appointmentId: o.act.sessionId,
    patientId: o.act.patientId,
    createdAt: o.now.toISOString(),
    expiresAt: new Date(o.now.getTime() + GUEST_LINK_MS).toISOString(),
    deviceSha256: null,
    boundAt: null,
    role: 'guest',
    guestName: o.guestName,
    revokedAt: null,
    admittedAt: null,
  };
  await o.store.saveActLink(link);
  return { url: `${o.publicBaseUrl.replace(/\/+$/, '')}${GUEST_PATH}${token}?act=${encodeURIComponent(o.act.sessionId)}`, link };
}

export type GuestOutcome =
  | { ok: true; link: ActLinkRecord; act: TeleconsultationRecord; newDeviceSecret: string | null }
  | {
      ok: false;
      status: 403 | 404 | 410;
      reason: 'malformed' | 'unknown' | 'other-act' | 'expired' | 'closed' | 'other-device' | 'removed';
      message: string;
      link: ActLinkRecord | null;
    };

/**
 * What opening a guest's `token` for act `act` from a device holding `deviceSecret` gives at `now`:
 * refused when malformed or unknown (404), for another act, removed by the specialist, or already
 * bound to another device (403), expired or for an act no longer in progress (410).
 */
export async function openGuestLink(
  store: Pick<CloudStore, 'getActLink' | 'bindActLink' | 'getTeleconsultation'>,
  token: string,
  act: string,
  deviceSecret: string | undefined,
  now: Date,
  newSecret: () => string = () => randomBytes(32).toString('base64url'),
): Promise<GuestOutcome> {
  const refuse = (
    status: 403 | 404 | 410,
    reason: Extract<GuestOutcome, { ok: false }>['reason'],
    message: string,
    link: ActLinkRecord | null,
  ) => ({ ok: false, status, reason, message, link }) as const;
  if (!TOKEN.test(token)) return refuse(404, 'malformed', 'this link is not a Telecart link: check it was copied whole', null);
  const link = await store.getActLink(sha256(token));
  if (link === null || link.role !== 'guest') return refuse(404, 'unknown', 'no teleconsultation at this link', null);
  if (link.appointmentId !== act)
    return refuse(403, 'other-act', 'this link is for another teleconsultation: open the link you were sent for this one', link);
  if (link.revokedAt !== null) return refuse(403, 'removed', REMOVED, link);
  if (now.getTime() >= Date.parse(link.expiresAt))
    return refuse(410, 'expired', `this link expired on ${link.expiresAt}: ask the specialist for a new one`, link);
  const rec = await store.getTeleconsultation(link.appointmentId);
  if (rec === null) return refuse(404, 'unknown', 'no teleconsultation at this link', link);
  if (rec.status !== 'in-progress') return refuse(410, 'closed', `this teleconsultation is ${rec.status}, not under way`, link);
  const mine = deviceSecret !== undefined && SECRET.test(deviceSecret) ? sha256(deviceSecret) : null;
  if (link.deviceSha256 !== null) {
    if (mine !== null && same(mine, link.deviceSha256)) return { ok: true, link, act: rec, newDeviceSecret: null };
    return refuse(403, 'other-device', OTHER_DEVICE, link);
  }
  const secret = newSecret();
  const bound = await store.bindActLink(link.tokenSha256, sha256(secret), now);
  if (bound?.deviceSha256 !== sha256(secret)) return refuse(403, 'other-device', OTHER_DEVICE, link);
  return { ok: true, link: bound, act: rec, newDeviceSecret: secret };
}

function same(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
