/**
 * The conversation with an admitted home patient (cloud teleconsult/participant-signaling.ts): peer to
 * peer between this page and the patient's join page, signaled over /consult/ws and the patient's
 * socket. The page that admitted the patient gets the act's ICE servers (`participant-admitted`),
 * opens its camera and microphone, and offers when the patient's page says `ready` (a new peer id
 * each time: the answer and candidates of a replaced peer are dropped). The patient's face and voice
 * play in #home-call-video, with their mute and camera state; the same mute / camera-off buttons as
 * the cart's conversation (conversation.ts), and « Raccrocher » ends the act (`hangup`: completed; the
 * patient's page is told it is over). Once the act's room on the forwarding unit carries the patient
 * to this page (a guest let in: unit-room.ts, onRoomCarries), the patient's page sends its
 * conversation only there (docs/conversation.md, « The cart's conversation goes up once »):
 * #home-call-video is hidden and muted, the room's tile of the patient shows instead; this page's
 * face and voice still reach the patient on this peer. Once this page decoded the patient — their video
 * frames or voice energy growing 3 s in a row, on this peer or on the room's tile of them (MediaFlow) — it
 * tells the cloud (`home-media-up`); with the patient's page's own word the act's media are up, and an act
 * whose media never flowed both ways ends not done (docs/teleconsultation.md, « The home act's status »).
 * The word is said again on each new socket and each admission of the act's patient until the cloud says it
 * is stored (`home-media-up-stored`), and never sampled again once said (MediaUpWord), and on a timer meanwhile.
 * The peer outlives the sockets to the cloud (docs/teleconsultation.md, « The patient coming back »): this
 * page's socket lost, or the patient's (a cloud restart), the call and its peer stay while the peer is not
 * failed; the patient back (a new participant id, `participant-admitted` again) is the same call, and their
 * page's `ready` naming this page's peer keeps it (no new offer). A `ready` without it (a reloaded page, a
 * peer that failed there) gets a new offer. The call ends when the patient is gone and the peer with them.
 */

import {
  byId,
  ConversationPeer,
  type ConvoSignal,
  convoMediaTexts,
  convoPcId,
  LocalMedia,
  MediaFlow,
  MediaUpWord,
  received,
  renderMediaControls,
} from '@telecart/ui/browser';
import { type DirectAudio, watchDirectAudio } from './direct-audio.js';
import { t } from './i18n.js';
import { participantName } from './participants.js';
import { send } from './signaling.js';
import type { Participant } from './types.js';
import { followMedia, onRoomCarries, roomReceived } from './unit-room.js';

interface HomeCall {
  sessionId: string;
  participantId: string;
  iceServers: RTCIceServer[];
  peer: ConversationPeer | null;
  remote: { mic: boolean; camera: boolean } | null;
  /** Samples what this page decodes of the patient each second until it said so (home-media-up); then stopped. */
  flow: ReturnType<typeof setInterval> | null;
  /** The patient is in the act's participants list (false: their socket is gone, maybe coming back). */
  present: boolean;
}

/** A peer that still carries (or may carry) the conversation: kept while the sockets come back. */
function alive(p: ConversationPeer | null): p is ConversationPeer {
  return p?.alive === true;
}

let call: HomeCall | null = null;
let local: Promise<LocalMedia> | null = null;
let opened: LocalMedia | null = null;
/** The room members this page receives through the room (unit-room.ts): the patient's tile there replaces #home-call-video. */
let inRoom: ReadonlySet<string> = new Set();
/** The patient's voice arrives on the direct peer (their page does not hold it): #home-call-video plays (conversation.ts). */
let direct: DirectAudio = { flowing: false };
let note = '';
/** Per act: this page's `home-media-up`, said until stored, across its calls and sockets. */
const words = new Map<string, MediaUpWord>();

function wordOf(sessionId: string): MediaUpWord {
  let w = words.get(sessionId);
  if (!w) {
    w = new MediaUpWord(() => send({ type: 'home-media-up', sessionId }), byId('home-call'));
    words.set(sessionId, w);
  }
  return w;
}

/** A new socket to the cloud: the words not stored yet are said again (the cloud may have restarted before writing them). */
export function homeMediaAgain(): void {
  for (const w of words.values()) w.again();
}

/** The cloud stored this act's word. */
export function homeMediaStored(sessionId: string): void {
  words.get(sessionId)?.stored();
}

function post(c: HomeCall, signal: ConvoSignal): void {
  if (signal.kind === 'ready' || signal.kind === 'answer') return;
  send({ type: 'participant-signal', sessionId: c.sessionId, participantId: c.participantId, signal });
}

function sendState(): void {
  if (call && opened) post(call, { kind: 'media', ...opened.state() });
  if (opened) followMedia(opened.state());
}

/** This page admitted a participant: get the camera and microphone ready, wait for their page's `ready`. */
export function onParticipantAdmitted(sessionId: string, participantId: string, iceServers: RTCIceServer[]): void {
  if (call && call.sessionId !== sessionId) endHomeCall();
  if (call) stopFlow(call);
  // The act's patient again (a new socket of theirs or of this page, a cloud restart): the call goes on with its
  // peer; their page's `ready` says whether it still holds it (onParticipantSignal).
  const kept = alive(call?.peer ?? null) ? (call?.peer ?? null) : null;
  if (call?.peer && !kept) call.peer.close();
  const c: HomeCall = {
    sessionId,
    participantId,
    iceServers: Array.isArray(iceServers) ? iceServers : [],
    peer: kept,
    remote: call?.remote ?? null,
    flow: null,
    present: true,
  };
  call = c;
  watchFlow(c);
  wordOf(sessionId).again();
  note = '';
  local ??= LocalMedia.open();
  void local.then((m) => {
    opened = m;
    byId<HTMLVideoElement>('home-call-self').srcObject = m.video ? new MediaStream([m.video]) : null;
    renderHomeCall();
  });
  renderHomeCall();
}

