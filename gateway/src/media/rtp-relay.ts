/**
 * RTP from a gst-launch child (loopback UDP) → a werift track, across restarts of the child.
 *
 * Each restart of an encoder starts a new RTP stream (new SSRC, random sequence number and
 * timestamp). The browser must see one continuous stream: the relay rewrites sequence numbers to
 * follow on, and rebases timestamps on the wall-clock time elapsed since the last packet, so the
 * jitter buffer neither jumps nor stalls. It also notes keyframe starts (so a PLI can be answered
 * by waiting for the next one rather than by a restart) and how long a restart took to its first
 * packet (docs/teleconsult-media.md).
 */
import { createSocket, type Socket } from 'node:dgram';
import { type Clock, systemClock } from '@telecart/devices';
import { type GstExit, type GstProcess, spawnGst } from '../audio/gst.js';

export type RtpPayloadKind = 'h264' | 'vp8' | 'opus';

/** Does this RTP payload start a keyframe? (VP8: RFC 7741 descriptor + frame tag; H.264: IDR or SPS, RFC 6184.) */
export function isKeyframeStart(kind: RtpPayloadKind, payload: Buffer): boolean {
  if (payload.length < 2) return false;
  if (kind === 'opus') return false;
  if (kind === 'vp8') {
    const b0 = payload[0] ?? 0;
    const start = (b0 & 0x10) !== 0 && (b0 & 0x07) === 0;
    if (!start) return false;
    let i = 1;
    if (b0 & 0x80) {
      const x = payload[i++] ?? 0;
      if (x & 0x80) i += ((payload[i] ?? 0) & 0x80) !== 0 ? 2 : 1;
      if (x & 0x40) i++;
      if (x & 0x30) i++;
    }
    // VP8 frame tag: bit 0 is the inverse keyframe flag.
    return i < payload.length && ((payload[i] ?? 1) & 0x01) === 0;
  }
  const nal = (payload[0] ?? 0) & 0x1f;
  if (nal === 5 || nal === 7) return true;
  if (nal === 24) {
    // STAP-A: 16-bit sizes then NAL units.
    let i = 1;
    while (i + 2 < payload.length) {
      const size = payload.readUInt16BE(i);
      const t = (payload[i + 2] ?? 0) & 0x1f;
      if (t === 5 || t === 7) return true;
      i += 2 + size;
    }
    return false;
  }
  if (nal === 28) {
    const fu = payload[1] ?? 0;
    return (fu & 0x80) !== 0 && ((fu & 0x1f) === 5 || (fu & 0x1f) === 7);
  }
  return false;
}

/** Sequence/timestamp rewriting (pure, clock passed in): one continuous output stream. */
export class RtpRebaser {
  private ssrc: number | null = null;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastOutSeq: number | null = null;
  private lastOutTs = 0;
  private lastAt = 0;

  constructor(private readonly clockRate: number) {}

  /** Rewrites in place; returns true when this packet began a new source (a restart). */
  rewrite(h: { ssrc: number; sequenceNumber: number; timestamp: number }, now: number): boolean {
    let fresh = false;
    if (h.ssrc !== this.ssrc) {
      fresh = this.ssrc !== null;
      this.ssrc = h.ssrc;
      const nextSeq = this.lastOutSeq === null ? h.sequenceNumber : (this.lastOutSeq + 1) & 0xffff;
      this.seqOffset = (nextSeq - h.sequenceNumber) & 0xffff;
      const elapsed = this.lastOutSeq === null ? 0 : Math.max(1, Math.round(((now - this.lastAt) * this.clockRate) / 1000));
      const nextTs = this.lastOutSeq === null ? h.timestamp : (this.lastOutTs + elapsed) >>> 0;
      this.tsOffset = (nextTs - h.timestamp) >>> 0;
    }
    h.sequenceNumber = (h.sequenceNumber + this.seqOffset) & 0xffff;
    h.timestamp = (h.timestamp + this.tsOffset) >>> 0;
    this.lastOutSeq = h.sequenceNumber;
    this.lastOutTs = h.timestamp;
    this.lastAt = now;
    return fresh;
  }
}

export interface RtpSink {
  writeRtp(packet: Buffer): void;
}

export interface RtpRelayOptions {
  kind: RtpPayloadKind;
  clockRate: number;
  /** The pipeline for a given RTP port (called again on each restart). */
  pipeline: (rtpPort: number) => string[];
  sink: RtpSink;
  clock?: Clock;
  /** The child exited by itself (not through restart/stop), with GStreamer's error. */
  onExit?: (exit: GstExit) => void;
  spawn?: typeof spawnGst;
}

export interface RelayCounters {
  packets: number;
  bytes: number;
  keyframes: number;
  restarts: number;
  /** ms from a restart's spawn to its first RTP packet, most recent last (up to 32). */
  restartToFirstPacketMs: number[];
}

