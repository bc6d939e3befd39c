/**
 * A page's one peer connection with the act's room on the cloud's forwarding unit (docs/conversation.md,
 * « Guests' media »): the specialist's page and each guest's page. The offer sends the microphone and
 * the camera (send only, the conversation's caps) and holds a receive slot (an audio and a video
 * m-line) per other participant the page may see; the unit answers and says which participant each
 * slot carries (`unit-slots`), which labels the slot's tile with their name. One tile per slot: a
 * <figure data-slot data-audio-mid data-video-mid data-participant> with its video (which plays the slot's sound too) and a
 * <figcaption> with the name; an empty slot is hidden. What the participant turned off (microphone,
 * camera: their page's `unit-media`, passed on by the unit in `unit-slots`) shows in the tile
 * (data-mic, data-camera and a line « micro coupé · caméra coupée »). A video the unit holds back for
 * want of this page's downlink (`videoPaused`) is hidden, its sound playing on, and the tile says so
 * (data-video-paused, « vidéo suspendue — débit insuffisant »). The room's dominant speaker (the unit
 * reads each party's audio level off its packets) is marked on their tile (data-speaking, `speaking`
 * in `unit-slots`). Each tile has a « Épingler » button: the page asks the unit to pin that
 * participant (`unit-pin` with the slot's m-line; their video is the last the unit holds back for this
 * page) and the tile says pinned (data-pinned, « Désépingler ») once the unit's `unit-slots` says so;
 * pressed again it unpins. The tile's element plays the slot's voice and video, which the unit's answer puts in one
 * stream (data-audio-stream, data-video-stream: its id as each track arrived) so that the browser holds the face
 * to the voice (lip sync, docs/conversation.md). The wire format is the cloud's
 * (teleconsult/ws-messages.ts); this module trusts the messages no further than it reads them.
 */
import { CONVO_CAPS, type ConvoCandidate, type ConvoUplink, capSender, type LocalMedia } from './conversation.js';
import { el } from './dom.js';
import { VoicePtime } from './voice-ptime.js';
import { answeredVoiceRate } from './voice-rate.js';

export type UnitOut =
  | { type: 'unit-offer'; sdp: string }
  | { type: 'unit-ice'; candidate: ConvoCandidate }
  | { type: 'unit-media'; mic: boolean; camera: boolean }
  /** Pin the participant the slot with this m-line carries (null: no pin). */
  | { type: 'unit-pin'; mid: string | null };

/** One slot as the unit labels it. */
export interface UnitSlot {
  audioMid: string | null;
  videoMid: string | null;
  participantId: string | null;
  name: string | null;
  /** What the participant said of their microphone and camera (absent: nothing said yet, taken as on). */
  mic?: boolean;
  camera?: boolean;
  /** The unit holds their video back: this page's downlink has no room for it (their voice goes on). */
  videoPaused?: boolean;
  /** They are the room's dominant speaker. */
  speaking?: boolean;
  /** This page pinned them (the unit acknowledged the pin). */
  pinned?: boolean;
}

export interface UnitCallOptions {
  iceServers: RTCIceServer[];
  local: LocalMedia;
  /** Receive slots: the other participants this page may see at once. */
  slots: number;
  /** Where the tiles go (replaced). */
  tiles: HTMLElement;
  send(m: UnitOut): void;
  /** What a tile says of a participant's muted microphone, camera off, video held back by the unit, in the page's language. */
  offTexts(): { mic: string; camera: string; videoPaused: string };
  /** The tiles' pin button, in the page's language (« Épingler », « Désépingler »). */
  pinTexts(): { pin: string; unpin: string };
  onState(state: RTCPeerConnectionState): void;
  onError(message: string): void;
}

interface Tile {
  figure: HTMLElement;
  video: HTMLVideoElement;
  caption: HTMLElement;
  state: HTMLElement;
  pin: HTMLButtonElement;
  stream: MediaStream;
  audioMid: string | null;
  videoMid: string | null;
}

export class UnitCall {
  readonly pc: RTCPeerConnection;
  private readonly tiles: Tile[] = [];
  private pending: RTCIceCandidateInit[] = [];
  /** This page's candidates, held until the unit answered (the cloud refuses them before the offer). */
  private outgoing: UnitOut[] | null = [];
  /** The voice's frame length toward the unit (the cart's uplink budget), renegotiated locally. */
  private readonly ptime: VoicePtime;
  private uplink: ConvoUplink = { video: true, voiceKbps: CONVO_CAPS.audioMaxBitrate / 1000 };
  /** The Opus rate the unit's answer asks of this page's voice (voice-rate.ts): its cap, below the conversation's. */
  private roomVoiceBps: number | undefined;
  private params: Promise<void> = Promise.resolve();

