/**
 * The conversation on the cart (docs/conversation.md): while an act is in progress, this page (the
 * cart's browser) sends its microphone (echo cancellation, noise suppression, gain control) and the
 * room camera to the specialist's page, shows the specialist and plays their voice. It offers a new
 * peer connection each time the specialist's page says `ready` (a join, a rejoin, this page
 * reloaded). Signaling: GET /api/teleconsult/convo/events (from the specialist, through the cloud
 * and the gateway), POST /api/teleconsult/convo (to them). The gateway's own peer (PTZ camera,
 * stethoscope, ECG) is not touched. Once a guest is let in, the same microphone and camera go into the
 * act's room on the cloud's forwarding unit (guest-room.ts: the `unit` events of the same stream), and
 * while that room's peer connection and the specialist's are both up the specialist receives them from
 * there: this peer is held (sends nothing, no renegotiation; it still plays the specialist), so the cart's uplink carries
 * its conversation once (docs/conversation.md, « The cart's conversation goes up once »).
 */
import {
  byId,
  ConversationPeer,
  type ConvoSignal,
  convoMediaTexts,
  convoPcId,
  LocalMedia,
  readJson,
  renderMediaControls,
} from '@telecart/ui/browser';
import { api, errorText } from './api.js';
import { endGuestRoom, guestRoomCall, guestRoomMedia, onRoomCarries, onUnitSignal, type UnitToCart } from './guest-room.js';
import { patientName, state, t } from './state.js';
import { applyUplink, uplinkPlan, watchUplink } from './uplink.js';

/** The gateway's media.conversation.simulated: a generated picture and sound instead of this browser's devices. */
const simulated = readJson<{ simulated: boolean }>('nurse-convo').simulated;
/** The simulated picture's caption: the resident the cart is with. */
const caption = () => (state.current ? patientName(state.current) : 'telecart');

function openMedia(): Promise<LocalMedia> {
  return LocalMedia.open(simulated ? { simulated: caption } : {});
}

interface ActEvent {
  sessionId: string;
  status: string;
  iceServers?: RTCIceServer[];
}

let act: ActEvent | null = null;
let local: Promise<LocalMedia> | null = null;
/** The same once open (what the buttons show). */
let opened: LocalMedia | null = null;
let peer: ConversationPeer | null = null;
let remote: { mic: boolean; camera: boolean } | null = null;
/** The specialist's camera paused toward this cart for its downlink (their page says so: docs/conversation.md « The cart's downlink »). */
let remoteVideoPaused = false;
/** The act's room carries the cart's conversation to the specialist (guest-room.ts): the direct peer holds its senders. */
let viaRoom = false;
let note = '';
/** This side has neither microphone nor camera (said in the language shown). */
let noMedia = false;

function post(signal: ConvoSignal): void {
  const sessionId = act?.sessionId;
  if (!sessionId) return;
  api('POST', '/api/teleconsult/convo', { sessionId, signal }).catch((e: unknown) => {
    note = errorText(e);
    renderConvo();
  });
}

async function sendState(): Promise<void> {
  if (!local) return;
  const s = (await local).state();
  post({ kind: 'media', ...s });
  guestRoomMedia(s);
}

function stop(): void {
  endGuestRoom();
  peer?.close();
  peer = null;
  void local?.then((m) => m.stop());
  local = null;
  opened = null;
  remote = null;
  remoteVideoPaused = false;
  note = '';
  noMedia = false;
  const r = byId<HTMLVideoElement>('convo-remote');
  r.srcObject = null;
  r.dataset.tracks = '0';
  byId<HTMLVideoElement>('convo-self').srcObject = null;
}

