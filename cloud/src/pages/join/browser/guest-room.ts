/**
 * A guest's media, once let in: one peer connection with the act's room on the cloud's forwarding
 * unit (ui/src/browser/unit-call.ts), signaled over the guest's socket (GET /guest/:token/ws,
 * teleconsult/unit-signaling.ts). On `unit-ready` the page opens its camera and microphone and offers
 * (three receive slots: the specialist, and up to two others); the unit's answer, candidates and
 * `unit-slots` (who each slot carries, by name) come back on the same socket. Each other participant
 * is a tile in #guest-room-tiles, labelled with their name.
 */
import { byId, LocalMedia, UnitCall } from '@telecart/ui/browser';
import type { home, TextsOf } from '@telecart/ui/i18n';

/** The other participants a guest may see at once (the specialist, the cart or the patient, another guest). */
const SLOTS = 3;

export interface GuestRoom {
  /** A unit-* message of the cloud; false when it is not one. */
  onMessage(m: { type?: unknown; [k: string]: unknown }): boolean;
  stop(): void;
}

export function startGuestRoom(t: TextsOf<typeof home>, ws: WebSocket): GuestRoom {
  let call: UnitCall | null = null;
  let local: LocalMedia | null = null;
  let stopped = false;
  const note = byId('guest-room-note');
  const section = byId('guest-room');
  const send = (m: unknown) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
  };

  async function start(iceServers: RTCIceServer[]): Promise<void> {
    local ??= await LocalMedia.open();
    if (stopped) return;
    call?.close();
    section.hidden = false;
    note.textContent = t.roomConnecting;
    byId<HTMLVideoElement>('guest-room-self').srcObject = local.video ? new MediaStream([local.video]) : null;
    const c = new UnitCall({
      iceServers,
      local,
      slots: SLOTS,
      tiles: byId('guest-room-tiles'),
      send,
      onState: (s) => {
        section.dataset.state = s;
        note.textContent = s === 'connected' ? '' : s === 'failed' ? t.roomLost : note.textContent;
      },
      onError: (message) => {
        note.textContent = message;
      },
    });
    call = c;
    await c.offer();
  }

  return {
    onMessage(m) {
      switch (m.type) {
        case 'unit-ready':
          start(Array.isArray(m.iceServers) ? (m.iceServers as RTCIceServer[]) : []).catch((e: unknown) => {
            note.textContent = String((e instanceof Error && e.message) || e);
          });
          return true;
        case 'unit-answer':
          if (typeof m.sdp === 'string') void call?.accept(m.sdp);
          return true;
        case 'unit-ice':
          if (typeof m.candidate === 'object' && m.candidate !== null) call?.ice(m.candidate as RTCIceCandidateInit);
          return true;
        case 'unit-slots':
          call?.label(m.slots);
          return true;
        default:
          return false;
      }
    },
    stop() {
      stopped = true;
      call?.close();
      call = null;
      local?.stop();
      section.hidden = true;
    },
  };
}
