/**
 * The conversation with the cart (docs/conversation.md): the specialist's camera and microphone go
 * to the cart's page (its own peer connection, which the cart's page offers), the cart's room camera
 * and conversation microphone come back to #convo-video, apart from the stethoscope (#steth, its
 * own element and volume) and the PTZ video (#video). No camera, or the camera refused: the
 * microphone alone (audio only still talks). Mute and camera-off are told to the cart's page, and
 * what the cart's page sends is shown here. Once the act's room on the forwarding unit carries the cart
 * to this page (a guest let in: unit-room.ts, onRoomCarries), the cart's page sends its conversation
 * only there: #convo-video is hidden and muted and the room's tile of the cart (its name, « micro
 * coupé », « caméra coupée ») shows instead, one tile and one voice; this page's own camera and
 * microphone still go to the cart on this peer. The room lost or closed, or the cart's voice arriving on this
 * peer again (its page told this page's room peer is lost), #convo-video comes back.
 */

import {
  byId,
  ConversationPeer,
  type ConvoSignal,
  convoMediaTexts,
  type DownlinkWatch,
  LocalMedia,
  renderMediaControls,
  towardCart,
  watchDownlink,
} from '@telecart/ui/browser';
import { type DirectAudio, watchDirectAudio } from './direct-audio.js';
import { t } from './i18n.js';
import { send } from './signaling.js';
import { followMedia, onRoomCarries } from './unit-room.js';

/** The room's member id of the act's cart (CART_MEMBER in teleconsult/act-rooms.ts). */
const CART_MEMBER = 'cart';

let sessionId: string | null = null;
let iceServers: RTCIceServer[] = [];
let local: Promise<LocalMedia> | null = null;
let opened: LocalMedia | null = null;
let peer: ConversationPeer | null = null;
let remote: { mic: boolean; camera: boolean } | null = null;
/** The cart's uplink level (its gateway's budget, docs/conversation.md « Bandwidth »): its videos paused for the link. */
let cartLink = 'full';
/**
 * This page's camera paused toward the cart for the cart's downlink (docs/conversation.md « The cart's downlink »): the
 * cart's receiver reports on this peer say its link loses or queues (ui's downlink-guard.ts); the cart's page is told.
 */
let downlinkPaused = false;
/** The camera resumed toward the cart on trial (the guard's `settling`): the voice stays lighter meanwhile. */
let downlinkSettling = false;
/**
 * The guard of the cart's downlink on this peer. While the room carries the cart, the forwarding unit owns the probes
 * of that downlink (docs/conversation.md « One owner for the cart's probes »): the guard pauses on its own and resumes
 * only on the unit's grant (`unit-direct-probe`, onDirectProbe).
 */
let downlinkWatch: DownlinkWatch | null = null;
/** What this page last told the cart of its camera toward it (null: nothing on this peer yet). */
let toldCart: boolean | null = null;
/** The room carries the cart to this page: its tile there replaces #convo-video. */
let roomCarries = false;
/**
 * The cart's voice arrives on this peer (its audio packets grew over the last half second): the cart's page does
 * not hold its direct senders, so #convo-video plays, whatever this page's room peer says — the cart's page was
 * told the room does not carry it here (docs/conversation.md, « The specialist's room peer lost »), and this
 * page's own room peer may take seconds more to say `disconnected`.
 */
let direct: DirectAudio = { flowing: false };
let viaRoom = false;
let note = '';
/** This side has neither microphone nor camera (said in the language shown). */
let noMedia = false;

function post(signal: ConvoSignal): void {
  if (!sessionId) return;
  send({ type: 'convo', sessionId, signal: signal as Exclude<ConvoSignal, { kind: 'offer' }> });
}

function sendState(): void {
  if (!opened) return;
  post({ kind: 'media', ...opened.state() });
  // The guests hear and see the specialist through the act's room: the same mute there.
  followMedia(opened.state());
}

/** Joined (or rejoined) the act: open the microphone and camera, then ask the cart's page to offer. */
export function startConvo(id: string, servers: RTCIceServer[]): void {
  if (sessionId !== id) stopConvo();
  sessionId = id;
  iceServers = servers;
  peer?.close();
  peer = null;
  local ??= LocalMedia.open();
  void local.then((m) => {
    if (sessionId !== id) return;
    opened = m;
    byId<HTMLVideoElement>('convo-self').srcObject = m.video ? new MediaStream([m.video]) : null;
    note = '';
    noMedia = !m.audio;
    renderConvo();
    post({ kind: 'ready' });
    sendState();
  });
  renderConvo();
}

/** The act is over or left: the microphone and camera are released. */
export function stopConvo(): void {
  peer?.close();
  peer = null;
  downlinkWatch?.stop();
  downlinkWatch = null;
  downlinkPaused = false;
  downlinkSettling = false;
  void local?.then((m) => m.stop());
  local = null;
  opened = null;
  remote = null;
  cartLink = 'full';
  sessionId = null;
  note = '';
  noMedia = false;
  const v = byId<HTMLVideoElement>('convo-video');
  v.srcObject = null;
  v.dataset.tracks = '0';
  byId<HTMLVideoElement>('convo-self').srcObject = null;
  renderConvo();
}

