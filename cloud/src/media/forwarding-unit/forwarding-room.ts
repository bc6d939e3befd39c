/**
 * A forwarding unit's room: one peer connection per participant (unit-peer.ts), the plan of who
 * receives whom in which slot (room-plan.ts), one RTP rewriter per slot and kind (rtp-rewriter.ts),
 * one key frame requester per video source (keyframe-requests.ts), one choice of videos per viewer
 * (video-choice.ts). No decoding: every packet of a source is rewritten for each viewer and sent on
 * the viewer's connection — its audio always, its video while the viewer's downlink has room for it.
 *
 *   room.join(id, { offer }) → { answer }     the participant's offer: its tracks + receive slots
 *   room.addIceCandidate(id, candidate)       trickled in; the unit's go out through onIceCandidate
 *   room.leave(id)                            its slots go to whoever was waiting for one
 *
 * onAssignments tells a viewer which participant each slot (its m-lines, by mid) now carries, and
 * which slots' video the unit holds back for want of downlink: the signaling passes it to the page,
 * which labels the videos and says which are suspended.
 *
 * Every second (`adaptIntervalMs`) the room measures what each source sends and what each viewer was
 * sent, estimates each viewer's downlink from its browser's reports (downlink-estimate.ts), chooses
 * its videos (video-choice.ts) and tells each source's browser the rate its best-placed viewer can
 * take (REMB, at most `rembBitsPerSecond`).
 *
 * Who speaks: each source's audio packets carry its level (RFC 6464, read without decoding); the
 * room's ActiveSpeaker (active-speaker.ts) names the dominant speaker, every viewer's slots say who
 * (`speaking`), and on a weak link the speaker's video comes right after the one the viewer pinned
 * (`room.pin(viewer, mid)`, a slot of its own by its m-line; `pinned` in its slots).
 *
 * A video that starts for a viewer (a new viewer, a new source in a slot, a paused video resumed)
 * starts on a key frame: the unit asks the source for one (not a source whose stream has not started yet, nor one
 * whose new stream starts on a key frame: a browser's first frame is one) and holds that video's packets for that
 * viewer until a packet starts a key frame (keyframe-start.ts), at most `keyframeWaitMs`, after
 * which it forwards anyway and asks again. A key frame not there `keyframeAskAgainMs` after the unit asked
 * is asked again (a PLI is RTCP: lost on a lossy link, or dropped by the source's browser, which answers at
 * most one key frame request per few hundred ms): the wait no longer lasts until the time-out for one PLI.
 *
 * Lip sync: the unit's answer puts each slot's voice and video in one stream (slot-streams.ts), and each source's
 * sender reports go on to its viewers with their RTP timestamps rewritten as its packets are (`relaySenderReport`),
 * so that a viewer's browser, which lines a stream's voice and video up by their reports, holds the face back to
 * its voice as it does on a direct call.
 *
 * Whether a participant's peer is up (`onLive`): connected, and packets (SRTP or SRTCP) heard from it in
 * the last `silentMs`. The unit is ICE-lite and checks nothing itself, so werift's state alone stays
 * `connected` when a browser's path dies; the packets a browser always sends (its voice, its receiver
 * reports) say it is there. The signaling tells the cart and the home patient whether the specialist's
 * peer is up: they send their conversation on their direct peer while it is not (teleconsult/act-rooms.ts).
 */
import { Value } from '@sinclair/typebox/value';
import { type Clock, systemClock } from '@telecart/devices';
import { RetransmitBudget, type RetransmitOptions } from '@telecart/protocol';
import { type MediaStreamTrack, type RTCIceServer, RTP_EXTENSION_URI, RtcpSrPacket, type RtpPacket } from 'werift';
import { ActiveSpeaker, type ActiveSpeakerOptions } from './active-speaker.js';
import { DownlinkEstimate, LOW_LOSS } from './downlink-estimate.js';
import { KeyframeRequester, type KeyframeRequesterOptions, timerScheduler } from './keyframe-requests.js';
import { startsKeyframe } from './keyframe-start.js';
import { type DirectVideo, ProbeOwner } from './probe-owner.js';
import { emptyRoomStats, ForwardingUnitError, IceCandidateBody, JoinRequest, type SlotAssignment } from './room-messages.js';
import { type Assignment, RoomPlan } from './room-plan.js';
import { RtpRewriter } from './rtp-rewriter.js';
import {
  type Count,
  type IceCandidateInit,
  type Kind,
  type PeerDiagnostics,
  type PeerSent,
  type Slot,
  type SlotSent,
  UnitPeer,
} from './unit-peer.js';
import { ArrivalLoss, downlinkLoss } from './upstream-loss.js';
import { type ProbeOptions, sourceRemb, type VideoCandidate, VideoChooser } from './video-choice.js';

export { ForwardingUnitError, IceCandidateBody, JoinRequest, type SlotAssignment };