  constructor(private readonly o: UnitCallOptions) {
    const pc = new RTCPeerConnection({ iceServers: o.iceServers });
    this.pc = pc;
    this.ptime = new VoicePtime(pc, (m) => o.onError(m));
    pc.onicecandidate = (e) => {
      if (!e.candidate) return;
      const m: UnitOut = {
        type: 'unit-ice',
        candidate: { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex },
      };
      if (this.outgoing) this.outgoing.push(m);
      else o.send(m);
    };
    pc.ontrack = (e) => {
      const mid = e.transceiver.mid;
      const tile = this.tiles.find((t) => t.audioMid === mid || t.videoMid === mid);
      if (!tile) return;
      tile.stream.addTrack(e.track);
      tile.figure.dataset.tracks = String(tile.stream.getTracks().length);
      // The stream the unit put the slot's track in: one for its voice and video, which the browser then plays in sync
      // (the unit's answer, slot-streams.ts); none (empty) from an answer that names none.
      tile.figure.dataset[e.track.kind === 'audio' ? 'audioStream' : 'videoStream'] = e.streams[0]?.id ?? '';
    };
    pc.onconnectionstatechange = () => o.onState(pc.connectionState);
  }

  /** Sends the offer: this page's microphone and camera (whatever it has), then the receive slots. */
  async offer(): Promise<void> {
    const { local } = this.o;
    for (const track of [local.audio, local.video]) {
      if (track) this.pc.addTransceiver(track, { direction: 'sendonly', streams: [local.stream] });
    }
    const slots: { audio: RTCRtpTransceiver; video: RTCRtpTransceiver }[] = [];
    for (let k = 0; k < this.o.slots; k++)
      slots.push({
        audio: this.pc.addTransceiver('audio', { direction: 'recvonly' }),
        video: this.pc.addTransceiver('video', { direction: 'recvonly' }),
      });
    await this.pc.setLocalDescription(await this.pc.createOffer());
    const height = local.video?.getSettings().height;
    for (const s of this.pc.getSenders()) {
      if (s.track) await capSender(s, s.track.kind, height).catch((e: unknown) => this.o.onError(`bitrate cap not applied: ${String(e)}`));
    }
    await this.setUplink(this.uplink);
    const figures = slots.map((s, k) => {
      const stream = new MediaStream();
      const video = el('video', { autoplay: true, playsinline: true });
      video.srcObject = stream;
      const caption = el('figcaption', {});
      const state = el('p', { class: 'slot-state' });
      const pin = el('button', { type: 'button', class: 'slot-pin' }, this.o.pinTexts().pin);
      const figure = el(
        'figure',
        {
          'data-slot': k,
          'data-audio-mid': s.audio.mid ?? '',
          'data-video-mid': s.video.mid ?? '',
          'data-tracks': 0,
          'data-speaking': 'false',
          'data-pinned': 'false',
          hidden: true,
        },
        video,
        caption,
        state,
        pin,
      );
      const tile: Tile = { figure, video, caption, state, pin, stream, audioMid: s.audio.mid, videoMid: s.video.mid };
      // Pinned (as the unit last said) → unpin; else pin this slot's participant.
      pin.addEventListener('click', () =>
        this.o.send({ type: 'unit-pin', mid: figure.dataset.pinned === 'true' ? null : (tile.videoMid ?? tile.audioMid) }),
      );
      this.tiles.push(tile);
      return figure;
    });
    this.o.tiles.replaceChildren(...figures);
    this.o.send({ type: 'unit-offer', sdp: this.pc.localDescription?.sdp ?? '' });
  }

  /** The unit's answer. */
  async accept(sdp: string): Promise<void> {
    if (this.pc.signalingState !== 'have-local-offer') return;
    await this.pc.setRemoteDescription(this.ptime.remote(sdp));
    const mic = this.pc.getTransceivers().find((t) => t.sender.track?.kind === 'audio')?.mid;
    this.roomVoiceBps = mic ? answeredVoiceRate(sdp, mic) : undefined;
    if (this.roomVoiceBps !== undefined)
      this.setUplink(this.uplink).catch((e: unknown) => this.o.onError(`voice cap not applied: ${String(e)}`));
    for (const c of this.pending.splice(0)) this.pc.addIceCandidate(c).catch(() => undefined /* stale */);
    for (const m of this.outgoing?.splice(0) ?? []) this.o.send(m);
    this.outgoing = null;
  }

