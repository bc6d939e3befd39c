/**
 * The act's guests, through the cloud's forwarding unit (teleconsult/unit-signaling.ts): once this
 * page admitted a guest, the cloud says `unit-ready` (the act's ICE servers) and the page opens one
 * peer connection with the act's room (ui/src/browser/unit-call.ts): its camera and microphone out,
 * three receive slots in, each a tile in #unit-room-tiles labelled with the participant's name
 * (`unit-slots`), with what they turned off. Signaled over /consult/ws. Apart from the cart's media
 * (peer.ts: PTZ video, stethoscope, ECG) and the conversation with the cart or the home patient
 * (conversation.ts, home-call.ts), which stay direct: the room never carries the cart or the home
 * patient to this page (nor this page to them). The conversation's mute and camera-off apply here too
 * (followMedia), and the guests' tiles of the specialist say so.
 */
import { byId, LocalMedia, UnitCall } from '@telecart/ui/browser';
import { t } from './i18n.js';
import { send } from './signaling.js';

/** The other participants this page may see at once through the room: guests (the cart or the home patient come on their direct peer, never in these slots). */
const SLOTS = 3;

let call: { sessionId: string; unit: UnitCall } | null = null;
let local: Promise<LocalMedia> | null = null;
let note = '';
/** The conversation's mute and camera-off, applied to the room's tracks too (followMedia). */
let followed: { mic: boolean; camera: boolean } | null = null;

async function start(sessionId: string, iceServers: RTCIceServer[]): Promise<void> {
  local ??= LocalMedia.open();
  const m = await local;
  call?.unit.close();
  byId('unit-room').hidden = false;
  byId<HTMLVideoElement>('unit-room-self').srcObject = m.video ? new MediaStream([m.video]) : null;
  const unit = new UnitCall({
    iceServers,
    local: m,
    slots: SLOTS,
    tiles: byId('unit-room-tiles'),
    send: (out) => send({ ...out, sessionId }),
    offTexts: () => ({ mic: t().convoRemoteMicOff, camera: t().convoRemoteCamOff, videoPaused: t().convoRemoteVideoPaused }),
    onState: (s) => {
      byId('unit-room').dataset.state = s;
    },
    onError: (message) => {
      note = message;
      renderUnitRoom();
    },
  });
  call = { sessionId, unit };
  note = '';
  renderUnitRoom();
  if (followed) {
    m.setMic(followed.mic);
    m.setCamera(followed.camera);
  }
  await unit.offer();
  unit.media(m.state());
}

/** A unit-* message of the cloud (ready, answer, ice, slots, closed). */
export function onUnitMessage(m: { type: string; sessionId?: unknown; [k: string]: unknown }): void {
  const sessionId = typeof m.sessionId === 'string' ? m.sessionId : '';
  if (m.type === 'unit-ready') {
    start(sessionId, Array.isArray(m.iceServers) ? (m.iceServers as RTCIceServer[]) : []).catch((e: unknown) => {
      note = String((e instanceof Error && e.message) || e);
      renderUnitRoom();
    });
    return;
  }
  if (!call || call.sessionId !== sessionId) return;
  if (m.type === 'unit-answer' && typeof m.sdp === 'string') void call.unit.accept(m.sdp);
  else if (m.type === 'unit-ice' && typeof m.candidate === 'object' && m.candidate !== null)
    call.unit.ice(m.candidate as RTCIceCandidateInit);
  else if (m.type === 'unit-slots') call.unit.label(m.slots);
  else if (m.type === 'unit-closed') {
    endUnitRoom();
    note = t().unitRoomClosed;
    renderUnitRoom();
  }
}

/**
 * The specialist's mute or camera-off on the conversation with the cart or the home patient: the same
 * on the room's tracks, and the guests' tiles of the specialist say so (`unit-media`).
 */
export function followMedia(s: { mic: boolean; camera: boolean }): void {
  followed = s;
  void local?.then((m) => {
    m.setMic(s.mic);
    m.setCamera(s.camera);
    call?.unit.media(m.state());
  });
}

export function endUnitRoom(): void {
  call?.unit.close();
  call = null;
  void local?.then((m) => m.stop());
  local = null;
  byId<HTMLVideoElement>('unit-room-self').srcObject = null;
  byId('unit-room').hidden = true;
}

export function renderUnitRoom(): void {
  byId('unit-room-note').textContent = note;
}
