/**
 * The cart in the act's room on the cloud's forwarding unit (docs/conversation.md, « The cart and the
 * home patient in the room »): once the specialist let a guest in, the cloud says `ready` (RtcDown
 * unit, passed on by the gateway as the `unit` server-sent event) and this page opens one more peer
 * connection, with the room (ui/src/browser/unit-call.ts): the conversation's microphone and camera
 * out (the same tracks as the direct conversation with the specialist, so mute and camera-off act on
 * both), three receive slots in, each a tile in #convo-guests captioned with the guest's name. The
 * specialist is not in these slots (the room does not carry the specialist to the cart: their voice and
 * face come on the direct conversation). The other way, the specialist receives the cart from the room:
 * while this peer connection is connected and the cloud says the specialist's own peer with the room is
 * up (`specialist {inRoom: true}`), the direct conversation sends nothing (conversation.ts holds it,
 * onRoomCarries), so the cart's uplink carries its conversation once; whenever either is not (before it
 * connects, lost, closed; the specialist's room peer lost or being rebuilt), the direct conversation
 * sends again at once: the specialist never goes without the cart's voice. Signaling: POST
 * /api/teleconsult/unit, through the gateway and the relay, which knows the cart by its MQTT identity.
 * `closed` (the act ended) ends it.
 * Lost (a cloud restart: docs/conversation.md « Across a cloud restart »): a peer connection with the
 * room that fails or stays disconnected is replaced by a new offer after a backoff (PeerWatch), which
 * the restarted cloud takes as the cart re-signaling (it rebuilds the act's room while the act is in
 * progress, and says `ready` again); the note says « Connexion perdue, reconnexion… » meanwhile.
 */
import { byId, type LocalMedia, PeerWatch, UnitCall, type UnitOut } from '@telecart/ui/browser';
import { api, errorText } from './api.js';
import { t } from './state.js';
import { uplinkPlan } from './uplink.js';

/** The others the cart may see in the room: the guests (the specialist is on the direct conversation). */
const SLOTS = 3;

/** What the cloud sends (UnitToCart, checked by the gateway). */
export type UnitToCart =
  | { kind: 'ready'; iceServers: RTCIceServer[] }
  | { kind: 'answer'; sdp: string }
  | { kind: 'ice'; candidate: RTCIceCandidateInit }
  | { kind: 'slots'; slots: unknown }
  | { kind: 'closed'; reason: string }
  | { kind: 'specialist'; inRoom: boolean };

let call: { sessionId: string; unit: UnitCall; iceServers: RTCIceServer[]; media: LocalMedia } | null = null;
/** Told whether the room carries the cart's conversation to the specialist (both peers with it up). */
let roomListener: (carries: boolean) => void = () => undefined;
/** The cart's peer connection with the room is connected. */
let connected = false;
/** The specialist's peer connection with the room is up, as the cloud last said (`specialist`). */
let specialistIn = false;
let carries = false;
function setConnected(c: boolean): void {
  connected = c;
  const now = connected && specialistIn;
  if (now === carries) return;
  carries = now;
  roomListener(now);
}

/** `listener` is told each time the room starts or stops carrying the cart's conversation to the specialist. */
export function onRoomCarries(listener: (carries: boolean) => void): void {
  roomListener = listener;
}
const watch = new PeerWatch(() => {
  const c = call;
  if (c) start(c.sessionId, c.iceServers, c.media).catch((e: unknown) => (byId('convo-guests-note').textContent = errorText(e)));
});

function post(sessionId: string, m: UnitOut): void {
  const signal =
    m.type === 'unit-offer'
      ? { kind: 'offer', sdp: m.sdp }
      : m.type === 'unit-ice'
        ? { kind: 'ice', candidate: m.candidate }
        : m.type === 'unit-pin'
          ? { kind: 'pin', mid: m.mid }
          : { kind: 'media', mic: m.mic, camera: m.camera };
  api('POST', '/api/teleconsult/unit', { sessionId, signal }).catch((e: unknown) => {
    byId('convo-guests-note').textContent = errorText(e);
  });
}

async function start(sessionId: string, iceServers: RTCIceServer[], media: LocalMedia): Promise<void> {
  watch.stop();
  call?.unit.close();
  setConnected(false);
  const section = byId('convo-guests-section');
  section.hidden = false;
  const unit = new UnitCall({
    iceServers,
    local: media,
    slots: SLOTS,
    tiles: byId('convo-guests'),
    send: (m) => post(sessionId, m),
    offTexts: () => ({ mic: t().convoRemoteMicOff, camera: t().convoRemoteCamOff, videoPaused: t().convoRemoteVideoPaused }),
    pinTexts: () => ({ pin: t().convoPin, unpin: t().convoUnpin }),
    onState: (s) => {
      if (call?.unit !== unit) return;
      section.dataset.state = s;
      setConnected(s === 'connected');
      const lost = watch.state(s);
      if (lost || s === 'connected') byId('convo-guests-note').textContent = lost ? t().convoGuestsReconnecting : '';
    },
    onError: (message) => {
      byId('convo-guests-note').textContent = message;
    },
  });
  call = { sessionId, unit, iceServers, media };
  byId('convo-guests-note').textContent = '';
  // The cart's uplink budget holds here too: this peer carries the cart's conversation once it connects.
  void unit.setUplink(uplinkPlan(sessionId));
  await unit.offer();
  unit.media(media.state());
}

/** A `unit` event of the gateway for the act in progress; `media` opens (or gives) the conversation's microphone and camera. */
export function onUnitSignal(sessionId: string, s: UnitToCart, media: () => Promise<LocalMedia>): void {
  if (s.kind === 'ready') {
    media()
      .then((m) => start(sessionId, Array.isArray(s.iceServers) ? s.iceServers : [], m))
      .catch((e: unknown) => {
        byId('convo-guests-note').textContent = errorText(e);
      });
    return;
  }
  if (!call || call.sessionId !== sessionId) return;
  if (s.kind === 'answer') void call.unit.accept(s.sdp);
  else if (s.kind === 'ice') call.unit.ice(s.candidate);
  else if (s.kind === 'slots') call.unit.label(s.slots);
  else if (s.kind === 'specialist') {
    specialistIn = s.inRoom === true;
    setConnected(connected);
  } else if (s.kind === 'closed') endGuestRoom();
}

/** The act's room peer of the cart (the uplink budget applies to it too; it reports the link while it carries the voice). */
export function guestRoomCall(): UnitCall | null {
  return call?.unit ?? null;
}

/** The conversation's microphone or camera went on or off: the guests' tiles of the cart say so. */
export function guestRoomMedia(state: { mic: boolean; camera: boolean }): void {
  call?.unit.media(state);
}

/** The act ended or changed: out of the room. */
export function endGuestRoom(): void {
  watch.stop();
  call?.unit.close();
  call = null;
  specialistIn = false;
  setConnected(false);
  byId('convo-guests-section').hidden = true;
}