const PARTICIPANT_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface ForwardingRoomOptions {
  iceServers?: RTCIceServer[];
  /** Only these host candidates (['127.0.0.1'] in tests); default: every interface. */
  hostAddresses?: string[];
  clock?: Clock;
  /**
   * SO_RCVBUF asked for each participant's UDP socket (default 4 MiB, capped by the kernel's
   * net.core.rmem_max): room for the event loop's stalls, so that no ICE check is lost (unit-peer.ts).
   */
  receiveBufferBytes?: number;
  /** At most one PLI per source per this many ms (default 500). */
  keyframeIntervalMs?: number;
  /** How long a starting video waits for a key frame before it is forwarded anyway (default 2000 ms). */
  keyframeWaitMs?: number;
  /** A starting video's key frame not there this long after the unit asked its source: asked again (default 1000 ms). */
  keyframeAskAgainMs?: number;
  /** The dominant speaker's smoothing and hysteresis (active-speaker.ts). */
  speaker?: ActiveSpeakerOptions;
  /**
   * The most the unit's REMB tells a source's browser (default 400 kbit/s, above the conversation's
   * caps); each second it tells what the source's best-placed viewer can take, down to
   * `rembFloorBitsPerSecond` (default 50 kbit/s). null: no REMB.
   */
  rembBitsPerSecond?: number | null;
  rembFloorBitsPerSecond?: number;
  /** How often the room measures the sources and chooses each viewer's videos (default 1000 ms). */
  adaptIntervalMs?: number;
  /** When a viewer on voice alone tries a video again (video-choice.ts). */
  probe?: ProbeOptions;
  /** What a viewer's NACKs get sent again (retransmit-budget.ts). */
  retransmit?: Partial<RetransmitOptions>;
  schedule?: KeyframeRequesterOptions['schedule'];
  /**
   * A participant's peer is up, or no longer: connected and heard from within `silentMs` (default 2000 ms;
   * checked every `adaptIntervalMs`, not after a stall of this process's event loop). Leaving is down.
   */
  onLive?: (participantId: string, live: boolean) => void;
  silentMs?: number;
  /** Pairs that never receive each other (a direct peer connection carries them already, room-plan.ts). */
  apart?: (viewer: string, source: string) => boolean;
  onIceCandidate: (participantId: string, c: IceCandidateInit) => void;
  onTracks?: (participantId: string, kinds: Kind[]) => void;
  onAssignments?: (viewerId: string, slots: SlotAssignment[]) => void;
  /**
   * The unit grants the viewer's direct sender (the specialist's page, on its direct peer with the cart) the probe of
   * the viewer's downlink: its paused video may resume now (probe-owner.ts; told of it through `directVideo`).
   */
  onDirectProbe?: (viewerId: string) => void;
  onError?: (participantId: string, e: unknown) => void;
}

export interface ForwardingRoomStats {
  participants: number;
  rtpIn: { packets: number; bytes: number };
  rtpOut: { packets: number; bytes: number };
  dropped: {
    padding: number;
    unknownPayloadType: number;
    tooOld: number;
    notConnected: number;
    videoPaused: number;
    /** Video packets of a starting video held back until its key frame (undecodable at the viewer). */
    awaitingKeyframe: number;
  };
  sendErrors: number;
  /**
   * Starting videos (a viewer's new source, a resume, a new viewer): how many waited for a key frame,
   * how many got one, how many were forwarded anyway after `keyframeWaitMs`, the longest wait (ms), and how
   * often a key frame was asked again (`keyframeAskAgainMs`).
   */
  keyframeWaits: { started: number; keyframe: number; timedOut: number; longestMs: number; askedAgain: number };
  /** The dominant speaker (null: nobody spoke yet). */
  speaker: string | null;
  keyframeRequests: { fromViewers: number; plisToSources: number; coalesced: number };
  /** Sources' sender reports received, and passed on to viewers (one per viewer receiving that stream). */
  senderReports: { fromSources: number; toViewers: number };
  /** Per participant: as a viewer (its downlink estimate, the sources whose video it is not sent, what it was sent) and as a source (the REMB it is told). */
  members: Record<string, MemberStats>;
}

export interface MemberStats {
  /** The unit's estimate of its downlink (bits/s); null: no report yet. */
  downlinkEstimate: number | null;
  /** Its browser's last REMB (bits/s); null: none yet. */
  remb: number | null;
  /** The sources whose video the unit holds back from it. */
  videoPausedFrom: string[];
  /** RTP bytes sent to it (payload and RTP header). */
  rtpOutBytes: number;
  /** The last REMB sent to its browser (bits/s); null: none. */
  rembToSource: number | null;
  /** Its smoothed audio loudness (0 silence … 127 at 0 dBov; active-speaker.ts). */
  loudness: number;
  /** The source it pinned (null: none). */
  pinned: string | null;
  /** The sources whose video it receives, in the order its choice takes them (pinned, speaker, slot order). */
  videoOrder: string[];
  /** Its peer is up: connected and heard from within `silentMs` (onLive). */
  live: boolean;
  /**
   * What the unit sent it (SRTP/SRTCP bytes as they leave the socket): in all, its RTCP, and per slot (by mid, with
   * the source the slot carries now and its kind) each packet once, sent again on a NACK, NACKed, refused.
   */
  sent: PeerSent & { slotsBy: SlotSentStats[] };
  /**
   * Probes of a held-back video (video-choice.ts) started toward it, and media packets sent while a slot was one; the
   * probes granted its direct sender, and that sender's video as the unit knows it (probe-owner.ts).
   */
  probes: { started: number; mediaPackets: number; mediaBytes: number; directGranted: number; direct: DirectVideo };
}

