/**
 * The conversation between the cart's page and the specialist's page (docs/conversation.md): their
 * own WebRTC peer connection, separate from the gateway's (PTZ video, stethoscope, ECG). Both pages
 * use this module: the cart's page offers, the specialist's page answers. Each side sends its
 * microphone (the browser's echo cancellation, noise suppression and gain control on) and its
 * camera when it has one; mute and camera-off stop the track's content (track.enabled) and are
 * told to the other side by a `media` signal. The wire format is the protocol's ConvoFromCart /
 * ConvoFromSpecialist (checked by the gateway and the cloud); this module trusts neither side's
 * messages beyond what it reads.
 */
import { simulatedMedia } from './simulated-media.js';
import { VoicePtime } from './voice-ptime.js';

export interface ConvoCandidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

export type ConvoSignal =
  /** `pc`: the home patient's page still holds that peer (its socket came back): keep it if it is yours too. */
  | { kind: 'ready'; pc?: string }
  | { kind: 'offer' | 'answer'; pc: string; sdp: string }
  | { kind: 'ice'; pc: string; candidate: ConvoCandidate }
  | { kind: 'media'; mic: boolean; camera: boolean }
  /** From the cart's gateway to the specialist: what its uplink budget lets the cart send (protocol UPLINK_LEVELS). */
  | { kind: 'uplink'; level: string }
  /** From the specialist to the cart: their camera paused toward the cart for the cart's downlink (downlink-guard.ts). */
  | { kind: 'downlink'; videoPaused: boolean };

/**
 * What the cart's uplink budget lets its page's conversation send (the gateway's plan, docs/conversation.md
 * « Bandwidth »): the room camera, the voice's Opus cap in kbit/s and its frame length (20 ms unless said).
 */
export interface ConvoUplink {
  video: boolean;
  voiceKbps: number;
  voiceFrameMs?: 20 | 60;
}

/** The voice processing every conversation microphone asks for (the stethoscope never goes here). */
export const CONVO_AUDIO: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
/** 640×360 at 15 frames/s at most: a face and a room, not a diagnosis image (the PTZ camera is for that). */
export const CONVO_VIDEO: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15, max: 15 } };

/** What one side of a conversation sends: its microphone and camera on or off. */
export interface MediaOnOff {
  mic: boolean;
  camera: boolean;
}

/** The labels of the mute and camera buttons and of what the other side turned off, in the page's language. */
export interface MediaControlTexts {
  micOff: string;
  micOn: string;
  camOff: string;
  camOn: string;
  remoteMicOff: string;
  remoteCamOff: string;
}

/** The buttons' and the remote line's texts from a page catalogue's conversation keys (nurse, consult). */
export function convoMediaTexts(w: {
  convoMicOff: string;
  convoMicOn: string;
  convoCamOff: string;
  convoCamOn: string;
  convoRemoteMicOff: string;
  convoRemoteCamOff: string;
}): MediaControlTexts {
  return {
    micOff: w.convoMicOff,
    micOn: w.convoMicOn,
    camOff: w.convoCamOff,
    camOn: w.convoCamOn,
    remoteMicOff: w.convoRemoteMicOff,
    remoteCamOff: w.convoRemoteCamOff,
  };
}

/**
 * The mute and camera buttons (what a press will do, and aria-pressed when off) and the line saying what the
 * other side turned off (its data-mic / data-camera, empty until the other side said). Every conversation
 * page — nurse, specialist, patient at home — shows them alike.
 */