async function answer(id: string, pc: string, sdp: string): Promise<void> {
  if (!local) return;
  const m = await local;
  if (sessionId !== id) return;
  peer?.close();
  const shown = new MediaStream();
  const v = byId<HTMLVideoElement>('convo-video');
  v.srcObject = shown;
  v.dataset.tracks = '0';
  const p = new ConversationPeer({
    id: pc,
    iceServers,
    local: m,
    send: post,
    onTrack: (track) => {
      shown.addTrack(track);
      v.dataset.tracks = String(shown.getTracks().length);
    },
    onState: (s) => {
      byId('convo').dataset.state = s;
    },
    onError: (message) => {
      note = message;
      renderConvo();
    },
  });
  peer = p;
  downlinkWatch?.stop();
  downlinkPaused = false;
  downlinkSettling = false;
  downlinkWatch = watchDownlink(p.pc, (video, settling) => {
    if (peer !== p) return;
    downlinkPaused = !video;
    downlinkSettling = settling;
    applyTowardCart();
    renderConvo();
  });
  downlinkWatch.owned(roomCarries);
  void p.setUplink(towardCart(cartLink, { videoPaused: downlinkPaused, settling: downlinkSettling }));
  await p.answer(sdp);
  toldCart = null;
  sendState();
  applyTowardCart();
}

/** This page's senders toward the cart as the cart's links allow; the cart's page told when its camera pauses or resumes for them. */
function applyTowardCart(): void {
  if (!peer) return;
  // The camera paused and the voice lighter while the cart's downlink is weak (ui's toward-cart.ts).
  const plan = towardCart(cartLink, { videoPaused: downlinkPaused, settling: downlinkSettling });
  void peer.setUplink(plan);
  const paused = !plan.video;
  if (toldCart === paused || (toldCart === null && !paused)) return;
  toldCart = paused;
  post({ kind: 'downlink', videoPaused: paused });
}

/**
 * The forwarding unit grants this page the next probe of the cart's downlink: its camera toward the cart resumes if
 * the guard paused it (not at the cart's `lean-audio`, when it would not go anyway). Answered with what this page sends now (`downlink {videoPaused}`, which the relay passes to the
 * unit as well as to the cart), whether or not it resumed: the unit's turn goes on from there.
 */
export function onDirectProbe(id: string): void {
  if (id !== sessionId || !peer || !downlinkWatch) return;
  // At `lean-audio` the camera does not go toward the cart whatever its downlink: nothing to probe, the guard stays paused.
  if (cartLink !== 'lean-audio') downlinkWatch.probe();
  sayDownlink();
}

/** Whether this page's camera goes toward the cart now, said again (the relay passes it to the cart and the act's room). */
function sayDownlink(): void {
  const plan = towardCart(cartLink, { videoPaused: downlinkPaused, settling: downlinkSettling });
  toldCart = !plan.video;
  post({ kind: 'downlink', videoPaused: !plan.video });
}

/** A conversation message of the cart's page, for the act on screen. */
export function onConvo(id: string, s: ConvoSignal): void {
  if (id !== sessionId || typeof s !== 'object' || s === null) return;
  switch (s.kind) {
    case 'offer':
      answer(id, s.pc, s.sdp).catch((e: unknown) => {
        note = String((e instanceof Error && e.message) || e);
        renderConvo();
      });
      return;
    case 'ice':
      if (peer?.id === s.pc) peer.ice(s.candidate);
      return;
    case 'media':
      remote = { mic: s.mic === true, camera: s.camera === true };
      renderConvo();
      return;
    case 'uplink':
      cartLink = s.level;
      applyTowardCart();
      renderConvo();
      return;
  }
}

export function renderConvo(): void {
  const w = t();
  viaRoom = roomCarries && !direct.flowing;
  byId('convo').hidden = sessionId === null;
  byId('convo').dataset.via = viaRoom ? 'room' : 'direct';
  byId('convo').dataset.downlink = downlinkPaused ? 'paused' : 'full';
  const v = byId<HTMLVideoElement>('convo-video');
  v.hidden = viaRoom;
  v.muted = viaRoom;
  const s = opened?.state() ?? { mic: true, camera: true };
  // Through the room, the room's tile of the cart says what it turned off.
  renderMediaControls(
    { mic: byId('convo-mic'), cam: byId('convo-cam'), remoteState: byId('convo-remote-state') },
    s,
    viaRoom ? null : remote,
    convoMediaTexts(w),
    cartLink === 'room-paused'
      ? w.convoCartRoomPaused
      : cartLink === 'ptz-paused'
        ? w.convoCartVideoPaused
        : cartLink === 'lean-audio'
          ? `${w.convoCartVideoPaused} · ${w.convoOwnCameraPausedForCart}`
          : undefined,
  );
  byId('convo-note').textContent = note || (noMedia ? w.convoNoMedia : '');
}

export function initConversation(): void {
  onRoomCarries((members) => {
    const was = roomCarries;
    roomCarries = members.has(CART_MEMBER);
    downlinkWatch?.owned(roomCarries);
    // The unit takes the probes over: it hears where this page's camera toward the cart stands (paused before the room opened).
    if (roomCarries && !was && peer) sayDownlink();
    renderConvo();
  });
  direct = watchDirectAudio(() => peer?.pc, renderConvo);
  const toggle = (which: 'mic' | 'camera') => {
    const m = opened;
    if (!m) return;
    const s = m.state();
    if (which === 'mic') m.setMic(!s.mic);
    else m.setCamera(!s.camera);
    renderConvo();
    sendState();
  };
  byId('convo-mic').addEventListener('click', () => toggle('mic'));
  byId('convo-cam').addEventListener('click', () => toggle('camera'));
}