/** The specialist is ready: a fresh peer connection, offered with what this cart has. */
async function start(sessionId: string): Promise<void> {
  if (!act || act.sessionId !== sessionId) return;
  peer?.close();
  local ??= openMedia();
  const media = await local;
  if (!act || act.sessionId !== sessionId) return;
  opened = media;
  byId<HTMLVideoElement>('convo-self').srcObject = media.video ? new MediaStream([media.video]) : null;
  const shown = new MediaStream();
  const r = byId<HTMLVideoElement>('convo-remote');
  r.srcObject = shown;
  r.dataset.tracks = '0';
  const p = new ConversationPeer({
    id: convoPcId(),
    iceServers: act.iceServers ?? [],
    local: media,
    send: post,
    onTrack: (track) => {
      shown.addTrack(track);
      r.dataset.tracks = String(shown.getTracks().length);
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
  remoteVideoPaused = false;
  applyUplink(p, sessionId);
  note = '';
  noMedia = !media.audio;
  renderConvo();
  void p.hold(viaRoom);
  await p.offer();
  await sendState();
}

function onSignal(sessionId: string, s: ConvoSignal): void {
  if (!act || act.sessionId !== sessionId) return;
  switch (s.kind) {
    case 'ready':
      start(sessionId).catch((e: unknown) => {
        note = errorText(e);
        renderConvo();
      });
      return;
    case 'answer':
      if (peer?.id === s.pc) peer.accept(s.sdp).catch((e: unknown) => (note = errorText(e)));
      return;
    case 'ice':
      if (peer?.id === s.pc) peer.ice(s.candidate);
      return;
    case 'media':
      remote = { mic: s.mic === true, camera: s.camera === true };
      renderConvo();
      return;
    case 'downlink':
      remoteVideoPaused = s.videoPaused === true;
      renderConvo();
      return;
  }
}

/** The section, the buttons and what the specialist sends, in the language shown. */
export function renderConvo(): void {
  const w = t();
  const section = byId('convo');
  section.hidden = act?.status !== 'in-progress';
  // Before the microphone and camera are open, the buttons say what they will do to them.
  const s = opened?.state() ?? { mic: true, camera: true };
  renderMediaControls(
    { mic: byId('convo-mic'), cam: byId('convo-cam'), remoteState: byId('convo-remote-state') },
    s,
    remote,
    convoMediaTexts(w),
    // The specialist's camera held back for this cart's downlink: said as the room's tiles say it (its voice plays on).
    remoteVideoPaused && remote?.camera !== false ? w.convoRemoteVideoPaused : undefined,
  );
  const shown = byId('convo-remote');
  shown.dataset.videoPaused = String(remoteVideoPaused);
  // Hidden, not a frozen last frame; the same element plays the voice on.
  shown.style.visibility = remoteVideoPaused ? 'hidden' : '';
  // The room camera paused by the cart's uplink budget, said apart from the nurse's camera-off.
  const linkPaused = !uplinkPlan(act?.sessionId ?? null).video;
  section.dataset.link = linkPaused ? 'paused' : 'full';
  byId('convo-note').textContent = note || (noMedia ? w.convoNoMedia : linkPaused ? w.convoLinkPaused : '');
}

async function toggle(which: 'mic' | 'camera'): Promise<void> {
  if (!local) return;
  const m = await local;
  const s = m.state();
  if (which === 'mic') m.setMic(!s.mic);
  else m.setCamera(!s.camera);
  renderConvo();
  await sendState();
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function initConversation(): void {
  onRoomCarries((carries) => {
    viaRoom = carries;
    byId('convo').dataset.via = carries ? 'room' : 'direct';
    void peer?.hold(carries);
  });
  byId('convo-mic').addEventListener('click', () => void toggle('mic'));
  byId('convo-cam').addEventListener('click', () => void toggle('camera'));
  const events = new EventSource('/api/teleconsult/convo/events');
  watchUplink(events, {
    act: () => act?.sessionId ?? null,
    peer: () => peer,
    room: guestRoomCall,
    held: () => viaRoom,
    onPlan: renderConvo,
  });
  events.addEventListener('act', (e) => {
    const a: unknown = JSON.parse((e as MessageEvent<string>).data);
    const next = isObject(a) && typeof a.sessionId === 'string' && typeof a.status === 'string' ? (a as unknown as ActEvent) : null;
    const live = next?.status === 'in-progress' ? next : null;
    if (!live || live.sessionId !== act?.sessionId) stop();
    act = live ?? (next ? { ...next } : null);
    // The microphone and camera open as the act starts, not when the specialist's ready comes: the offer goes sooner.
    if (live) local ??= openMedia();
    renderConvo();
  });
  events.addEventListener('unit', (e) => {
    const m: unknown = JSON.parse((e as MessageEvent<string>).data);
    if (!isObject(m) || typeof m.sessionId !== 'string' || !isObject(m.signal) || typeof m.signal.kind !== 'string') return;
    const sessionId = m.sessionId;
    if (act?.sessionId !== sessionId || act.status !== 'in-progress') return;
    onUnitSignal(sessionId, m.signal as UnitToCart, async () => {
      local ??= openMedia();
      opened = await local;
      renderConvo();
      return opened;
    });
  });
  events.addEventListener('convo', (e) => {
    const m: unknown = JSON.parse((e as MessageEvent<string>).data);
    if (!isObject(m) || typeof m.sessionId !== 'string' || !isObject(m.signal) || typeof m.signal.kind !== 'string') return;
    onSignal(m.sessionId, m.signal as ConvoSignal);
  });
}
