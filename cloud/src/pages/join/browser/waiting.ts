/**
 * The join page's waiting step: a WebSocket under the link (GET /join/:token/ws, or /guest/:token/ws
 * for a guest) on which the cloud says `waiting`, then `admitted` or `refused` by the specialist
 * (teleconsult/participants.ts). Once the home patient is admitted, the same socket carries the
 * conversation's signaling (call.ts); a guest's media go through the forwarding unit, not here.
 * The act's end is said (`ended`: « La téléconsultation est terminée »), not taken for a lost link; the
 * specialist's page coming back (`specialist-back`) gets a fresh `ready`, so it offers again.
 * A guest's media go through the forwarding unit (guest-room.ts), and the home patient's too once a
 * guest is in (beside their call with the specialist); a guest the specialist removes is told
 * by whom (`removed`) and their media stop.
 * A lost socket (a cloud restart, a dropped network) is opened again with a backoff, the page saying
 * « Connexion perdue, reconnexion… »: a participant let in before is let in again at once by the cloud
 * (no waiting room, no identity again). The home patient's call goes on meanwhile: its peer connection is
 * the two browsers', the socket only signals it; on the new socket's admission the page says `ready` with
 * that peer's id, and the specialist's page keeps it (call.ts). An attempt the cloud refuses asks the link's
 * page why: the act ended meanwhile (410) or the link was withdrawn (403, 404), and the page says so and stops.
 * The home patient's `media-up` (call.ts) is said again at each admission, and on a timer, until the cloud
 * says it is stored (`media-up-stored`): one said just before a crash of the cloud is not lost.
 * body[data-step] goes waiting → admitted | refused | removed | ended | reconnecting | lost, for the page and the tests.
 */
import { Backoff, byId, MediaUpWord } from '@telecart/ui/browser';
import { format, type home, type TextsOf } from '@telecart/ui/i18n';
import { type Call, startCall } from './call.js';
import { type GuestRoom, startGuestRoom } from './guest-room.js';

const FINAL = new Set(['refused', 'ended', 'removed', 'lost']);

/** `media`: the ICE servers' route of the link when this participant talks with the specialist here (the home patient). */
export function startWaiting(t: TextsOf<typeof home>, media: { iceServersUrl: string } | null): void {
  const text = byId('waiting-text');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${location.pathname}/ws${location.search}`;
  let ws: WebSocket | null = null;
  let call: Call | null = null;
  const backoff = new Backoff();
  const send = (m: unknown) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
  };
  const word = new MediaUpWord(() => send({ type: 'media-up' }), byId('call'));
  // A guest's media go through the forwarding unit (guest-room.ts), not a conversation with the specialist;
  // the home patient's too once a guest is in, with the call's microphone and camera, beside the call.
  // While the room carries the patient to the specialist (both peers with it up) the call holds.
  let roomCarries = false;
  const room: GuestRoom = startGuestRoom(t, send, media ? () => call?.media() ?? null : null, (c) => {
    roomCarries = c;
    call?.hold(c);
  });
  const step = (s: string, words: string) => {
    document.body.dataset.step = s;
    text.textContent = words;
  };
  const final = () => FINAL.has(document.body.dataset.step ?? '');

  function ended(): void {
    step('ended', t.endedText);
    call?.stop();
    call = null;
    room.stop();
    byId('call').hidden = true;
  }

  function onMessage(e: MessageEvent): void {
    let m: unknown;
    try {
      m = JSON.parse(String(e.data));
    } catch {
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    if (room.onMessage(m as { type?: unknown })) return;
    const { type, by, signal } = m as { type?: unknown; by?: unknown; signal?: unknown };
    const who = typeof by === 'string' ? by : '';
    if (type === 'waiting') {
      step('waiting', t.waitingText);
    } else if (type === 'admitted') {
      step('admitted', format(t.admittedText, { by: who }));
      if (media && !call) {
        call = startCall(t, send, media.iceServersUrl, word, () => room.mediaChanged());
        call.hold(roomCarries);
      } else call?.again();
      // Said before and not stored yet (the cloud crashed meanwhile): said again on this socket.
      if (media) word.again();
    } else if (type === 'refused') {
      step('refused', format(t.refusedText, { by: who }));
    } else if (type === 'removed') {
      step('removed', format(t.removedText, { by: who }));
      room.stop();
    } else if (type === 'ended') {
      ended();
    } else if (type === 'specialist-back') {
      call?.again();
    } else if (type === 'media-up-stored') {
      word.stored();
    } else if (type === 'signal') {
      call?.onSignal(signal);
    }
  }

  /** Why the cloud refused the socket: the link's page answers 410 once the act is over, 403/404 once the link is withdrawn. */
  async function refusedWhy(): Promise<'ended' | 'withdrawn' | null> {
    const r = await fetch(location.href, { cache: 'no-store', credentials: 'same-origin' }).catch(() => null);
    if (r === null || r.ok || r.status >= 500) return null;
    return r.status === 410 ? 'ended' : 'withdrawn';
  }

  function connect(): void {
    const socket = new WebSocket(url);
    ws = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      backoff.reset();
    });
    socket.addEventListener('message', onMessage);
    socket.addEventListener('close', () => {
      if (ws !== socket) return;
      // The conversation's peer goes on without its signaling (the next admission says `ready` with it).
      room.pause();
      if (final()) {
        call?.stop();
        call = null;
        room.stop();
        return;
      }
      step('reconnecting', t.reconnecting);
      setTimeout(() => {
        void (opened ? Promise.resolve(null) : refusedWhy()).then((why) => {
          if (why === 'ended') ended();
          else if (why === 'withdrawn') {
            room.stop();
            step('lost', t.waitingLost);
          } else connect();
        });
      }, backoff.next());
    });
  }
  connect();
}