async function offer(c: HomeCall): Promise<void> {
  if (!local) return;
  const m = await local;
  if (call !== c) return;
  c.peer?.close();
  const shown = new MediaStream();
  const v = byId<HTMLVideoElement>('home-call-video');
  v.srcObject = shown;
  v.dataset.tracks = '0';
  const p = new ConversationPeer({
    id: convoPcId(),
    iceServers: c.iceServers,
    local: m,
    send: (s) => post(c, s),
    onTrack: (track) => {
      shown.addTrack(track);
      v.dataset.tracks = String(shown.getTracks().length);
    },
    onState: (s) => {
      byId('home-call').dataset.state = s;
      // The patient gone and the peer with them: the call is over.
      if ((s === 'failed' || s === 'closed') && call?.peer === p && !call.present) endHomeCall();
    },
    onError: (message) => {
      note = message;
      renderHomeCall();
    },
  });
  c.peer = p;
  await p.offer();
  sendState();
}

/**
 * Once a second: what this page decoded of the patient, on this peer and on the room's tile of them (their
 * conversation goes through the room while a guest is in). 3 s of frames or voice in a row: `home-media-up`,
 * once (MediaUpWord: not sampled again once said).
 */
function watchFlow(c: HomeCall): void {
  const word = wordOf(c.sessionId);
  if (word.said) return;
  const flow = new MediaFlow();
  c.flow = setInterval(() => {
    void Promise.all([received(c.peer?.pc), roomReceived(c.participantId)]).then(([direct, room]) => {
      if (call !== c || c.flow === null) return;
      if (!flow.sample({ frames: direct.frames + room.frames, energy: direct.energy + room.energy })) return;
      stopFlow(c);
      word.decoded();
    });
  }, 1000);
}

function stopFlow(c: HomeCall): void {
  if (c.flow !== null) clearInterval(c.flow);
  c.flow = null;
}

/** A signal of the patient's page (ready, answer, ice, media). */
export function onParticipantSignal(sessionId: string, participantId: string, s: ConvoSignal): void {
  const c = call;
  if (!c || c.sessionId !== sessionId || c.participantId !== participantId || typeof s !== 'object' || s === null) return;
  switch (s.kind) {
    case 'ready':
      // Their page still holds this page's peer (only its socket came back): kept, nothing renegotiated.
      if (s.pc !== undefined && c.peer?.id === s.pc && alive(c.peer)) {
        sendState();
        return;
      }
      offer(c).catch((e: unknown) => {
        note = String((e instanceof Error && e.message) || e);
        renderHomeCall();
      });
      return;
    case 'answer':
      if (c.peer?.id === s.pc) void c.peer.accept(s.sdp);
      return;
    case 'ice':
      if (c.peer?.id === s.pc) c.peer.ice(s.candidate);
      return;
    case 'media':
      c.remote = { mic: s.mic === true, camera: s.camera === true };
      renderHomeCall();
      return;
  }
}

/** The act's list changed: a patient who left ends the conversation. */
export function onParticipantsChanged(sessionId: string, participants: Participant[]): void {
  if (!call || call.sessionId !== sessionId) return;
  call.present = participants.some((p) => p.id === call?.participantId);
  // Gone, maybe only their socket (a cloud restart): the call stays while its peer does.
  if (!call.present && !alive(call.peer)) endHomeCall();
}

export function endHomeCall(): void {
  if (call) stopFlow(call);
  call?.peer?.close();
  call = null;
  void local?.then((m) => m.stop());
  local = null;
  opened = null;
  const v = byId<HTMLVideoElement>('home-call-video');
  v.srcObject = null;
  v.dataset.tracks = '0';
  byId<HTMLVideoElement>('home-call-self').srcObject = null;
  renderHomeCall();
}

export function renderHomeCall(): void {
  const w = t();
  byId('home-call').hidden = call === null;
  byId('home-call-who').textContent = call ? (participantName(call.sessionId, call.participantId) ?? '') : '';
  const viaRoom = call !== null && inRoom.has(call.participantId) && !direct.flowing;
  byId('home-call').dataset.via = viaRoom ? 'room' : 'direct';
  const v = byId<HTMLVideoElement>('home-call-video');
  v.hidden = viaRoom;
  v.muted = viaRoom;
  const s = opened?.state() ?? { mic: true, camera: true };
  renderMediaControls(
    { mic: byId('home-call-mic'), cam: byId('home-call-cam'), remoteState: byId('home-call-remote-state') },
    s,
    viaRoom ? null : (call?.remote ?? null),
    convoMediaTexts(w),
  );
  byId('home-call-note').textContent = note || (opened && !opened.audio ? w.convoNoMedia : '');
}

export function initHomeCall(): void {
  direct = watchDirectAudio(() => call?.peer?.pc, renderHomeCall);
  onRoomCarries((members) => {
    inRoom = members;
    renderHomeCall();
  });
  const toggle = (which: 'mic' | 'camera') => {
    const m = opened;
    if (!m) return;
    const s = m.state();
    if (which === 'mic') m.setMic(!s.mic);
    else m.setCamera(!s.camera);
    renderHomeCall();
    sendState();
  };
  byId('home-call-mic').addEventListener('click', () => toggle('mic'));
  byId('home-call-cam').addEventListener('click', () => toggle('camera'));
  byId('home-call-end').addEventListener('click', () => {
    if (call) send({ type: 'hangup', sessionId: call.sessionId });
    endHomeCall();
  });
}
