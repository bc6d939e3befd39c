/**
 * The unit's end of one participant's peer connection (werift). The participant offers its own
 * microphone and camera (send-only or send-receive m-lines) and receive-only m-lines, one audio and
 * one video per other participant it may see: the "slots" the room fills. The unit answers, says
 * which of its transceivers receive the participant's tracks and which send into each slot, and
 * writes rewritten packets into a slot.
 *
 * What the unit negotiates and why (docs/conversation.md, « More than two »):
 * - VP8 with nack, pli and goog-remb feedback; Opus. No RTX (a loss is repaired by the unit's own
 *   retransmission of what it sent, from its per-slot history, as the room allows: `retransmit`) and no transport-cc (werift's
 *   feedback held the browsers' video near 50 kbit/s); the unit sends REMB to each source instead,
 *   and reads each viewer's REMB (goog-remb with abs-send-time: the browser's receive-side estimate).
 * - Header extensions: mid (the browser routes each forwarded stream by it) and abs-send-time,
 *   written by werift with this peer's ids; the source's own extensions are never copied. On audio,
 *   also the RFC 6464 audio level (`ssrc-audio-level`): the unit reads each party's level off its
 *   packets (werift parses it into the receive callback's extensions) to know who speaks
 *   (active-speaker.ts); werift writes none on what the unit sends.
 * - One stream per slot (`a=msid`, slot-streams.ts): the browser synchronises a slot's voice and video. Their
 *   sender reports are the sources' own, passed on (forwarding-room.ts, `sendSenderReport`); werift's were
 *   turned off for the slots: they paired the instant the unit sent a packet with its timestamp, so a video's
 *   encoding and pacing delay at its source would have shifted it against the voice.
 */
import { Socket } from 'node:dgram';
import {
  GenericNack,
  type MediaStreamTrack,
  PictureLossIndication,
  ReceiverEstimatedMaxBitrate,
  type RTCIceServer,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type RTCRtpTransceiver,
  RtcpPayloadSpecificFeedback,
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSrPacket,
  RtcpTransportLayerFeedback,
  RtpHeader,
  RtpPacket,
  useAbsSendTime,
  useAudioLevelIndication,
  useNACK,
  usePLI,
  useREMB,
  useSdesMid,
} from 'werift';
import type { RtpOut } from './rtp-rewriter.js';
import { slotStreamId, withStreams } from './slot-streams.js';
import { askVoice } from './voice-sdp.js';

export type Kind = 'audio' | 'video';

export interface IceCandidateInit {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

export interface UnitPeerOptions {
  iceServers: RTCIceServer[];
  /** When given, the only host candidates (e.g. ['127.0.0.1'] in tests); else every interface. */
  hostAddresses?: string[];
  /** SO_RCVBUF asked for each of this peer's UDP sockets (the kernel caps it at net.core.rmem_max). */
  receiveBufferBytes: number;
  onIceCandidate: (c: IceCandidateInit) => void;
  /** A track of the participant arrived (its first packet will follow on `track.onReceiveRtp`). */
  onTrack: (kind: Kind, track: MediaStreamTrack, transceiver: RTCRtpTransceiver) => void;
  onState: (state: string) => void;
  /** A viewer's PLI or FIR about the stream this unit sends into `slot`. */
  onKeyframeRequest: (slot: Slot) => void;
  /** The participant's browser's estimate of its downlink from the unit (REMB, bits/s). */
  onRemb?: (bitsPerSecond: number) => void;
  /** The participant's browser's receiver report on a stream the unit sends it: the fraction lost (0..1). */
  onLoss?: (slot: Slot, fractionLost: number) => void;
  /**
   * The participant's browser asks again for packets of `slot` it lost (a generic NACK: their sequence numbers
   * as the unit sent them). The unit answers only with `retransmit`: werift's own answer is turned off.
   */
  onNack?: (slot: Slot, sequenceNumbers: number[]) => void;
}

/** Packets and bytes (SRTP or SRTCP, as they leave the socket: UDP and IP headers not counted). */
export interface Count {
  packets: number;
  bytes: number;
}

/** What the unit sent into one slot. */
export interface SlotSent {
  /** Each packet once, as forwarded. */
  media: Count;
  /** Sent again on a NACK. */
  retransmitted: Count;
  /** Sequence numbers NACKed by the participant's browser (each time it asked). */
  nacked: number;
}

/** What the unit sent toward one participant: everything on its transport, the RTCP of it, per slot. */
export interface PeerSent {
  /** Every SRTP and SRTCP packet (ICE's STUN answers not counted). */
  transport: Count;
  /** SRTCP: the slots' sender reports, and what the unit's receivers of the participant's own tracks send it (receiver reports, NACKs, PLIs, REMB). */
  rtcp: Count;
  /** By the slot's m-line (mid). */
  slots: Record<string, SlotSent>;
}

/** How many of a slot's last packets the unit keeps to send again (werift's own history: 128). */
export const RETRANSMIT_HISTORY = 128;

/** A receive-only m-line of the participant: where one other participant's track is sent. */
export interface Slot {
  index: number;
  kind: Kind;
  mid: string;
  transceiver: RTCRtpTransceiver;
}

export class OfferRefused extends Error {}

/** Where one participant's transport stands, to tell which layer stopped carrying media. */
export interface PeerDiagnostics {
  connection: string;
  ice: string;
  dtls: string;
  dtlsRole: string;
  /** The pair the unit sends on (ICE-lite: the one the browser nominated), as "local → remote". */
  selectedPair: string | null;
  /** Every pair the browser checked, with whether it nominated it. */
  pairs: string[];
  /** The receive buffer of the peer's UDP sockets, as the kernel granted it (bytes). */
  receiveBuffer: number[];
  /** SRTP/SRTCP packets through the DTLS transport, both directions. */
  srtpIn: number;
  srtpOut: number;
}

/** RFC 5104 Full Intra Request: payload-specific feedback FMT 4 (werift does not export the class). */
const FIR_FMT = 4;
const FEEDBACK = [useNACK(), usePLI(), useREMB()];

export function unitCodecs(): { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] } {
  return {
    video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: FEEDBACK, payloadType: 96 })],
    audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
  };
}