export interface SlotSentStats {
  mid: string;
  kind: Kind;
  source: string | null;
  held: boolean;
  media: Count;
  retransmitted: Count;
  nacked: number;
  /** NACKed packets not sent again (held back, over the budget, asked again too soon or too often, no longer kept). */
  refused: number;
}

interface Source {
  track: MediaStreamTrack;
  ssrc: number | undefined;
  /** Payload type → lowercase codec name, as negotiated with this participant. */
  codecNames: Map<number, string>;
  /** Bytes and packets received since the last measure, and the rate measured then (bits/s, overhead included). */
  windowBytes: number;
  windowPackets: number;
  bitsPerSecond: number;
  /** The share of its packets lost before the unit, last window (a viewer's reports are not blamed for it). */
  arrival: ArrivalLoss;
}

interface Forward {
  slot: Slot;
  rewriter: RtpRewriter;
  source: string | null;
  /** A video starting for this viewer: held back until a key frame, since then. */
  awaitingKeyframe: number | null;
  /** When the unit last asked the source for that key frame. */
  keyframeAskedAt: number | null;
}

interface Member {
  id: string;
  peer: UnitPeer;
  connected: boolean;
  sources: Map<Kind, Source>;
  /** `${slot}:${kind}` → the forward into that m-line. */
  forwards: Map<string, Forward>;
  keyframes: KeyframeRequester | undefined;
  downlink: DownlinkEstimate;
  /** Its browser's last REMB. */
  remb: number | undefined;
  /** The highest fraction lost its browser reported since the last measure. */
  lossSince: number | undefined;
  /** RTP bytes and packets sent to it since the last measure. */
  sentBytes: number;
  sentPackets: number;
  chooser: VideoChooser;
  /** Its video slots the unit holds back. */
  paused: Set<number>;
  /** The source it pinned: its video is the last to go. */
  pinned: string | null;
  rtpOutBytes: number;
  rembSent: number | null;
  /** SRTP and SRTCP packets received from it when last counted, and when that count last grew. */
  heardPackets: number;
  heardAt: number;
  /** Connected and heard from within `silentMs` (told through onLive when it changes). */
  live: boolean;
  /** NACKed packets not sent again, by slot mid. */
  refused: Map<string, number>;
  /** Which of its NACKed packets go again. */
  retransmits: RetransmitBudget;
  probes: { started: number; mediaPackets: number; mediaBytes: number };
  /** Whose turn it is to probe its downlink: the unit's or its direct sender's. */
  probeOwner: ProbeOwner;
}

const DEFAULT_RECEIVE_BUFFER = 4 * 1024 * 1024;

const CLOCK_RATE: Record<Kind, number> = { audio: 48_000, video: 90_000 };

/** What a packet costs on the link beyond its RTP header and payload: SRTP tag (10), UDP (8), IPv4 (20). */
const PACKET_OVERHEAD_BYTES = 38;

/**
 * What a viewer's voices need beyond those the unit forwards (bits/s, as the estimate counts them): the feedback on
 * its transports (RTCP, STUN, SCTP acknowledgements: ~16 kbit/s measured toward the cart), and its direct sender's
 * voice once that sender spoke (the specialist's toward a weak cart, 60 ms frames at 16 kbit/s: ~19 kbit/s).
 * docs/conversation.md « What fills 100 kbit/s, counted ».
 */
const FEEDBACK_BPS = 16_000;
const DIRECT_VOICE_BPS = 20_000;

export class ForwardingRoom {
  private readonly members = new Map<string, Member>();
  private readonly plan: RoomPlan;
  private readonly clock: Clock;
  private readonly counters: ForwardingRoomStats = emptyRoomStats();
  private readonly speaker: ActiveSpeaker;
  private readonly adaptTimer: ReturnType<typeof setInterval>;
  private readonly remb: number | null;
  private lastMeasure: number;

  constructor(private readonly o: ForwardingRoomOptions) {
    this.clock = o.clock ?? systemClock;
    this.plan = new RoomPlan(o.apart);
    this.remb = o.rembBitsPerSecond === undefined ? 400_000 : o.rembBitsPerSecond;
    this.speaker = new ActiveSpeaker(o.speaker);
    this.lastMeasure = this.clock.now();
    this.adaptTimer = setInterval(() => this.adapt(), o.adaptIntervalMs ?? 1000);
    this.adaptTimer.unref?.();
  }

  /**
   * The viewer pins the participant its slot with m-line `mid` (audio or video) carries now: that
   * video is the last it loses (null: no pin). Refused (ForwardingUnitError) for a viewer not in the
   * room, an m-line that is not one of its slots, or a slot that carries nobody.
   */
  pin(viewerId: string, mid: string | null): void {
    const v = this.members.get(viewerId);
    if (!v) throw new ForwardingUnitError(`pin of ${viewerId} refused: not in the room`);
    let source: string | null = null;
    if (mid !== null) {
      const fw = [...v.forwards.values()].find((f) => f.slot.mid === mid);
      if (!fw) throw new ForwardingUnitError(`pin of ${viewerId} refused: m-line ${JSON.stringify(mid.slice(0, 32))} is none of its slots`);
      source = this.plan.sourceIn(viewerId, fw.slot.index);
      if (source === null) throw new ForwardingUnitError(`pin of ${viewerId} refused: its slot ${fw.slot.index} carries nobody`);
    }
    v.pinned = source;
    this.announce(viewerId);
  }