export function renderMediaControls(
  els: { mic: HTMLElement; cam: HTMLElement; remoteState: HTMLElement },
  local: MediaOnOff,
  remote: MediaOnOff | null,
  t: MediaControlTexts,
  /** The cart's video paused for its link (its uplink budget), said apart from a camera turned off: its text. */
  linkPaused?: string,
): void {
  els.mic.textContent = local.mic ? t.micOff : t.micOn;
  els.mic.setAttribute('aria-pressed', String(!local.mic));
  els.cam.textContent = local.camera ? t.camOff : t.camOn;
  els.cam.setAttribute('aria-pressed', String(!local.camera));
  els.remoteState.dataset.mic = remote ? String(remote.mic) : '';
  els.remoteState.dataset.camera = remote ? String(remote.camera) : '';
  els.remoteState.dataset.link = linkPaused ? 'paused' : 'full';
  els.remoteState.textContent = [
    ...(remote ? [remote.mic ? '' : t.remoteMicOff, remote.camera ? '' : t.remoteCamOff] : []),
    linkPaused ?? '',
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * The send caps, for carts on 100 kbit/s to 4 Mbit/s links: the voice first (Opus up to 32 kbit/s,
 * high priority), the face after it (up to 250 kbit/s, 15 frames/s, never above 360 lines). The
 * browser's congestion control lowers the video further on a weaker link; the audio keeps its share.
 */
export const CONVO_CAPS = { audioMaxBitrate: 32_000, videoMaxBitrate: 250_000, videoMaxFramerate: 15, videoMaxHeight: 360 } as const;

/** The side's microphone and camera, and whether each is on. */
export class LocalMedia {
  private micOn = true;
  private camOn = true;

  private constructor(
    readonly stream: MediaStream,
    private readonly release: () => void = () => undefined,
  ) {}

  /**
   * Microphone and camera; the microphone alone when there is no camera (or it is refused); nothing
   * when neither. With `simulated`, a generated picture (captioned with its text) and sound instead
   * (simulated-media.ts).
   */
  static async open(o: { simulated?: () => string } = {}): Promise<LocalMedia> {
    if (o.simulated) {
      const sim = simulatedMedia(o.simulated);
      return new LocalMedia(sim.stream, sim.stop);
    }
    const md = navigator.mediaDevices;
    for (const c of [
      { audio: CONVO_AUDIO, video: CONVO_VIDEO },
      { audio: CONVO_AUDIO, video: false },
    ]) {
      try {
        return new LocalMedia(await md.getUserMedia(c));
      } catch {
        /* the next, smaller ask */
      }
    }
    return new LocalMedia(new MediaStream());
  }

  get audio(): MediaStreamTrack | null {
    return this.stream.getAudioTracks()[0] ?? null;
  }

  get video(): MediaStreamTrack | null {
    return this.stream.getVideoTracks()[0] ?? null;
  }

  /** What the other side is told: a muted or missing microphone is off, a stopped or missing camera is off. */
  state(): { mic: boolean; camera: boolean } {
    return { mic: this.audio !== null && this.micOn, camera: this.video !== null && this.camOn };
  }

  setMic(on: boolean): void {
    this.micOn = on;
    if (this.audio) this.audio.enabled = on;
  }

  setCamera(on: boolean): void {
    this.camOn = on;
    if (this.video) this.video.enabled = on;
  }

  stop(): void {
    for (const t of this.stream.getTracks()) t.stop();
    this.release();
  }
}

/** The conversation's caps on one sender (also the forwarding unit's peer, unit-call.ts). */
export async function capSender(sender: RTCRtpSender, kind: string, height: number | undefined): Promise<void> {
  const p = sender.getParameters();
  if (!p.encodings?.length) p.encodings = [{}];
  const e = p.encodings[0] as RTCRtpEncodingParameters & { networkPriority?: RTCPriorityType };
  if (kind === 'audio') {
    e.maxBitrate = CONVO_CAPS.audioMaxBitrate;
    e.priority = 'high';
    e.networkPriority = 'high';
  } else {
    e.maxBitrate = CONVO_CAPS.videoMaxBitrate;
    e.maxFramerate = CONVO_CAPS.videoMaxFramerate;
    e.scaleResolutionDownBy = height && height > CONVO_CAPS.videoMaxHeight ? height / CONVO_CAPS.videoMaxHeight : 1;
  }
  await sender.setParameters(p);
}

export interface ConversationPeerOptions {
  /** The id both sides tag this peer connection's messages with. */
  id: string;
  iceServers: RTCIceServer[];
  local: LocalMedia;
  send(signal: ConvoSignal): void;
  /** A track of the other side arrived (audio and video go to one element). */
  onTrack(track: MediaStreamTrack): void;
  onState(state: RTCPeerConnectionState): void;
  onError(message: string): void;
}

/** One conversation peer connection, either side. Candidates that arrive before the remote description wait for it. */
export class ConversationPeer {
  readonly pc: RTCPeerConnection;
  private pending: RTCIceCandidateInit[] = [];
  /** The conversation goes through the act's room instead (hold): this peer sends nothing, receives on. */
  private held = false;
  /** The senders' parameters are changed one call at a time (a stale getParameters is refused). */
  private params: Promise<void> = Promise.resolve();
  /** What the cart's uplink budget lets this peer send (the cart's side; the specialist's pauses its camera at the lowest level). */
  private uplink: ConvoUplink = { video: true, voiceKbps: CONVO_CAPS.audioMaxBitrate / 1000 };
  /**
   * The voice's frame length, renegotiated locally (voice-ptime.ts): the cart's side (the offerer) at its uplink's
   * lowest level, the specialist's (the answerer) toward a weak cart's downlink.
   */
  private readonly ptime: VoicePtime;

  constructor(private readonly o: ConversationPeerOptions) {
    const pc = new RTCPeerConnection({ iceServers: o.iceServers });
    this.pc = pc;
    this.ptime = new VoicePtime(pc, (m) => o.onError(m));
    pc.onicecandidate = (e) => {
      if (e.candidate)
        o.send({
          kind: 'ice',
          pc: o.id,
          candidate: { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex },
        });
    };
    pc.ontrack = (e) => o.onTrack(e.track);
    pc.onconnectionstatechange = () => o.onState(pc.connectionState);
  }

  /** Still carries, or may carry again, the conversation: neither failed nor closed (kept while the sockets come back). */
  get alive(): boolean {
    return this.pc.connectionState !== 'failed' && this.pc.connectionState !== 'closed';
  }

  get id(): string {
    return this.o.id;
  }

  /** The cart's side: one audio and one video transceiver, sending what it has, receiving the other side's. */
  async offer(): Promise<void> {
    const { local } = this.o;
    for (const kind of ['audio', 'video'] as const) {
      const track = kind === 'audio' ? local.audio : local.video;
      this.pc.addTransceiver(track ?? kind, { direction: track ? 'sendrecv' : 'recvonly', streams: [local.stream] });
    }
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await this.serial(() => this.capAll());
    await this.hold(this.held);
    await this.setUplink(this.uplink);
    this.o.send({ kind: 'offer', pc: this.o.id, sdp: this.pc.localDescription?.sdp ?? '' });
  }

  /** The specialist's side: answers with its microphone and camera on the offered transceivers (receive only without them). */
  async answer(sdp: string): Promise<void> {
    const { local } = this.o;
    await this.pc.setRemoteDescription(this.ptime.offered(sdp));
    for (const t of this.pc.getTransceivers()) {
      const kind = t.receiver.track.kind;
      const track = kind === 'audio' ? local.audio : kind === 'video' ? local.video : null;
      if (track) {
        await t.sender.replaceTrack(track);
        t.sender.setStreams(local.stream);
      }
      t.direction = track ? 'sendrecv' : 'recvonly';
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.serial(() => this.capAll());
    await this.hold(this.held);
    await this.setUplink(this.uplink);
    this.o.send({ kind: 'answer', pc: this.o.id, sdp: this.pc.localDescription?.sdp ?? '' });
    this.flush();
  }

  /** The cart's side: the specialist's answer. */
  async accept(sdp: string): Promise<void> {
    if (this.pc.signalingState !== 'have-local-offer') return;
    await this.pc.setRemoteDescription(this.ptime.remote(sdp));
    this.flush();
  }

  ice(candidate: RTCIceCandidateInit): void {
    if (this.pc.remoteDescription) this.pc.addIceCandidate(candidate).catch(() => undefined /* stale */);
    else if (this.pending.length < 64) this.pending.push(candidate);
  }

  /**
   * `held`: the same microphone and camera go into the act's room on the forwarding unit, and the other
   * side receives them from there (docs/conversation.md, « The cart's conversation goes up once »): this
   * peer stops sending them (each sender's encoding `active: false`, no renegotiation, the tracks kept
   * for mute and camera-off) and goes on receiving. `false` sends again at once (the room lost). Before
   * the offer or the answer, kept and applied with the caps.
   */
  hold(held: boolean): Promise<void> {
    this.held = held;
    return this.applySenders().catch((e: unknown) => {
      // Closed meanwhile (the act ended, a new peer): nothing to say.
      if (this.pc.signalingState !== 'closed') this.o.onError(`conversation ${held ? 'not held' : 'not resumed'}: ${String(e)}`);
    });
  }

  /**
   * The cart's uplink budget (docs/conversation.md « Bandwidth »): the room camera's encoding inactive while
   * the link cannot carry it (the track stays: camera-off is the nurse's, not this), the voice capped lower
   * below the videos' floors, in 60 ms frames at the lowest level (the cart's side renegotiates it alone,
   * voice-ptime.ts). Applied with the hold, whichever comes first; kept for the offer.
   */
  setUplink(u: ConvoUplink): Promise<void> {
    this.uplink = u;
    const senders = this.applySenders().catch((e: unknown) => {
      if (this.pc.signalingState !== 'closed') this.o.onError(`uplink budget not applied: ${String(e)}`);
    });
    return Promise.all([senders, this.ptime.set(u.voiceFrameMs ?? 20)]).then(() => undefined);
  }

  /** Each sender's encodings as the hold and the uplink budget say: active, and the voice's cap. */
  private applySenders(): Promise<void> {
    return this.serial(async () => {
      if (this.pc.signalingState === 'closed' || !this.pc.localDescription) return;
      for (const s of this.pc.getSenders()) {
        if (!s.track) continue;
        const audio = s.track.kind === 'audio';
        const active = !this.held && (audio || this.uplink.video);
        const cap = audio ? Math.min(CONVO_CAPS.audioMaxBitrate, this.uplink.voiceKbps * 1000) : undefined;
        const p = s.getParameters();
        if (!p.encodings?.length || p.encodings.every((e) => e.active === active && (cap === undefined || e.maxBitrate === cap))) continue;
        for (const e of p.encodings) {
          e.active = active;
          if (cap !== undefined) e.maxBitrate = cap;
        }
        await s.setParameters(p);
      }
    });
  }

  close(): void {
    this.pc.close();
    this.pending = [];
  }

  private flush(): void {
    for (const c of this.pending.splice(0)) this.pc.addIceCandidate(c).catch(() => undefined /* stale */);
  }

  /** `fn` after the senders' parameter changes queued before it. */
  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.params.then(fn);
    this.params = next.catch(() => undefined);
    return next;
  }

  private async capAll(): Promise<void> {
    const height = this.o.local.video?.getSettings().height;
    for (const s of this.pc.getSenders()) {
      if (!s.track) continue;
      await capSender(s, s.track.kind, height).catch((e: unknown) => this.o.onError(`bitrate cap not applied: ${String(e)}`));
    }
  }
}

/** A fresh id for a conversation peer connection. */
export function convoPcId(): string {
  return crypto.randomUUID().replace(/-/g, '').slice(0, 16);
}