/**
 * A REMB feedback (draft-alvestrand-rmcat-remb) for these SSRCs. werift serializes the exponent and
 * the 18-bit mantissa and the SSRC count it is given, not `bitrate`: a REMB built with `bitrate` alone
 * went out as 0 bit/s with an SSRC count of 0 and one SSRC, a length Chromium's parser refuses.
 */
export function remb(senderSsrc: number, bitsPerSecond: number, ssrcs: number[]): ReceiverEstimatedMaxBitrate {
  let mantissa = Math.max(0, Math.round(bitsPerSecond));
  let exp = 0;
  while (mantissa >= 1 << 18) {
    mantissa = Math.floor(mantissa / 2);
    exp++;
  }
  return new ReceiverEstimatedMaxBitrate({
    senderSsrc,
    mediaSsrc: 0,
    brExp: exp,
    brMantissa: mantissa,
    bitrate: BigInt(mantissa) << BigInt(exp),
    ssrcNum: ssrcs.length,
    ssrcFeedbacks: ssrcs,
  });
}

export class UnitPeer {
  readonly pc: RTCPeerConnection;
  readonly slots: Slot[] = [];
  /** The transceivers on which the participant sends, by kind. */
  readonly published = new Map<Kind, RTCRtpTransceiver>();
  /** RTP packets and payload octets sent into each slot (by mid), for its sender reports. */
  private readonly sent = new Map<string, { packets: number; octets: number }>();
  /** What went toward the participant, per slot (by mid) and in all. */
  private readonly out: { rtcp: Count; slots: Map<string, SlotSent> } = { rtcp: { packets: 0, bytes: 0 }, slots: new Map() };
  /** Each slot's last packets as sent (werift's header: this peer's SSRC, numbers, extensions) and their size, by sequence number. */
  private readonly history = new Map<string, ({ packet: RtpPacket; bytes: number } | undefined)[]>();