  async join(participantId: string, request: JoinRequest): Promise<{ answer: string }> {
    if (!PARTICIPANT_ID.test(participantId))
      throw new ForwardingUnitError(`participant id refused: ${JSON.stringify(participantId.slice(0, 80))}`);
    if (!Value.Check(JoinRequest, request)) {
      const first = [...Value.Errors(JoinRequest, request)][0];
      throw new ForwardingUnitError(`join of ${participantId} refused: ${first ? `${first.path || '/'} ${first.message}` : 'bad body'}`);
    }
    if (this.members.has(participantId)) throw new ForwardingUnitError(`participant ${participantId} has already joined`);
    const m: Member = {
      id: participantId,
      peer: new UnitPeer({
        iceServers: this.o.iceServers ?? [],
        ...(this.o.hostAddresses ? { hostAddresses: this.o.hostAddresses } : {}),
        receiveBufferBytes: this.o.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER,
        onIceCandidate: (c) => this.o.onIceCandidate(participantId, c),
        onTrack: (kind, track, t) => this.onTrack(m, kind, track, t.codecs),
        onState: (s) => this.onState(m, s),
        onKeyframeRequest: (slot) => this.keyframeFor(m, slot),
        onRemb: (bps) => {
          m.remb = bps;
          m.downlink.onRemb(bps);
        },
        onNack: (slot, seqs) => this.onNack(m, slot, seqs),
        onLoss: (slot, fraction) => {
          // What the viewer's own link lost: the stream's loss before the unit taken out (upstream-loss.ts).
          const source = this.plan.sourceIn(m.id, slot.index);
          const upstream = source === null ? 0 : (this.members.get(source)?.sources.get(slot.kind)?.arrival.fraction ?? 0);
          m.lossSince = Math.max(m.lossSince ?? 0, downlinkLoss(fraction, upstream));
        },
      }),
      connected: false,
      sources: new Map(),
      forwards: new Map(),
      keyframes: undefined,
      downlink: new DownlinkEstimate(),
      remb: undefined,
      lossSince: undefined,
      sentBytes: 0,
      sentPackets: 0,
      chooser: new VideoChooser(this.o.probe),
      paused: new Set(),
      pinned: null,
      rtpOutBytes: 0,
      rembSent: null,
      heardPackets: 0,
      heardAt: this.clock.now(),
      live: false,
      refused: new Map(),
      retransmits: new RetransmitBudget(this.o.retransmit),
      probes: { started: 0, mediaPackets: 0, mediaBytes: 0 },
      probeOwner: new ProbeOwner(),
    };
    let answer: string;
    try {
      answer = await m.peer.answer(request.offer);
    } catch (e) {
      await m.peer.close().catch(() => undefined);
      throw new ForwardingUnitError(`offer of ${participantId} refused: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.members.set(participantId, m);
    for (const slot of m.peer.slots) {
      m.forwards.set(`${slot.index}:${slot.kind}`, {
        slot,
        rewriter: new RtpRewriter({ clockRate: CLOCK_RATE[slot.kind], payloadTypes: new Map() }),
        source: null,
        awaitingKeyframe: null,
        keyframeAskedAt: null,
      });
    }
    const slotCount = Math.max(...(['audio', 'video'] as const).map((k) => m.peer.slots.filter((s) => s.kind === k).length));
    this.apply(this.plan.add(participantId, slotCount));
    this.counters.participants = this.members.size;
    return { answer };
  }

  async addIceCandidate(participantId: string, candidate: unknown): Promise<void> {
    const m = this.members.get(participantId);
    if (!m) throw new ForwardingUnitError(`ICE candidate for ${participantId}, who is not in the room`);
    if (!Value.Check(IceCandidateBody, candidate))
      throw new ForwardingUnitError(`ICE candidate of ${participantId} refused: not a candidate`);
    await m.peer.addIceCandidate({ candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex });
  }

  /**
   * The viewer's direct sender (the specialist's page toward the cart) says its video toward the viewer paused for
   * the viewer's downlink, or sent again: the unit's probes wait their turn (probe-owner.ts). Unknown viewer: nothing.
   */
  directVideo(viewerId: string, paused: boolean): void {
    this.members.get(viewerId)?.probeOwner.directSaid(paused, this.clock.now());
  }

  async leave(participantId: string): Promise<void> {
    const m = this.members.get(participantId);
    if (!m) return;
    this.members.delete(participantId);
    m.keyframes?.close();
    for (const v of this.members.values()) if (v.pinned === participantId) v.pinned = null;
    const speakerGone = this.speaker.remove(participantId);
    this.apply(this.plan.remove(participantId));
    if (speakerGone) this.announceAll();
    this.counters.participants = this.members.size;
    this.setLive(m, false);
    await m.peer.close();
  }

  async close(): Promise<void> {
    clearInterval(this.adaptTimer);
    for (const id of [...this.members.keys()]) await this.leave(id);
  }

  stats(): ForwardingRoomStats {
    const s = structuredClone(this.counters);
    s.speaker = this.speaker.speaker;
    const now = this.clock.now();
    for (const m of this.members.values()) {
      s.keyframeRequests.coalesced += m.keyframes?.coalesced ?? 0;
      s.members[m.id] = {
        downlinkEstimate: m.downlink.value ?? null,
        remb: m.remb ?? null,
        videoPausedFrom: [...m.paused].map((k) => this.plan.sourceIn(m.id, k)).filter((x) => x !== null),
        rtpOutBytes: m.rtpOutBytes,
        rembToSource: m.rembSent,
        loudness: this.speaker.loudness(m.id, now),
        pinned: m.pinned,
        videoOrder: this.videoCandidates(m)
          .map((c) => this.plan.sourceIn(m.id, c.slot))
          .filter((x) => x !== null),
        live: m.live,
        sent: this.sentTo(m),
        probes: { ...m.probes, directGranted: m.probeOwner.granted, direct: m.probeOwner.direct },
      };
    }
    return s;
  }

  /** What the unit sent a member: its peer's counts, and per slot with what the room knows of it. */
  private sentTo(m: Member): MemberStats['sent'] {
    const sent = m.peer.sentCounts();
    return { ...sent, slotsBy: m.peer.slots.map((slot) => this.slotSent(m, slot, sent.slots[slot.mid])) };
  }

  private slotSent(m: Member, slot: Slot, c: SlotSent | undefined): SlotSentStats {
    return {
      mid: slot.mid,
      kind: slot.kind,
      source: this.plan.sourceIn(m.id, slot.index),
      held: slot.kind === 'video' && m.paused.has(slot.index),
      media: c?.media ?? { packets: 0, bytes: 0 },
      retransmitted: c?.retransmitted ?? { packets: 0, bytes: 0 },
      nacked: c?.nacked ?? 0,
      refused: m.refused.get(slot.mid) ?? 0,
    };
  }

  /** Each participant's transport (ICE, DTLS, SRTP counts): which layer stopped, when media do not flow. */
  diagnostics(): Record<string, PeerDiagnostics> {
    return Object.fromEntries([...this.members.values()].map((m) => [m.id, m.peer.diagnostics()]));
  }

  /**
   * A viewer's NACK on a slot: the packets it lost that the unit still has, sent again as far as its budget allows
   * (retransmit-budget.ts): none into a slot whose video is held back, waits for a key frame or carries nobody.
   */
  private onNack(v: Member, slot: Slot, seqs: number[]): void {
    const fw = v.forwards.get(`${slot.index}:${slot.kind}`);
    const held = !fw || fw.source === null || fw.awaitingKeyframe !== null || (slot.kind === 'video' && v.paused.has(slot.index));
    const packets: { seq: number; bytes: number }[] = [];
    for (const seq of seqs) {
      const bytes = v.peer.kept(slot, seq);
      if (bytes !== undefined) packets.push({ seq, bytes });
    }
    const allowed = v.retransmits.answer({ now: this.clock.now(), slot: slot.mid, held, estimate: v.downlink.value, packets });
    const sent = allowed.length > 0 ? v.peer.retransmit(slot, allowed) : [];
    v.refused.set(slot.mid, (v.refused.get(slot.mid) ?? 0) + seqs.length - sent.length);
  }

  private onTrack(m: Member, kind: Kind, track: MediaStreamTrack, codecs: { payloadType: number; name: string }[]): void {
    const source: Source = {
      track,
      ssrc: undefined,
      codecNames: new Map(codecs.map((c) => [c.payloadType, c.name.toLowerCase()])),
      windowBytes: 0,
      windowPackets: 0,
      bitsPerSecond: 0,
      arrival: new ArrivalLoss(),
    };
    m.sources.set(kind, source);
    if (kind === 'video') {
      m.keyframes = new KeyframeRequester({
        minIntervalMs: this.o.keyframeIntervalMs ?? 500,
        now: () => this.clock.now(),
        schedule: this.o.schedule ?? timerScheduler,
        send: () => {
          const t = m.peer.published.get('video');
          if (t && source.ssrc !== undefined) {
            this.counters.keyframeRequests.plisToSources++;
            void t.receiver.sendRtcpPLI(source.ssrc);
          }
        },
      });
    }
    track.onReceiveRtp.subscribe((rtp, extensions) => {
      if (kind === 'audio') this.hear(m, extensions?.[RTP_EXTENSION_URI.audioLevelIndication]);
      this.forward(m, kind, source, rtp);
    });
    track.onReceiveRtcp.subscribe((p) => {
      if (p instanceof RtcpSrPacket) this.relaySenderReport(m, kind, p);
    });
    // Viewers already assigned to this participant map its payload types now that they are known.
    for (const { viewer, slot } of this.plan.viewersOf(m.id)) this.bind(viewer, slot, m.id);
    this.o.onTracks?.(m.id, [...m.sources.keys()]);
  }

  /** A source's audio level (RFC 6464, as werift parsed it: { v, level }); the speaker may change. */
  private hear(src: Member, ext: unknown): void {
    if (typeof ext !== 'object' || ext === null) return;
    const level: unknown = (ext as { level?: unknown }).level;
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 127) return;
    if (this.speaker.level(src.id, level, this.clock.now())) this.announceAll();
  }

  private forward(src: Member, kind: Kind, source: Source, rtp: RtpPacket): void {
    const size = rtp.payload.length + rtp.header.serializeSize;
    this.counters.rtpIn.packets++;
    this.counters.rtpIn.bytes += size;
    source.windowBytes += size;
    source.windowPackets++;
    if (source.ssrc !== rtp.header.ssrc) {
      source.arrival.restart();
      source.ssrc = rtp.header.ssrc;
      // A new stream: its viewers need a key frame, unless it starts on one (a browser's first frame is). Asked anyway,
      // a newcomer's encoder sent a second key frame within its first second, when its rate is lowest.
      if (kind === 'video' && !startsKeyframe(source.codecNames.get(rtp.header.payloadType), rtp.payload)) src.keyframes?.request();
    }
    source.arrival.onPacket(rtp.header.sequenceNumber);
    const now = this.clock.now();
    for (const { viewer, slot } of this.plan.viewersOf(src.id)) {
      const v = this.members.get(viewer);
      const fw = v?.forwards.get(`${slot}:${kind}`);
      if (!v || !fw) continue;
      if (!v.connected) {
        this.counters.dropped.notConnected++;
        continue;
      }
      if (kind === 'video' && v.paused.has(slot)) {
        this.counters.dropped.videoPaused++;
        continue;
      }
      if (fw.awaitingKeyframe !== null && !this.keyframeStarts(fw, source, rtp, now)) {
        this.counters.dropped.awaitingKeyframe++;
        continue;
      }
      const r = fw.rewriter.rewrite(
        {
          ssrc: rtp.header.ssrc,
          sequenceNumber: rtp.header.sequenceNumber,
          timestamp: rtp.header.timestamp,
          payloadType: rtp.header.payloadType,
          paddingOnly: rtp.payload.length === 0,
        },
        now,
      );
      if ('drop' in r) {
        if (r.drop === 'padding') this.counters.dropped.padding++;
        else if (r.drop === 'too-old') this.counters.dropped.tooOld++;
        else this.counters.dropped.unknownPayloadType++;
        continue;
      }
      this.counters.rtpOut.packets++;
      this.counters.rtpOut.bytes += size;
      v.rtpOutBytes += size;
      v.sentBytes += size;
      v.sentPackets++;
      if (kind === 'video' && v.chooser.probingSlot() === slot) {
        v.probes.mediaPackets++;
        v.probes.mediaBytes += size;
      }
      v.peer.send(fw.slot, r.forward, rtp.header.marker, rtp.payload).catch((e: unknown) => {
        this.counters.sendErrors++;
        this.o.onError?.(viewer, e);
      });
    }
  }

  /**
   * A source's sender report, to each viewer its stream goes to now: the same NTP time (the source's own clock,
   * which its voice's and its video's reports share: what the viewer's browser lines them up by) with the RTP
   * timestamp rewritten as the stream's packets are for that viewer. None to a viewer whose stream from it is
   * held back or waiting for a key frame (its timeline is set again when it starts), nor for an SSRC the slot
   * does not forward now.
   */
  private relaySenderReport(src: Member, kind: Kind, sr: RtcpSrPacket): void {
    this.counters.senderReports.fromSources++;
    for (const { viewer, slot } of this.plan.viewersOf(src.id)) {
      const v = this.members.get(viewer);
      const fw = v?.forwards.get(`${slot}:${kind}`);
      if (!v?.connected || !fw || fw.awaitingKeyframe !== null || (kind === 'video' && v.paused.has(slot))) continue;
      const rtp = fw.rewriter.timestampFor(sr.ssrc, sr.senderInfo.rtpTimestamp);
      if (rtp === undefined) continue;
      this.counters.senderReports.toViewers++;
      v.peer.sendSenderReport(fw.slot, sr.senderInfo.ntpTimestamp, rtp).catch((e: unknown) => {
        this.counters.sendErrors++;
        this.o.onError?.(viewer, e);
      });
    }
  }

  /**
   * Whether a starting video's packet may go to the viewer: a key frame's first packet, or any once
   * it waited `keyframeWaitMs` (then a key frame is asked again). Ends the wait when it may.
   */
  private keyframeStarts(fw: Forward, source: Source, rtp: RtpPacket, now: number): boolean {
    const since = fw.awaitingKeyframe ?? now;
    const waited = now - since;
    const w = this.counters.keyframeWaits;
    const src = fw.source === null ? undefined : this.members.get(fw.source);
    if (startsKeyframe(source.codecNames.get(rtp.header.payloadType), rtp.payload)) w.keyframe++;
    else if (waited >= (this.o.keyframeWaitMs ?? 2000)) {
      w.timedOut++;
      src?.keyframes?.request();
    } else {
      // The source sends, but not the key frame asked for: the request was lost or ignored; asked again.
      if (now - (fw.keyframeAskedAt ?? since) >= (this.o.keyframeAskAgainMs ?? 1000)) {
        fw.keyframeAskedAt = now;
        w.askedAgain++;
        src?.keyframes?.request();
      }
      return false;
    }
    w.longestMs = Math.max(w.longestMs, waited);
    fw.awaitingKeyframe = null;
    // The stream the viewer gets starts here: numbered on from what it last got.
    fw.rewriter.resume();
    return true;
  }

  /** A video starts for a viewer (its slot's new source, a resume, the viewer connected): from a key frame. */
  private awaitKeyframe(v: Member, slot: number): void {
    const fw = v.forwards.get(`${slot}:video`);
    const source = this.plan.sourceIn(v.id, slot);
    if (!fw || source === null) return;
    if (fw.awaitingKeyframe === null) this.counters.keyframeWaits.started++;
    fw.awaitingKeyframe = this.clock.now();
    fw.keyframeAskedAt = this.clock.now();
    // A source whose video has not started (a newcomer still connecting) is not asked: its stream starts on a key frame,
    // or is asked for one then (forward). Asked now, the request waited out the PLI interval behind the first viewer's
    // and reached the newcomer's encoder just after its first key frame: a second one, at its lowest rate.
    const src = this.members.get(source);
    if (v.connected && src?.sources.get('video')?.ssrc !== undefined) src.keyframes?.request();
  }

  /** A viewer's PLI or FIR on a video slot: a key frame from the source the slot carries now. */
  private keyframeFor(viewer: Member, slot: Slot): void {
    const source = this.plan.sourceIn(viewer.id, slot.index);
    const src = source === null ? undefined : this.members.get(source);
    this.counters.keyframeRequests.fromViewers++;
    src?.keyframes?.request();
  }

  private onState(m: Member, state: string): void {
    const was = m.connected;
    m.connected = state === 'connected';
    if (m.connected && !was) {
      // A new viewer starts with a key frame from everyone it receives.
      for (let k = 0; m.forwards.has(`${k}:video`) || m.forwards.has(`${k}:audio`); k++) this.awaitKeyframe(m, k);
      // Connecting took its packets: heard now.
      m.heardAt = this.clock.now();
      m.heardPackets = m.peer.packetsIn();
    }
    if (this.members.get(m.id) === m) this.setLive(m, m.connected && this.clock.now() - m.heardAt < (this.o.silentMs ?? 2000));
  }

  private setLive(m: Member, live: boolean): void {
    if (m.live === live) return;
    m.live = live;
    this.o.onLive?.(m.id, live);
  }

  /**
   * Each measure: a member whose packet count grew was heard now; one silent for `silentMs` is down. After a
   * stall of this process (the measure came late) the packets queued meanwhile are not read yet: no verdict.
   */
  private hearAll(now: number, stalled: boolean): void {
    const silentMs = this.o.silentMs ?? 2000;
    for (const m of this.members.values()) {
      const n = m.peer.packetsIn();
      if (n !== m.heardPackets) {
        m.heardPackets = n;
        m.heardAt = now;
      }
      const live = m.connected && now - m.heardAt < silentMs;
      if (live || !stalled) this.setLive(m, live);
    }
  }

  private apply(changes: Assignment[]): void {
    const touched = new Set<string>();
    for (const c of changes) {
      touched.add(c.viewer);
      if (c.source === null) {
        for (const kind of ['audio', 'video'] as const) {
          const fw = this.members.get(c.viewer)?.forwards.get(`${c.slot}:${kind}`);
          if (fw) {
            fw.source = null;
            fw.awaitingKeyframe = null;
          }
        }
      } else {
        this.bind(c.viewer, c.slot, c.source);
        const v = this.members.get(c.viewer);
        if (v) this.awaitKeyframe(v, c.slot);
      }
    }
    for (const viewer of touched) this.announce(viewer);
  }

  /** Points a viewer's slot at a source, with the payload types mapped from the source's to the viewer's. */
  private bind(viewerId: string, slot: number, sourceId: string): void {
    const v = this.members.get(viewerId);
    const src = this.members.get(sourceId);
    if (!v || !src) return;
    for (const kind of ['audio', 'video'] as const) {
      const fw = v.forwards.get(`${slot}:${kind}`);
      if (!fw) continue;
      fw.source = sourceId;
      const theirs = v.peer.slotPayloadType(fw.slot);
      const pts = new Map<number, number>();
      for (const [pt, name] of src.sources.get(kind)?.codecNames ?? []) if (theirs && name === theirs.name) pts.set(pt, theirs.payloadType);
      fw.rewriter.setPayloadTypes(pts);
    }
  }

  private announce(viewerId: string): void {
    const v = this.members.get(viewerId);
    if (!v || !this.o.onAssignments) return;
    const out: SlotAssignment[] = [];
    for (let k = 0; ; k++) {
      const a = v.forwards.get(`${k}:audio`);
      const vid = v.forwards.get(`${k}:video`);
      if (!a && !vid) break;
      const source = this.plan.sourceIn(viewerId, k);
      out.push({
        slot: k,
        audioMid: a?.slot.mid ?? null,
        videoMid: vid?.slot.mid ?? null,
        source,
        videoPaused: v.paused.has(k),
        speaking: source !== null && source === this.speaker.speaker,
        pinned: source !== null && source === v.pinned,
      });
    }
    this.o.onAssignments(viewerId, out);
  }

  /** Every viewer's slots again (the speaker changed). */
  private announceAll(): void {
    for (const id of this.members.keys()) this.announce(id);
  }

  /** Each second: what each source sends, each viewer's videos, each source's REMB. */
  private adapt(): void {
    const now = this.clock.now();
    const elapsed = Math.max(1, now - this.lastMeasure);
    this.lastMeasure = now;
    this.hearAll(now, elapsed > 2 * (this.o.adaptIntervalMs ?? 1000));
    for (const m of this.members.values()) {
      for (const src of m.sources.values()) {
        src.bitsPerSecond = ((src.windowBytes + src.windowPackets * PACKET_OVERHEAD_BYTES) * 8 * 1000) / elapsed;
        src.windowBytes = 0;
        src.windowPackets = 0;
        src.arrival.close();
      }
    }
    for (const v of this.members.values()) {
      v.downlink.onMeasure(v.lossSince, ((v.sentBytes + v.sentPackets * PACKET_OVERHEAD_BYTES) * 8 * 1000) / elapsed);
      this.chooseVideos(v, now, (v.lossSince ?? 0) >= LOW_LOSS);
      v.lossSince = undefined;
      v.sentBytes = 0;
      v.sentPackets = 0;
    }
    if (this.remb !== null) this.sendRembs(this.remb);
  }

  /** What a viewer's audio slots take now (bits/s): always forwarded. */
  private audioTo(v: Member): number {
    let bps = 0;
    for (let k = 0; v.forwards.has(`${k}:audio`) || v.forwards.has(`${k}:video`); k++) {
      const source = this.plan.sourceIn(v.id, k);
      if (source !== null && v.forwards.has(`${k}:audio`)) bps += this.members.get(source)?.sources.get('audio')?.bitsPerSecond ?? 0;
    }
    return bps;
  }

  /** The viewer's video slots that carry a source, best first: the pinned one, the speaker, then slot order. */
  private videoCandidates(v: Member): VideoCandidate[] {
    const out: (VideoCandidate & { rank: number })[] = [];
    const speaker = this.speaker.speaker;
    for (let k = 0; v.forwards.has(`${k}:audio`) || v.forwards.has(`${k}:video`); k++) {
      const source = this.plan.sourceIn(v.id, k);
      const video = source === null ? undefined : this.members.get(source)?.sources.get('video');
      if (!video || !v.forwards.has(`${k}:video`)) continue;
      out.push({ slot: k, bitsPerSecond: video.bitsPerSecond, rank: source === v.pinned ? 0 : source === speaker ? 1 : 2 });
    }
    // Stable: slot order within a rank.
    return out.sort((a, b) => a.rank - b.rank).map(({ slot, bitsPerSecond }) => ({ slot, bitsPerSecond }));
  }

  private chooseVideos(v: Member, now: number, congested: boolean): void {
    const candidates = this.videoCandidates(v);
    const wasProbing = v.chooser.probingSlot();
    const audio = this.audioTo(v);
    const voices = audio + FEEDBACK_BPS + (v.probeOwner.direct === 'absent' ? 0 : DIRECT_VOICE_BPS);
    const turn = v.probeOwner.step({
      now,
      estimate: v.downlink.value,
      voicesBitsPerSecond: voices,
      congested,
      unitProbing: wasProbing !== undefined,
    });
    if (turn.grantDirect) this.o.onDirectProbe?.(v.id);
    const chosen = v.chooser.choose({
      estimate: v.downlink.value,
      audioBitsPerSecond: audio,
      candidates,
      congested,
      now,
      mayProbe: turn.unitMayProbe,
    });
    const probing = v.chooser.probingSlot();
    if (probing !== undefined && probing !== wasProbing) v.probes.started++;
    const paused = new Set(candidates.filter((c) => !chosen.has(c.slot)).map((c) => c.slot));
    let changed = false;
    for (const k of v.paused) {
      if (paused.has(k)) continue;
      // Resumed: the stream continues the viewer's numbering, from a key frame of its source.
      changed = true;
      v.forwards.get(`${k}:video`)?.rewriter.resume();
      this.awaitKeyframe(v, k);
    }
    for (const k of paused) if (!v.paused.has(k)) changed = true;
    v.paused = paused;
    if (changed) this.announce(v.id);
  }

  private sendRembs(ceiling: number): void {
    const floor = Math.min(ceiling, this.o.rembFloorBitsPerSecond ?? 50_000);
    for (const m of this.members.values()) {
      const ssrc = m.sources.get('video')?.ssrc;
      if (!m.connected || ssrc === undefined) continue;
      const viewers = this.plan
        .viewersOf(m.id)
        .map(({ viewer }) => this.members.get(viewer))
        .filter((v) => v !== undefined)
        .map((v) => ({ estimate: v.downlink.value, audioBitsPerSecond: this.audioTo(v) }));
      const bps = viewers.length === 0 ? ceiling : sourceRemb(viewers, floor, ceiling);
      m.rembSent = bps;
      m.peer.sendRemb(ssrc, bps).catch(() => undefined);
    }
  }
}
