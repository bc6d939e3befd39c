/**
 * Helpers for the participants' sockets (home patient under a join link, guest under a guest link)
 * against a real cloud (support.ts): book a home act and open its link as the patient's device,
 * confirm the identity, open a participant WebSocket (its messages queued, or the refused status).
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { issueJoinLink, JOIN_KEY_FILE, loadJoinKey } from '../../cloud/src/teleconsult/join-links.js';
import { bookHomeAppointment, type ConsultCloud, type Json } from './support.js';

export interface Link {
  id: string;
  url: URL;
  cookie: string;
}

/** Books a home act on home-7 with dr-blanc, `minutesAhead` from now, and opens its join link as the patient's device. */
export async function openHomeAct(c: ConsultCloud, doctorCookie: string, minutesAhead: number, patient = 'p-home'): Promise<Link> {
  const id = await bookHomeAppointment(c.cloud.httpUrl, doctorCookie, minutesAhead, patient);
  const appointment = await c.cloud.store.getAppointment(id);
  if (!appointment) throw new Error('the booked appointment is not in the store');
  const url = new URL(
    await issueJoinLink({
      store: c.cloud.store,
      key: loadJoinKey(join(c.dir, JOIN_KEY_FILE)),
      appointment,
      publicBaseUrl: c.cloud.httpUrl,
      now: new Date(),
    }),
  );
  const opened = await fetch(url);
  expect(opened.status).toBe(200);
  return { id, url, cookie: (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}

/** The patient confirms who they are by their date of birth. */
export async function confirmIdentity(l: Link, birthDate: string): Promise<void> {
  const r = await fetch(new URL(`${l.url.pathname}/identity${l.url.search}`, l.url), {
    method: 'POST',
    headers: { cookie: l.cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ birthDate }),
  });
  expect(r.status).toBe(200);
}

export interface ParticipantSocket {
  ws: WebSocket;
  got: Json[];
  closed: Promise<number>;
  /** The first message (received since `from`) matching. */
  next(match: (m: Json) => boolean, from?: number): Promise<Json>;
  send(msg: unknown): void;
}

/** A participant's WebSocket under a link (`/join/…` or `/guest/…`): its messages queued, or the HTTP status of a refused upgrade. */
export function participantSocket(httpUrl: string, url: URL, cookie: string): Promise<ParticipantSocket | number> {
  const ws = new WebSocket(`${httpUrl.replace('http', 'ws')}${url.pathname}/ws${url.search}`, {
    headers: { ...(cookie ? { cookie } : {}), origin: httpUrl },
  });
  const got: Json[] = [];
  let waiters: { match: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as Json;
    got.push(m);
    for (const w of waiters.filter((x) => x.match(m))) w.resolve(m);
    waiters = waiters.filter((x) => !x.match(m));
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const socket: ParticipantSocket = {
    ws,
    got,
    closed,
    next(match, from = 0) {
      const have = got.slice(from).find(match);
      if (have) return Promise.resolve(have);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    send(msg) {
      ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

/**
 * The act's specialist (`doctorCookie`) invites a guest by name, and the guest's device opens the link:
 * the guest's id, the link, and the device cookie the opening set.
 */
export async function openGuestLink(httpUrl: string, doctorCookie: string, sessionId: string, name: string): Promise<Link> {
  const r = await fetch(`${httpUrl}/api/teleconsult/acts/${sessionId}/guests`, {
    method: 'POST',
    headers: { cookie: doctorCookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(r.status).toBe(201);
  const b = (await r.json()) as { url: string; guest: { id: string } };
  const url = new URL(b.url);
  const opened = await fetch(url);
  expect(opened.status).toBe(200);
  return { id: b.guest.id, url, cookie: (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}
