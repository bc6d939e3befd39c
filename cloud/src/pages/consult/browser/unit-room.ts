/**
 * The act's guests, through the cloud's forwarding unit (teleconsult/unit-signaling.ts): once this
 * page admitted a guest, the cloud says `unit-ready` (the act's ICE servers) and the page opens one
 * peer connection with the act's room (ui/src/browser/unit-call.ts): its camera and microphone out,
 * three receive slots in, each a tile in #unit-room-tiles labelled with the participant's name
 * (`unit-slots`), with what they turned off. Signaled over /consult/ws. Apart from the cart's media
 * (peer.ts: PTZ video, stethoscope, ECG), which stay direct. The cart and the home patient send their
 * conversation into the room once it is open (docs/conversation.md, « The cart's conversation goes up
 * once »): their tile here replaces the direct one (conversation.ts, home-call.ts follow onRoomCarries:
 * who this page's connected room peer carries), while this page's face and voice still reach them on the
 * direct conversation (the room does not carry the specialist to them). The conversation's mute and
 * camera-off apply here too (followMedia), and the others' tiles of the specialist say so.
 * Lost (docs/conversation.md « Across a cloud restart »): a room peer connection that fails or stays
 * disconnected is replaced by a new offer after a backoff (PeerWatch); a lost socket closes it
 * (pauseUnitRoom) and the cloud's `unit-ready` on the new socket starts it again (a restarted cloud
 * rebuilds the room then); meanwhile the note says « Connexion perdue, reconnexion… ». A cart's act
 * that is no longer in progress in the waiting room sent on the new socket ends the room (actsLive).
 */
import { byId, LocalMedia, PeerWatch, type Received, received, UnitCall } from '@telecart/ui/browser';
import { t } from './i18n.js';
import { send } from './signaling.js';

/** The other participants this page may see at once through the room: the cart or the home patient, and guests. */
const SLOTS = 3;

let call: { sessionId: string; unit: UnitCall } | null = null;
/** The room's act, kept while the socket is lost (call is null then): what `actsLive` looks for. */
let roomAct: { sessionId: string; iceServers: RTCIceServer[]; seenLive: boolean } | null = null;
const watch = new PeerWatch(() => {
  if (call && roomAct) start(roomAct.sessionId, roomAct.iceServers).catch(() => undefined);
});
let local: Promise<LocalMedia> | null = null;
let note = '';
/** The conversation's mute and camera-off, applied to the room's tracks too (followMedia). */
let followed: { mic: boolean; camera: boolean } | null = null;

/** Who the room's slots carry (the unit's last labels) and whether this page's room peer is connected. */
let labelled: string[] = [];
/** Each labelled member's m-lines on this page's room peer (the unit's last labels). */
let midsOf = new Map<string, Set<string>>();
let connected = false;
let carried = '';
const carriesListeners: ((members: ReadonlySet<string>) => void)[] = [];

/**
 * `listener` is told the room members this page receives through the room now (their slots labelled and
 * its peer connection connected; empty when the room is lost, paused or closed): the conversation's
 * tile of the cart or the home patient gives way to the room's while they are in it.
 */
export function onRoomCarries(listener: (members: ReadonlySet<string>) => void): void {
  carriesListeners.push(listener);
}

/** What this page's room peer received so far from one member (their slot's frames decoded and audio energy). */
export function roomReceived(memberId: string): Promise<Received> {
  const mids = midsOf.get(memberId);
  return mids && call ? received(call.unit.pc, mids) : Promise.resolve({ frames: 0, energy: 0 });
}

function publishCarried(): void {
  const members = connected ? labelled : [];
  const key = [...members].sort().join('\n');
  if (key === carried) return;
  carried = key;
  const set = new Set(members);
  for (const l of carriesListeners) l(set);
}

function roomPeer(labels: string[], isConnected: boolean): void {
  labelled = labels;
  connected = isConnected;
  publishCarried();
}

async function start(sessionId: string, iceServers: RTCIceServer[]): Promise<void> {
  watch.stop();
  roomAct = { sessionId, iceServers, seenLive: roomAct?.sessionId === sessionId && roomAct.seenLive };
  local ??= LocalMedia.open();
  const m = await local;
  call?.unit.close();
  roomPeer([], false);
  byId('unit-room').hidden = false;
  byId<HTMLVideoElement>('unit-room-self').srcObject = m.video ? new MediaStream([m.video]) : null;
  const unit = new UnitCall({
    iceServers,
    local: m,
    slots: SLOTS,
    tiles: byId('unit-room-tiles'),
    send: (out) => send({ ...out, sessionId }),
    offTexts: () => ({ mic: t().convoRemoteMicOff, camera: t().convoRemoteCamOff, videoPaused: t().convoRemoteVideoPaused }),
    pinTexts: () => ({ pin: t().convoPin, unpin: t().convoUnpin }),
    onState: (s) => {
      if (call?.unit !== unit) return;
      byId('unit-room').dataset.state = s;
      roomPeer(labelled, s === 'connected');
      const lost = watch.state(s);
      if (lost || s === 'connected') {
        note = lost ? t().unitRoomReconnecting : '';
        renderUnitRoom();
      }
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
  else if (m.type === 'unit-slots') {
    call.unit.label(m.slots);
    const ids = Array.isArray(m.slots)
      ? (m.slots as { participantId?: unknown }[]).flatMap((x) => (typeof x?.participantId === 'string' ? [x.participantId] : []))
      : [];
    midsOf = new Map();
    for (const x of Array.isArray(m.slots) ? (m.slots as { participantId?: unknown; audioMid?: unknown; videoMid?: unknown }[]) : []) {
      if (typeof x?.participantId !== 'string') continue;
      midsOf.set(x.participantId, new Set([x.audioMid, x.videoMid].filter((v): v is string => typeof v === 'string')));
    }
    roomPeer(ids, connected);
  } else if (m.type === 'unit-closed') {
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

/** The page's socket was lost: the room's peer connection closes until the cloud's next `unit-ready`. */
export function pauseUnitRoom(): void {
  if (!call) return;
  watch.stop();
  call.unit.close();
  call = null;
  roomPeer([], false);
  byId('unit-room').dataset.state = 'reconnecting';
  note = t().unitRoomReconnecting;
  renderUnitRoom();
}

/**
 * The acts in progress as the waiting room lists them now (each message): a cart's act the room
 * belonged to, listed before and no longer in progress, ended while the socket was lost.
 */
export function actsLive(inProgress: ReadonlySet<string>, listed: ReadonlySet<string>): void {
  if (!roomAct) return;
  if (inProgress.has(roomAct.sessionId)) {
    roomAct.seenLive = true;
    return;
  }
  if (roomAct.seenLive && !listed.has(roomAct.sessionId)) {
    endUnitRoom();
    note = t().unitRoomClosed;
    renderUnitRoom();
  }
}

export function endUnitRoom(): void {
  watch.stop();
  roomAct = null;
  call?.unit.close();
  call = null;
  roomPeer([], false);
  void local?.then((m) => m.stop());
  local = null;
  byId<HTMLVideoElement>('unit-room-self').srcObject = null;
  byId('unit-room').hidden = true;
}

export function renderUnitRoom(): void {
  byId('unit-room-note').textContent = note;
}