  constructor(private readonly o: UnitPeerOptions) {
    const confined = o.hostAddresses !== undefined;
    this.pc = new RTCPeerConnection({
      codecs: unitCodecs(),
      headerExtensions: { video: [useSdesMid(), useAbsSendTime()], audio: [useSdesMid(), useAudioLevelIndication()] },
      iceServers: o.iceServers,
      iceLite: true,
      ...(confined ? { iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: o.hostAddresses } : {}),
    });
    this.pc.onIceCandidate.subscribe((c) => {
      if (c?.candidate) o.onIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null });
    });
    this.pc.connectionStateChange.subscribe((s) => o.onState(s));
    this.pc.onTrack.subscribe((track) => {
      const t = this.pc.getTransceivers().find((x) => x.receiver.tracks.includes(track));
      if (t && (track.kind === 'audio' || track.kind === 'video')) o.onTrack(track.kind, track, t);
    });
  }

  /** Answers the participant's offer; refuses one that publishes two tracks of a kind. */
  async answer(offerSdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    const perKind = { audio: 0, video: 0 };
    for (const t of this.pc.getTransceivers()) {
      const kind = t.kind;
      if ((kind !== 'audio' && kind !== 'video') || t.mid === null) continue;
      // offerDirection is the direction from the unit's side: recvonly = the participant sends.
      if (t.offerDirection === 'recvonly' || t.offerDirection === 'sendrecv') {
        if (this.published.has(kind)) throw new OfferRefused(`the offer publishes more than one ${kind} track (m-line ${t.mid})`);
        this.published.set(kind, t);
        t.setDirection('recvonly');
      } else if (t.offerDirection === 'sendonly') {
        // werift answers a receive-only m-line as inactive unless told it will send there.
        t.setDirection('sendonly');
        this.slots.push({ index: perKind[kind]++, kind, mid: t.mid, transceiver: t });
      }
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    for (const slot of this.slots) {
      // werift's own sender reports off (its loop starts with the first packet unless it runs already): the
      // sources' are passed on instead (sendSenderReport).
      slot.transceiver.sender.rtcpRunning = true;
      this.sent.set(slot.mid, { packets: 0, octets: 0 });
      this.out.slots.set(slot.mid, { media: { packets: 0, bytes: 0 }, retransmitted: { packets: 0, bytes: 0 }, nacked: 0 });
      this.history.set(slot.mid, []);
      this.answerNacksHere(slot);
    }
    this.countRtcp();
    this.enlargeReceiveBuffers();
    this.watchFeedback();
    const local = this.pc.localDescription?.sdp;
    if (!local) throw new Error('werift gave no local description');
    // Each slot's voice and video in one stream, for lip sync (slot-streams.ts).
    const sdp = withStreams(
      local,
      this.slots.map((s) => ({ mid: s.mid, streamId: slotStreamId(s.index), trackId: `${slotStreamId(s.index)}-${s.kind}` })),
    );
    // The participant's voice in 60 ms frames at a lower Opus rate: every viewer receives every voice (voice-sdp.ts).
    const mic = this.published.get('audio')?.mid;
    return mic ? askVoice(sdp, mic) : sdp;
  }

  /**
   * The unit is ICE-lite: only the browser checks the pair, and it tears its side down when its
   * checks go unanswered (consent), with no way back but a new negotiation. A check lost in the
   * kernel because this process was not scheduled for a moment is as unanswered as one never sent:
   * with the default receive buffer (rmem_default, 208 KiB: ~90 video packets, well under a second
   * of one participant's media) one participant in three lost a third of its packets, consent
   * checks included, in the four-browser test on a loaded machine, until its browser declared the
   * connection failed while the unit went on sending into it. A larger buffer absorbs the stalls.
   */
  private enlargeReceiveBuffers(): void {
    for (const socket of this.sockets()) {
      try {
        socket.setRecvBufferSize(this.o.receiveBufferBytes);
      } catch {
        /* a socket closed meanwhile: nothing to enlarge */
      }
    }
  }

  /** The peer's UDP sockets: werift keeps them on its ICE connection (`protocols[].transport.socket`), outside its typings. */
  private sockets(): Socket[] {
    const out: Socket[] = [];
    for (const t of this.pc.iceTransports) {
      const protocols: unknown = (t.connection as unknown as { protocols?: unknown }).protocols;
      if (!Array.isArray(protocols)) continue;
      for (const p of protocols) {
        const socket: unknown = (p as { transport?: { socket?: unknown } } | null)?.transport?.socket;
        if (socket instanceof Socket) out.push(socket);
      }
    }
    return out;
  }

  /**
   * Key frame requests read off the transport: werift hands a PLI to the transceiver whose SSRC is
   * the feedback's *sender* SSRC first, and a browser signs its receivers' feedback with the SSRC of
   * its own camera, so the PLI went to the unit's receiver of that camera and was lost (the viewers
   * sent PLIs, none reached a source). Matched here on the media SSRC (PLI) or the FIR entries.
   * The browser's REMB (about the streams the unit sends it: the only ones on this transport) and its
   * receiver reports' loss on the slots are what the unit knows of its downlink (downlink-estimate.ts).
   */
  private watchFeedback(): void {
    const transport = this.transport();
    if (!transport) return;
    const bySsrc = (ssrc: number) => this.slots.find((s) => s.transceiver.sender.ssrc === ssrc);
    transport.onRtcp.subscribe((p) => {
      if (p instanceof RtcpTransportLayerFeedback && p.feedback instanceof GenericNack) {
        const slot = bySsrc(p.feedback.mediaSourceSsrc);
        const counts = slot && this.out.slots.get(slot.mid);
        if (!slot || !counts || p.feedback.lost.length === 0) return;
        counts.nacked += p.feedback.lost.length;
        this.o.onNack?.(slot, p.feedback.lost);
        return;
      }
      if (p instanceof RtcpRrPacket || p instanceof RtcpSrPacket) {
        for (const r of p.reports) {
          const slot = bySsrc(r.ssrc);
          if (slot) this.o.onLoss?.(slot, r.fractionLost / 256);
        }
        return;
      }
      if (!(p instanceof RtcpPayloadSpecificFeedback)) return;
      const f = p.feedback;
      if (f instanceof ReceiverEstimatedMaxBitrate) {
        // The browser's receive-side estimate for everything the unit sends it (one transport, BUNDLE).
        this.o.onRemb?.(Number(f.bitrate));
      } else if (f instanceof PictureLossIndication) {
        const slot = bySsrc(f.mediaSsrc);
        if (slot) this.o.onKeyframeRequest(slot);
      } else if (f.count === FIR_FMT && 'fir' in f) {
        for (const e of f.fir) {
          const slot = bySsrc(e.ssrc);
          if (slot) this.o.onKeyframeRequest(slot);
        }
      }
    });
  }

  /**
   * werift's sender answers every NACK from its own history, each time the browser asks (Chromium asks a lost
   * packet up to ten times, a round trip apart), whatever the link: turned off for the slots; the unit answers
   * through `retransmit`, with what the room allows (protocol's retransmit-budget.ts). Its other feedback goes on to werift.
   */
  private answerNacksHere(slot: Slot): void {
    const sender = slot.transceiver.sender;
    const werift = sender.handleRtcpPacket.bind(sender);
    sender.handleRtcpPacket = (p) => {
      if (p instanceof RtcpTransportLayerFeedback && p.feedback instanceof GenericNack) return;
      werift(p);
    };
  }

  /** Counts the SRTCP packets toward the participant (one transport, BUNDLE): werift counts them with the SRTP ones. */
  private countRtcp(): void {
    const transport = this.transport();
    if (!transport) return;
    const send = transport.sendRtcp.bind(transport);
    transport.sendRtcp = (packets) => {
      const before = transport.bytesSent;
      // werift encrypts and counts before its first await: the bytes are known on return.
      const sending = send(packets);
      this.out.rtcp.packets++;
      this.out.rtcp.bytes += transport.bytesSent - before;
      return sending;
    };
  }

  private transport() {
    return this.slots[0]?.transceiver.dtlsTransport ?? [...this.published.values()][0]?.dtlsTransport;
  }

  /**
   * Sends again these packets of a slot, if the unit still has them (its last RETRANSMIT_HISTORY): the same
   * packet, SSRC and sequence number (no RTX negotiated). Returns the numbers sent.
   */
  retransmit(slot: Slot, sequenceNumbers: readonly number[]): number[] {
    const history = this.history.get(slot.mid);
    const counts = this.out.slots.get(slot.mid);
    const transport = slot.transceiver.dtlsTransport;
    if (!history || !counts || transport.state !== 'connected') return [];
    const done: number[] = [];
    for (const seq of sequenceNumbers) {
      const p = history[seq % RETRANSMIT_HISTORY]?.packet;
      if (!p || p.header.sequenceNumber !== seq) continue;
      const before = transport.bytesSent;
      void transport.sendRtp(p.payload, p.header);
      counts.retransmitted.packets++;
      counts.retransmitted.bytes += transport.bytesSent - before;
      done.push(seq);
    }
    return done;
  }

  /** The size (bytes, as sent) of this packet of the slot if the unit still has it to send again. */
  kept(slot: Slot, sequenceNumber: number): number | undefined {
    const h = this.history.get(slot.mid)?.[sequenceNumber % RETRANSMIT_HISTORY];
    return h?.packet.header.sequenceNumber === sequenceNumber ? h.bytes : undefined;
  }

  /** What the unit sent toward the participant so far. */
  sentCounts(): PeerSent {
    const t = this.transport();
    return {
      transport: { packets: t?.packetsSent ?? 0, bytes: t?.bytesSent ?? 0 },
      rtcp: { ...this.out.rtcp },
      slots: Object.fromEntries([...this.out.slots].map(([mid, c]) => [mid, structuredClone(c)])),
    };
  }

  async addIceCandidate(c: IceCandidateInit): Promise<void> {
    await this.pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? undefined, sdpMLineIndex: c.sdpMLineIndex ?? undefined });
  }

  /**
   * Sends a rewritten packet into a slot. A fresh header: only the rewritten numbers and the marker;
   * werift adds this peer's extensions (mid, abs-send-time) with this peer's ids and keeps the packet
   * for retransmission on a NACK (`retransmit`).
   */
  async send(slot: Slot, out: RtpOut, marker: boolean, payload: Buffer): Promise<void> {
    const header = new RtpHeader({
      payloadType: out.payloadType,
      sequenceNumber: out.sequenceNumber,
      timestamp: out.timestamp,
      marker,
      extensions: [],
    });
    const sent = this.sent.get(slot.mid);
    if (sent) {
      sent.packets = (sent.packets + 1) % 2 ** 32;
      sent.octets = (sent.octets + payload.length) % 2 ** 32;
    }
    const packet = new RtpPacket(header, payload);
    const transport = slot.transceiver.dtlsTransport;
    const before = transport.bytesSent;
    // werift writes its header (SSRC, numbers, extensions) into `packet` and encrypts it before its first await.
    const sending = slot.transceiver.sender.sendRtp(packet);
    const counts = this.out.slots.get(slot.mid);
    const bytes = transport.bytesSent - before;
    if (counts && bytes > 0) {
      counts.media.packets++;
      counts.media.bytes += bytes;
      const history = this.history.get(slot.mid);
      if (history) history[packet.header.sequenceNumber % RETRANSMIT_HISTORY] = { packet, bytes };
    }
    await sending;
  }

  /**
   * A sender report on what the unit sends into a slot: `ntp` (64-bit NTP time) and `rtpTimestamp` the same
   * instant on the source's clock and on the stream as rewritten for this viewer, the counts what went into the slot.
   */
  async sendSenderReport(slot: Slot, ntp: bigint, rtpTimestamp: number): Promise<void> {
    const sent = this.sent.get(slot.mid) ?? { packets: 0, octets: 0 };
    const senderInfo = new RtcpSenderInfo({ ntpTimestamp: ntp, rtpTimestamp, packetCount: sent.packets, octetCount: sent.octets });
    await slot.transceiver.dtlsTransport.sendRtcp([new RtcpSrPacket({ ssrc: slot.transceiver.sender.ssrc, senderInfo })]);
  }

  /** The viewer's payload type for a codec name (lowercase mime subtype), as negotiated on this slot. */
  slotPayloadType(slot: Slot): { name: string; payloadType: number } | undefined {
    const c = slot.transceiver.sender.codec;
    return c ? { name: c.name.toLowerCase(), payloadType: c.payloadType } : undefined;
  }

  /** Tells the participant's browser the rate the unit accepts for its video (REMB). */
  async sendRemb(mediaSsrc: number, bitsPerSecond: number): Promise<void> {
    const t = this.published.get('video');
    if (!t) return;
    await t.dtlsTransport.sendRtcp([new RtcpPayloadSpecificFeedback({ feedback: remb(t.receiver.rtcpSsrc, bitsPerSecond, [mediaSsrc]) })]);
  }

  /** SRTP and SRTCP packets received from the participant so far (its media and its reports: it is there). */
  packetsIn(): number {
    const t = this.slots[0]?.transceiver.dtlsTransport ?? [...this.published.values()][0]?.dtlsTransport;
    return t?.packetsReceived ?? 0;
  }

  diagnostics(): PeerDiagnostics {
    const t = this.slots[0]?.transceiver.dtlsTransport ?? [...this.published.values()][0]?.dtlsTransport;
    const ice = t?.iceTransport.connection;
    const pair = ice?.nominated;
    return {
      connection: this.pc.connectionState,
      ice: t?.iceTransport.state ?? 'none',
      dtls: t?.state ?? 'none',
      dtlsRole: t?.role ?? 'none',
      selectedPair: pair ? `${pair.localCandidate.host}:${pair.localCandidate.port} → ${pair.remoteAddr.join(':')}` : null,
      pairs: (ice?.candidatePairs ?? []).map(
        (p) =>
          `${p.remoteAddr.join(':')} ${p.remoteNominated ? 'nominated' : `state ${p.state}`} req in ${p.requestsReceived} resp out ${p.responsesSent} pkts in ${p.packetsReceived}`,
      ),
      receiveBuffer: this.sockets().map((s) => {
        try {
          return s.getRecvBufferSize();
        } catch {
          return 0;
        }
      }),
      srtpIn: t?.packetsReceived ?? 0,
      srtpOut: t?.packetsSent ?? 0,
    };
  }

  async close(): Promise<void> {
    await this.pc.close();
  }
}