export class RtpRelay {
  private socket: Socket | null = null;
  private gst: GstProcess | null = null;
  private readonly rebaser: RtpRebaser;
  private readonly clock: Clock;
  private spawnedAt = 0;
  private waitingFirst = false;
  private lastKeyframeAt = 0;
  private lastKeyframeTs: number | null = null;
  private currentSsrc: number | null = null;
  /** The SSRC of the child being replaced: its last packets are dropped once the new one speaks. */
  private retiredSsrc: number | null = null;
  private closed = false;
  private paused = false;
  readonly counters: RelayCounters = { packets: 0, bytes: 0, keyframes: 0, restarts: 0, restartToFirstPacketMs: [] };

  constructor(private readonly o: RtpRelayOptions) {
    this.rebaser = new RtpRebaser(o.clockRate);
    this.clock = o.clock ?? systemClock;
  }

  async start(): Promise<void> {
    const s = createSocket('udp4');
    s.on('message', (m) => this.onPacket(m));
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    // Room for a burst of a keyframe while Node is busy elsewhere.
    s.setRecvBufferSize(1024 * 1024);
    this.socket = s;
    this.launch();
  }

  get port(): number {
    return this.socket?.address().port ?? 0;
  }

  /** ms since the last keyframe started (Infinity if none yet). */
  sinceKeyframeMs(): number {
    return this.lastKeyframeAt === 0 ? Number.POSITIVE_INFINITY : this.clock.now() - this.lastKeyframeAt;
  }

  private launch(): void {
    if (this.closed || !this.socket) return;
    const spawn = this.o.spawn ?? spawnGst;
    const gst = spawn(this.o.pipeline(this.port), { stdin: false, stdout: false });
    this.gst = gst;
    this.spawnedAt = this.clock.now();
    this.waitingFirst = true;
    void gst.exited.then((exit) => {
      if (this.gst === gst && !this.closed) {
        this.gst = null;
        this.o.onExit?.(exit);
      }
    });
  }

  /** Replaces the child (new pipeline parameters are read from `pipeline`): a new bitrate, a forced keyframe. */
  async restart(): Promise<void> {
    // Paused: the parameters are read again at `resume`.
    if (this.paused) return;
    const old = this.gst;
    this.gst = null;
    this.counters.restarts++;
    this.retiredSsrc = this.currentSsrc;
    // The new child starts while the old one ends: the gap is the new one's start-up, not both.
    this.launch();
    await old?.stop(500);
  }

  /**
   * Stops the child and sends nothing until `resume` (the uplink budget paused this stream); the socket and
   * the stream's numbering stay, so the browser sees one stream with a gap, not a new one.
   */
  async pause(): Promise<void> {
    if (this.paused || this.closed) return;
    this.paused = true;
    const g = this.gst;
    this.gst = null;
    await g?.stop(500);
  }

  /** A new child after `pause` (its first frame a keyframe: an encoder's first, the camera's first packet). */
  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.retiredSsrc = this.currentSsrc;
    this.launch();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private onPacket(m: Buffer): void {
    // The child being stopped by `pause` may still have packets on the way.
    if (this.paused) return;
    if (m.length < 12 || (m[0] ?? 0) >> 6 !== 2) return;
    const now = this.clock.now();
    const ssrc = m.readUInt32BE(8);
    // While the old child winds down both send: keep the old stream until the new one starts, then only the new.
    if (ssrc === this.retiredSsrc) {
      if (this.waitingFirst) this.forward(m, now);
      return;
    }
    if (this.waitingFirst) {
      this.waitingFirst = false;
      this.currentSsrc = ssrc;
      if (this.counters.restarts > 0 || this.counters.packets > 0) {
        this.counters.restartToFirstPacketMs.push(now - this.spawnedAt);
        if (this.counters.restartToFirstPacketMs.length > 32) this.counters.restartToFirstPacketMs.shift();
      }
    }
    this.forward(m, now);
  }

  private forward(m: Buffer, now: number): void {
    const header = { ssrc: m.readUInt32BE(8), sequenceNumber: m.readUInt16BE(2), timestamp: m.readUInt32BE(4) };
    this.rebaser.rewrite(header, now);
    m.writeUInt16BE(header.sequenceNumber, 2);
    m.writeUInt32BE(header.timestamp, 4);
    const cc = (m[0] ?? 0) & 0x0f;
    let off = 12 + cc * 4;
    if ((m[0] ?? 0) & 0x10 && m.length >= off + 4) off += 4 + m.readUInt16BE(off + 2) * 4;
    // A keyframe spans several packets that may each look like its start (SPS, then the IDR's first
    // fragment): count it once per frame, i.e. per RTP timestamp.
    if (isKeyframeStart(this.o.kind, m.subarray(off)) && header.timestamp !== this.lastKeyframeTs) {
      this.counters.keyframes++;
      this.lastKeyframeAt = now;
      this.lastKeyframeTs = header.timestamp;
    }
    this.counters.packets++;
    this.counters.bytes += m.length;
    this.o.sink.writeRtp(m);
  }

  async stop(): Promise<void> {
    this.closed = true;
    const g = this.gst;
    this.gst = null;
    await g?.stop(500);
    this.socket?.close();
    this.socket = null;
  }

  /** The running child's pid (tests check that none is left). */
  get pid(): number | undefined {
    return this.gst?.child.pid;
  }
}