  ice(candidate: RTCIceCandidateInit): void {
    if (this.pc.remoteDescription) this.pc.addIceCandidate(candidate).catch(() => undefined /* stale */);
    else if (this.pending.length < 64) this.pending.push(candidate);
  }

  /**
   * The cart's uplink budget (docs/conversation.md « Bandwidth »), as on the direct conversation
   * (ConversationPeer.setUplink) when this room carries the cart's conversation: the camera's encoding
   * inactive while the link cannot carry it, the voice capped and in 60 ms frames at the lowest level.
   * Kept for the offer.
   */
  setUplink(u: ConvoUplink): Promise<void> {
    this.uplink = u;
    const senders = this.params
      .then(async () => {
        if (this.pc.signalingState === 'closed' || !this.pc.localDescription) return;
        for (const s of this.pc.getSenders()) {
          if (!s.track) continue;
          const audio = s.track.kind === 'audio';
          const cap = audio
            ? Math.min(CONVO_CAPS.audioMaxBitrate, u.voiceKbps * 1000, this.roomVoiceBps ?? Number.POSITIVE_INFINITY)
            : undefined;
          const active = audio || u.video;
          const p = s.getParameters();
          if (!p.encodings?.length || p.encodings.every((e) => e.active === active && (cap === undefined || e.maxBitrate === cap)))
            continue;
          for (const e of p.encodings) {
            e.active = active;
            if (cap !== undefined) e.maxBitrate = cap;
          }
          await s.setParameters(p);
        }
      })
      .catch((e: unknown) => {
        if (this.pc.signalingState !== 'closed') this.o.onError(`uplink budget not applied: ${String(e)}`);
      });
    this.params = senders;
    return Promise.all([senders, this.ptime.set(u.voiceFrameMs ?? 20)]).then(() => undefined);
  }

  /** Who each slot carries now: the tile shows their name, or hides when the slot is empty. */
  label(slots: unknown): void {
    if (!Array.isArray(slots)) return;
    for (const s of slots as Partial<UnitSlot>[]) {
      const tile = this.tiles.find((t) => (s.videoMid && t.videoMid === s.videoMid) || (s.audioMid && t.audioMid === s.audioMid));
      if (!tile) continue;
      const who = typeof s.participantId === 'string' ? s.participantId : null;
      tile.figure.hidden = who === null;
      tile.figure.dataset.participant = who ?? '';
      tile.caption.textContent = typeof s.name === 'string' ? s.name : '';
      tile.video.setAttribute('aria-label', tile.caption.textContent);
      const mic = who === null || s.mic !== false;
      const camera = who === null || s.camera !== false;
      tile.figure.dataset.mic = String(mic);
      tile.figure.dataset.camera = String(camera);
      // A video the unit holds back would freeze on its last frame: hidden (its sound plays on) and said.
      const paused = who !== null && s.videoPaused === true;
      tile.figure.dataset.videoPaused = String(paused);
      tile.figure.dataset.speaking = String(who !== null && s.speaking === true);
      const pinned = who !== null && s.pinned === true;
      tile.figure.dataset.pinned = String(pinned);
      const texts = this.o.pinTexts();
      tile.pin.textContent = pinned ? texts.unpin : texts.pin;
      tile.pin.setAttribute('aria-pressed', String(pinned));
      tile.video.style.visibility = paused ? 'hidden' : '';
      const off = this.o.offTexts();
      tile.state.textContent = [mic ? '' : off.mic, camera ? '' : off.camera, paused && camera ? off.videoPaused : '']
        .filter(Boolean)
        .join(' · ');
    }
  }

  /** This page's microphone and camera on or off, for the others' tiles of it. */
  media(state: { mic: boolean; camera: boolean }): void {
    this.o.send({ type: 'unit-media', mic: state.mic, camera: state.camera });
  }

  close(): void {
    this.pc.close();
    this.pending = [];
    for (const t of this.tiles) t.video.srcObject = null;
    this.o.tiles.replaceChildren();
  }
}
