/**
 * The room with werift participants (no browser). First, the unit's transport when its process stalls (werift on both ends, no browser). The unit is
 * ICE-lite: only the participant's side checks the pair, and a browser whose checks go unanswered
 * long enough tears its side down for good while the unit goes on sending (the four-browser test's
 * "one participant's connection carried nothing either way"). The checks were lost in the kernel:
 * the unit's socket overflowed while its event loop was not running. Here the event loop is held
 * (spawnSync) while another process sends a burst to the unit's socket: every datagram of it must
 * be there when the loop runs again. Then a viewer whose REMB leaves no room for a source's video:
 * the unit holds the video back while the voice goes on, tells the viewer's page, tells the source
 * the floor REMB, and resumes the video (numbered on, from a key frame asked of the source: the
 * delta frames before it are held back) when the estimate recovers. Last, who speaks: the parties'
 * audio levels (RFC 6464 header extension) name the speaker in every viewer's slots and put their
 * video first, and a viewer's pin puts its pinned one before.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PictureLossIndication,
  ReceiverEstimatedMaxBitrate,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  RtcpPayloadSpecificFeedback,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSrPacket,
  RtpHeader,
  RtpPacket,
} from 'werift';
import { loopbackUnitPeer, micPacket } from '../../testing/unit-page-peer.js';
import { ForwardingRoom, ForwardingUnitError, type SlotAssignment } from './forwarding-room.js';
import { startsVp8Keyframe } from './keyframe-start.js';
import { streamsByMid } from './slot-streams.js';
import { remb, unitCodecs } from './unit-peer.js';

/** About 2.4 MB: ten times what the default buffer (rmem_default, 208 KiB) holds, a third of what the unit asks for. */
const BURST = 2000;
const DATAGRAM = 1200;

/**
 * A VP8 frame's first packet as a browser sends it: the payload descriptor (S, partition 0, a 15-bit
 * picture id) and the frame tag, a key frame's (P = 0, start code 9d 01 2a) or a delta frame's; 960 bytes.
 */
function vp8Packet(pictureId: number, key: boolean): Buffer {
  const head = [0x90, 0x80, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff];
  const tag = key ? [0xb0, 0x5a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00] : [0x91, 0x14, 0x00, 0x00, 0x10, 0x10, 0x00, 0x1e];
  const b = Buffer.alloc(960, 2);
  Buffer.from([...head, ...tag]).copy(b);
  return b;
}

/** Records, for each video packet `pc` receives (on any of its transceivers), whether it starts a VP8 key frame. */
function recordVideoKeys(pc: RTCPeerConnection, keys: boolean[]): void {
  for (const t of pc.getTransceivers()) {
    const onTrack = (track: { onReceiveRtp: { subscribe: (f: (p: RtpPacket) => void) => unknown } }) =>
      track.onReceiveRtp.subscribe((p) => {
        if (t.kind === 'video') keys.push(startsVp8Keyframe(p.payload));
      });
    for (const track of t.receiver.tracks) onTrack(track);
    t.onTrack.subscribe((track) => onTrack(track));
  }
}

/**
 * A camera's frames: one every 40 ms on `cam`, a key frame when `takeKeyAsked()` says one was asked for (it clears
 * the ask), else a delta frame. Returns the stop.
 */
function sendVp8Frames(cam: RTCRtpTransceiver, takeKeyAsked: () => boolean): () => Promise<void> {
  let n = 1;
  const timer = setInterval(() => {
    const k = n++;
    cam.sender
      .sendRtp(
        new RtpPacket(
          new RtpHeader({ payloadType: 96, sequenceNumber: k, timestamp: k * 3600, marker: true }),
          vp8Packet(k, takeKeyAsked()),
        ),
      )
      .catch(() => undefined);
  }, 40);
  return async () => clearInterval(timer);
}

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the forwarding unit while its process stalls', () => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0)) await c().catch(() => undefined);
  });

  it('keeps every datagram sent to a participant’s socket during a stall (no ICE check lost)', async () => {
    const room = new ForwardingRoom({ hostAddresses: ['127.0.0.1'], rembBitsPerSecond: null, onIceCandidate: () => undefined });
    closing.push(() => room.close());
    const participant = new RTCPeerConnection({
      codecs: unitCodecs(),
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
    });
    closing.push(() => participant.close());
    participant.addTransceiver('audio', { direction: 'sendonly' });
    participant.addTransceiver('audio', { direction: 'recvonly' });
    participant.addTransceiver('video', { direction: 'recvonly' });
    await participant.setLocalDescription(await participant.createOffer());
    const { answer } = await room.join('p1', { offer: participant.localDescription?.sdp ?? '' });
    await participant.setRemoteDescription({ type: 'answer', sdp: answer });

    const port = await until(() => {
      const d = room.diagnostics().p1;
      const m = d?.connection === 'connected' ? /^127\.0\.0\.1:(\d+) →/.exec(d.selectedPair ?? '') : null;
      return m ? Number(m[1]) : undefined;
    }, 'the participant connected');
    const received = () => {
      const pair = room.diagnostics().p1?.pairs.find((p) => p.includes(' nominated '));
      return Number(/pkts in (\d+)/.exec(pair ?? '')?.[1] ?? 0);
    };
    const before = received();

    // The event loop is held until the sender exits: nothing reads the unit's socket meanwhile.
    // 0xff leads no protocol (STUN 0–3, DTLS 20–63, RTP 128–191): counted, then ignored.
    const sender = `
      const s = require('node:dgram').createSocket('udp4');
      const b = Buffer.alloc(${DATAGRAM}, 0xff);
      let n = 0;
      const next = () => (n++ < ${BURST} ? s.send(b, ${port}, '127.0.0.1', next) : s.close());
      next();`;
    const r = spawnSync(process.execPath, ['-e', sender], { timeout: 60_000 });
    expect(r.status, String(r.stderr)).toBe(0);

    const got = await until(() => (received() - before >= BURST ? received() - before : undefined), `${BURST} datagrams`).catch(
      () => received() - before,
    );
    expect(
      got,
      `datagrams that reached the unit of ${BURST} sent during the stall; buffers ${room.diagnostics().p1?.receiveBuffer}`,
    ).toBeGreaterThanOrEqual(BURST);
  }, 60_000);
});

describe('remb', () => {
  it('writes the rate as werift serializes it (exponent and mantissa) and the SSRC count', () => {
    for (const bps of [0, 30_000, 50_000, 123_456, 400_000, 2_500_000, 1e9]) {
      const back = ReceiverEstimatedMaxBitrate.deSerialize(remb(7, bps, [0x1234_5678]).serialize());
      expect(Math.abs(Number(back.bitrate) - bps)).toBeLessThanOrEqual(bps / 2 ** 17);
      expect(back.ssrcNum).toBe(1);
      expect(back.ssrcFeedbacks).toEqual([0x1234_5678]);
    }
  });
});

describe('the forwarding unit on a viewer’s weak downlink', () => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0)) await c().catch(() => undefined);
  });

  it('holds a source’s video back while the viewer’s link loses packets, voice going on, and tries it again with a key frame once the losses stop', async () => {
    const told: SlotAssignment[][] = [];
    const room = new ForwardingRoom({
      hostAddresses: ['127.0.0.1'],
      adaptIntervalMs: 100,
      // A try every 4 s (8 s in production), held 2.5 s: 25 measures here, for the estimate to grow.
      probe: { initialMs: 4_000, maxMs: 4_000, holdMs: 2_500 },
      onIceCandidate: () => undefined,
      onAssignments: (viewer, slots) => {
        if (viewer === 'viewer') told.push(slots);
      },
    });
    closing.push(() => room.close());
    const peer = loopbackUnitPeer;
    // The source: a microphone and a camera. The viewer: one receive slot.
    const source = peer();
    const viewer = peer();
    closing.push(
      () => source.close(),
      () => viewer.close(),
    );
    const mic = source.addTransceiver('audio', { direction: 'sendonly' });
    const cam = source.addTransceiver('video', { direction: 'sendonly' });
    viewer.addTransceiver('audio', { direction: 'recvonly' });
    const slotVideo = viewer.addTransceiver('video', { direction: 'recvonly' });
    // The camera answers a PLI with a key frame, as a browser's encoder does; else delta frames.
    let plis = 0;
    let keyAsked = false;
    cam.sender.onRtcp.subscribe((p) => {
      if (p instanceof RtcpPayloadSpecificFeedback && p.feedback instanceof PictureLossIndication) {
        plis++;
        keyAsked = true;
      }
    });
    for (const [id, pc] of [
      ['source', source],
      ['viewer', viewer],
    ] as const) {
      await pc.setLocalDescription(await pc.createOffer());
      const { answer } = await room.join(id, { offer: pc.localDescription?.sdp ?? '' });
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    }
    await until(
      () => (source.connectionState === 'connected' && viewer.connectionState === 'connected' ? true : undefined),
      'both connected',
    );

    // What reaches the viewer's slot, by kind, and the video's sequence numbers.
    const got = { audio: 0, video: 0 };
    const videoSeqs: number[] = [];
    /** Whether each video packet the viewer got starts a key frame. */
    const videoKeys: boolean[] = [];
    const slotSsrcs = new Set<number>();
    for (const t of viewer.getTransceivers()) {
      const count = (track: { onReceiveRtp: { subscribe: (f: (p: RtpPacket) => void) => unknown } }) =>
        track.onReceiveRtp.subscribe((p) => {
          slotSsrcs.add(p.header.ssrc);
          if (t.kind === 'video') {
            videoSeqs.push(p.header.sequenceNumber);
            videoKeys.push(startsVp8Keyframe(p.payload));
          }
          got[t.kind === 'video' ? 'video' : 'audio']++;
        });
      for (const track of t.receiver.tracks) count(track);
      t.onTrack.subscribe((track) => count(track));
    }
    // The source sends ~40 kbit/s of voice and ~200 kbit/s of video (50 and 25 packets a second).
    let seq = 1;
    const timer = setInterval(() => {
      for (let i = 0; i < 2; i++) {
        const n = seq++;
        mic.sender
          .sendRtp(
            new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: n, timestamp: n * 960, marker: false }), Buffer.alloc(60, 1)),
          )
          .catch(() => undefined);
        if (i === 0) {
          cam.sender
            .sendRtp(
              new RtpPacket(
                new RtpHeader({ payloadType: 96, sequenceNumber: n, timestamp: n * 3600, marker: true }),
                vp8Packet(n & 0x7fff, keyAsked),
              ),
            )
            .catch(() => undefined);
          keyAsked = false;
        }
      }
    }, 40);
    closing.push(async () => clearInterval(timer));
    // What a browser says in its receiver reports (the loss on the slots) and its REMB.
    const sendLoss = (fractionLost: number) =>
      slotVideo.dtlsTransport.sendRtcp([
        new RtcpRrPacket({
          ssrc: 1,
          reports: [...slotSsrcs].map((ssrc) => new RtcpReceiverInfo({ ssrc, fractionLost: Math.round(fractionLost * 256) })),
        }),
        new RtcpPayloadSpecificFeedback({ feedback: remb(1, 100_000, [...slotSsrcs]) }),
      ]);
    await until(() => (got.video > 10 && got.audio > 10 ? true : undefined), 'voice and video at the viewer before any estimate');
    // The viewer's video started on a key frame (asked of the source when the viewer connected).
    expect(videoKeys[0]).toBe(true);

    // The viewer's browser reports half of the packets lost: the link takes the voice, not the video.
    let lossy = true;
    const reports = setInterval(() => void sendLoss(lossy ? 0.5 : 0), 50);
    closing.push(async () => clearInterval(reports));
    await until(() => (told.at(-1)?.[0]?.videoPaused ? true : undefined), 'the slot told paused');
    expect(told.at(-1)?.[0]).toMatchObject({ source: 'source', videoPaused: true });
    const at = { ...got };
    await until(() => (got.audio > at.audio + 15 ? true : undefined), 'voice going on');
    // What was on its way when the choice was made; no try comes before 4 s.
    expect(got.video - at.video).toBeLessThanOrEqual(2);
    const s = room.stats();
    expect(s.members.viewer).toMatchObject({ remb: 100_000, videoPausedFrom: ['source'] });
    expect(s.members.viewer?.downlinkEstimate).toBeLessThan(100_000);
    expect(s.dropped.videoPaused).toBeGreaterThan(0);
    // The source is told what its one viewer has room for once its voice is served: the floor
    // (50 kbit/s), not the 400 kbit/s ceiling.
    await until(() => (room.stats().members.source?.rembToSource === 50_000 ? true : undefined), 'the source told the floor');

    // The losses stop: the next try holds, the estimate grows with it, and the video stays,
    // numbered on from where it stopped, from a key frame asked of the source.
    const plisBefore = plis;
    const lastSeq = videoSeqs.at(-1) ?? 0;
    const seqsBefore = videoSeqs.length;
    lossy = false;
    await until(() => (told.at(-1)?.[0]?.videoPaused === false ? true : undefined), 'the video tried again');
    await until(() => (videoSeqs.length > seqsBefore + 5 ? true : undefined), 'video at the viewer again');
    expect(videoSeqs[seqsBefore]).toBe((lastSeq + 1) & 0xffff);
    await until(() => (plis > plisBefore ? true : undefined), 'a key frame asked of the source');
    // …and resumed on that key frame: the delta frames before it were held back, not sent undecodable.
    expect(videoKeys[seqsBefore]).toBe(true);
    const w = room.stats().keyframeWaits;
    expect(w.keyframe).toBeGreaterThanOrEqual(2);
    expect(w.timedOut).toBe(0);
    await until(
      () => ((room.stats().members.viewer?.downlinkEstimate ?? 0) > 300_000 && told.at(-1)?.[0]?.videoPaused === false ? true : undefined),
      'the estimate grown past voice and video',
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}: ${JSON.stringify(room.stats().members)} ${JSON.stringify(told.at(-1))}`);
    });
    await until(() => ((room.stats().members.source?.rembToSource ?? 0) > 150_000 ? true : undefined), 'the source told more');
  }, 60_000);
});

describe('the forwarding unit knows who speaks, and a viewer pins a party', () => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0)) await c().catch(() => undefined);
  });

  it('names the speaker from the parties’ audio levels in every viewer’s slots, puts their video first, and a pin before it', async () => {
    const told = new Map<string, SlotAssignment[]>();
    const room = new ForwardingRoom({
      hostAddresses: ['127.0.0.1'],
      onIceCandidate: () => undefined,
      onAssignments: (viewer, slots) => told.set(viewer, slots),
    });
    closing.push(() => room.close());
    // Two parties with a microphone, a camera and a slot (each sees the other); a viewer with its microphone and two slots.
    const parties = new Map<
      string,
      { pc: RTCPeerConnection; mic: import('werift').RTCRtpTransceiver; cam?: import('werift').RTCRtpTransceiver }
    >();
    for (const id of ['anna', 'bob', 'viewer']) {
      const pc = loopbackUnitPeer();
      closing.push(() => pc.close());
      const mic = pc.addTransceiver('audio', { direction: 'sendonly' });
      const cam = id === 'viewer' ? undefined : pc.addTransceiver('video', { direction: 'sendonly' });
      for (let k = 0; k < (id === 'viewer' ? 2 : 1); k++) {
        pc.addTransceiver('audio', { direction: 'recvonly' });
        pc.addTransceiver('video', { direction: 'recvonly' });
      }
      await pc.setLocalDescription(await pc.createOffer());
      const { answer } = await room.join(id, { offer: pc.localDescription?.sdp ?? '' });
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      parties.set(id, { pc, mic, ...(cam ? { cam } : {}) });
    }
    await until(() => ([...parties.values()].every((p) => p.pc.connectionState === 'connected') ? true : undefined), 'all connected');

    // Every 20 ms each party's microphone says its level (127: silence); their cameras send a frame every 40 ms.
    const levels = new Map<string, number>([
      ['anna', 127],
      ['bob', 127],
      ['viewer', 127],
    ]);
    let seq = 1;
    const timer = setInterval(() => {
      const n = seq++;
      for (const [id, p] of parties) {
        p.mic.sender.sendRtp(micPacket(p.mic, 1, n, levels.get(id) ?? 127)).catch(() => undefined);
        if (p.cam && n % 2 === 0)
          p.cam.sender
            .sendRtp(
              new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: n, timestamp: n * 1800, marker: true }), vp8Packet(n, true)),
            )
            .catch(() => undefined);
      }
    }, 20);
    closing.push(async () => clearInterval(timer));
    const slotOf = (viewer: string, source: string) => told.get(viewer)?.find((s) => s.source === source);
    await until(() => (room.stats().members.viewer?.videoOrder.length === 2 ? true : undefined), 'both videos at the viewer');
    // Join order while nobody speaks.
    expect(room.stats().members.viewer?.videoOrder).toEqual(['anna', 'bob']);
    expect(room.stats().speaker).toBeNull();

    // Bob speaks (−20 dBov): after the lead, the speaker; every viewer's slot of him says so, and his video comes first.
    levels.set('bob', 20);
    await until(() => (slotOf('viewer', 'bob')?.speaking ? true : undefined), 'bob speaking at the viewer');
    expect(room.stats().speaker).toBe('bob');
    expect(slotOf('anna', 'bob')?.speaking).toBe(true);
    expect(slotOf('viewer', 'anna')?.speaking).toBe(false);
    expect(room.stats().members.viewer?.videoOrder).toEqual(['bob', 'anna']);
    // Bob falls silent: still the speaker (silence keeps the last one).
    levels.set('bob', 127);
    await new Promise((r) => setTimeout(r, 1200));
    expect(room.stats().speaker).toBe('bob');

    // The viewer pins Anna by her slot's video m-line: told pinned, her video first, ahead of the speaker.
    const annaMid = slotOf('viewer', 'anna')?.videoMid ?? '';
    room.pin('viewer', annaMid);
    expect(slotOf('viewer', 'anna')).toMatchObject({ pinned: true, speaking: false });
    expect(slotOf('viewer', 'bob')?.pinned).toBe(false);
    expect(room.stats().members.viewer).toMatchObject({ pinned: 'anna', videoOrder: ['anna', 'bob'] });
    // Pins are per viewer: Bob's view of Anna is not pinned.
    expect(slotOf('bob', 'anna')?.pinned).toBe(false);
    // A slot that is not the viewer's, or a viewer not in the room: refused, the pin kept.
    expect(() => room.pin('viewer', '99')).toThrow(ForwardingUnitError);
    expect(() => room.pin('viewer', '99')).toThrow(/m-line "99" is none of its slots/);
    expect(() => room.pin('nobody', annaMid)).toThrow(/not in the room/);
    expect(room.stats().members.viewer?.pinned).toBe('anna');
    // Unpinned: the speaker first again.
    room.pin('viewer', null);
    expect(slotOf('viewer', 'anna')?.pinned).toBe(false);
    expect(room.stats().members.viewer?.videoOrder).toEqual(['bob', 'anna']);
    // The speaker leaves: nobody speaks, the others are told.
    await room.leave('bob');
    expect(room.stats().speaker).toBeNull();
    expect(told.get('anna')?.some((s) => s.speaking)).toBe(false);
  }, 60_000);
});

describe('the forwarding unit keeps a party’s voice and face together (lip sync)', () => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0)) await c().catch(() => undefined);
  });

  it('puts a slot’s voice and video in one stream, and passes each source’s sender reports on, rewritten as its packets', async () => {
    const room = new ForwardingRoom({ hostAddresses: ['127.0.0.1'], rembBitsPerSecond: null, onIceCandidate: () => undefined });
    closing.push(() => room.close());
    const viewer = loopbackUnitPeer();
    closing.push(() => viewer.close());
    viewer.addTransceiver('audio', { direction: 'recvonly' });
    viewer.addTransceiver('video', { direction: 'recvonly' });
    await viewer.setLocalDescription(await viewer.createOffer());
    const { answer } = await room.join('viewer', { offer: viewer.localDescription?.sdp ?? '' });
    await viewer.setRemoteDescription({ type: 'answer', sdp: answer });
    // The slot's two m-lines, one stream (the browser's sync group).
    const streams = streamsByMid(answer);
    const [audioMid, videoMid] = viewer.getTransceivers().map((t) => t.mid ?? '');
    expect(streams.get(audioMid ?? '')?.streamId).toBe('slot-0');
    expect(streams.get(videoMid ?? '')?.streamId).toBe('slot-0');
    expect(streams.get(audioMid ?? '')?.trackId).not.toBe(streams.get(videoMid ?? '')?.trackId);

    // What the viewer receives: per kind, source packet number (carried in the payload) → the timestamp it got.
    const got = { audio: new Map<number, number>(), video: new Map<number, number>() };
    const reports: RtcpSrPacket[] = [];
    for (const t of viewer.getTransceivers()) {
      const kind = t.kind === 'video' ? 'video' : 'audio';
      const onTrack = (track: { onReceiveRtp: { subscribe: (f: (p: RtpPacket) => void) => unknown } }) =>
        track.onReceiveRtp.subscribe((p) => got[kind].set(p.payload.readUInt16BE(kind === 'audio' ? 1 : 2) & 0x7fff, p.header.timestamp));
      for (const track of t.receiver.tracks) onTrack(track);
      t.onTrack.subscribe((track) => onTrack(track));
    }
    viewer.getTransceivers()[0]?.dtlsTransport.onRtcp.subscribe((p) => {
      if (p instanceof RtcpSrPacket) reports.push(p);
    });

    /** A party with a microphone and a camera, sending from timestamps of its own; werift's own reports off (the test sends them). */
    const party = async (id: string, base: { audio: number; video: number }) => {
      const pc = loopbackUnitPeer();
      const mic = pc.addTransceiver('audio', { direction: 'sendonly' });
      const cam = pc.addTransceiver('video', { direction: 'sendonly' });
      mic.sender.rtcpRunning = true;
      cam.sender.rtcpRunning = true;
      await pc.setLocalDescription(await pc.createOffer());
      const { answer: a } = await room.join(id, { offer: pc.localDescription?.sdp ?? '' });
      await pc.setRemoteDescription({ type: 'answer', sdp: a });
      let n = 1;
      const ts = { audio: (k: number) => (base.audio + k * 960) % 2 ** 32, video: (k: number) => (base.video + k * 1800) % 2 ** 32 };
      const timer = setInterval(() => {
        const k = n++;
        const audio = Buffer.from([0xf8, (k >> 8) & 0x7f, k & 0xff]);
        mic.sender
          .sendRtp(new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: k, timestamp: ts.audio(k), marker: false }), audio))
          .catch(() => undefined);
        cam.sender
          .sendRtp(
            new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: k, timestamp: ts.video(k), marker: true }), vp8Packet(k, true)),
          )
          .catch(() => undefined);
      }, 20);
      const close = async () => {
        clearInterval(timer);
        await pc.close();
      };
      closing.push(close);
      /** A sender report on each stream for the instant of packet k, at NTP time `ntp`: the source's clock for both. */
      const report = (ntp: bigint, k: number) =>
        Promise.all(
          (
            [
              [mic, ts.audio(k)],
              [cam, ts.video(k)],
            ] as const
          ).map(([t, rtpTimestamp]) =>
            t.dtlsTransport.sendRtcp([
              new RtcpSrPacket({
                ssrc: t.sender.ssrc,
                senderInfo: new RtcpSenderInfo({ ntpTimestamp: ntp, rtpTimestamp, packetCount: k, octetCount: 0 }),
              }),
            ]),
          ),
        );
      return { pc, ts, report, close };
    };

    // The first party, then a second in its slot: the viewer's timeline goes on from the first's, so the second's
    // timestamps reach the viewer shifted (not as sent), and its reports must be shifted the same.
    const first = await party('first', { audio: 1_000, video: 2_000 });
    await until(() => (got.audio.size > 10 && got.video.size > 10 ? true : undefined), 'the first party at the viewer');
    await first.close();
    await room.leave('first');
    got.audio.clear();
    got.video.clear();
    const second = await party('second', { audio: 0xffff_0000, video: 123_456_789 });
    await until(() => (got.audio.size > 10 && got.video.size > 10 ? true : undefined), 'the second party at the viewer');
    const offset = (kind: 'audio' | 'video') => {
      const [k, t] = [...got[kind]].at(-1) ?? [0, 0];
      return (t - second.ts[kind](k) + 2 ** 32) % 2 ** 32;
    };
    expect(offset('audio')).not.toBe(0);
    expect(offset('video')).not.toBe(0);

    const ntp = 0x0123_4567_89ab_cdefn;
    await second.report(ntp, 5_000);
    const relayed = await until(() => {
      const r = reports.filter((p) => p.senderInfo.ntpTimestamp === ntp);
      return r.length >= 2 ? r : undefined;
    }, 'the second party’s reports at the viewer');
    const slotSsrc = (kind: string) => viewer.getTransceivers().find((t) => t.kind === kind)?.receiver.tracks[0]?.ssrc;
    const byKind = (kind: 'audio' | 'video') => relayed.find((p) => p.ssrc === slotSsrc(kind))?.senderInfo.rtpTimestamp;
    expect(byKind('audio')).toBe((second.ts.audio(5_000) + offset('audio')) % 2 ** 32);
    expect(byKind('video')).toBe((second.ts.video(5_000) + offset('video')) % 2 ** 32);
    // No report of the unit's own clock on the slots (werift's, pairing its send time with a timestamp): only the sources'.
    const slots = new Set([slotSsrc('audio'), slotSsrc('video')]);
    expect(reports.filter((p) => slots.has(p.ssrc) && p.senderInfo.ntpTimestamp !== ntp)).toEqual([]);
    expect(room.stats().senderReports.toViewers).toBeGreaterThanOrEqual(2);
  }, 60_000);
});

describe('the forwarding unit asks again for a key frame that does not come', () => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0)) await c().catch(() => undefined);
  });

  it('starts a new viewer’s video on a key frame when the source ignored the first request, well before the time-out', async () => {
    // A time-out far off: only asking again brings the key frame before it.
    const room = new ForwardingRoom({ hostAddresses: ['127.0.0.1'], keyframeWaitMs: 8_000, onIceCandidate: () => undefined });
    closing.push(() => room.close());
    const viewer = loopbackUnitPeer();
    const source = loopbackUnitPeer();
    closing.push(
      () => viewer.close(),
      () => source.close(),
    );
    viewer.addTransceiver('audio', { direction: 'recvonly' });
    viewer.addTransceiver('video', { direction: 'recvonly' });
    const cam = source.addTransceiver('video', { direction: 'sendonly' });
    // The camera drops the first key frame request (as a browser does one inside its minimum interval, or as the
    // network loses an RTCP packet) and answers the next ones.
    let plis = 0;
    let keyAsked = false;
    cam.sender.onRtcp.subscribe((p) => {
      if (p instanceof RtcpPayloadSpecificFeedback && p.feedback instanceof PictureLossIndication && ++plis >= 2) keyAsked = true;
    });
    const keys: boolean[] = [];
    recordVideoKeys(viewer, keys);
    for (const [id, pc] of [
      ['viewer', viewer],
      ['source', source],
    ] as const) {
      await pc.setLocalDescription(await pc.createOffer());
      const { answer } = await room.join(id, { offer: pc.localDescription?.sdp ?? '' });
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    }
    await until(
      () => (viewer.connectionState === 'connected' && source.connectionState === 'connected' ? true : undefined),
      'both connected',
    );
    // Delta frames every 40 ms, a key frame when one was asked for (and not dropped).
    closing.push(
      sendVp8Frames(cam, () => {
        const asked = keyAsked;
        keyAsked = false;
        return asked;
      }),
    );
    await until(() => (keys.length > 3 ? true : undefined), 'video at the viewer');
    const w = room.stats().keyframeWaits;
    expect(keys[0], 'the viewer’s video starts on a key frame').toBe(true);
    expect(plis).toBeGreaterThanOrEqual(2);
    expect(w.askedAgain).toBeGreaterThanOrEqual(1);
    expect(w.timedOut).toBe(0);
    expect(w.longestMs).toBeLessThan(8_000);
  }, 60_000);
});

describe('a newcomer’s video starts on its own first key frame', () => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0)) await c().catch(() => undefined);
  });

  it('asks a new source for no second key frame when its stream starts on one (a browser’s first frame is), whatever its viewers', async () => {
    const room = new ForwardingRoom({ hostAddresses: ['127.0.0.1'], onIceCandidate: () => undefined });
    closing.push(() => room.close());
    // Two viewers in the room first (the second's request for the newcomer's key frame waits out the PLI interval).
    const viewers = [loopbackUnitPeer(), loopbackUnitPeer()];
    const source = loopbackUnitPeer();
    closing.push(...[...viewers, source].map((pc) => () => pc.close()));
    const cam = source.addTransceiver('video', { direction: 'sendonly' });
    // The camera answers a PLI with a key frame, as a browser's encoder does.
    let plis = 0;
    let keyAsked = true;
    cam.sender.onRtcp.subscribe((p) => {
      if (p instanceof RtcpPayloadSpecificFeedback && p.feedback instanceof PictureLossIndication) {
        plis++;
        keyAsked = true;
      }
    });
    /** Per viewer, whether each video packet it got starts a key frame. */
    const keys: boolean[][] = viewers.map(() => []);
    for (const [i, viewer] of viewers.entries()) {
      // Two slots: the other viewer (who sends nothing) takes one, the source the other.
      for (let k = 0; k < 2; k++) {
        viewer.addTransceiver('audio', { direction: 'recvonly' });
        viewer.addTransceiver('video', { direction: 'recvonly' });
      }
      recordVideoKeys(viewer, keys[i] ?? []);
      await viewer.setLocalDescription(await viewer.createOffer());
      const { answer } = await room.join(`viewer-${i}`, { offer: viewer.localDescription?.sdp ?? '' });
      await viewer.setRemoteDescription({ type: 'answer', sdp: answer });
    }
    await until(() => (viewers.every((v) => v.connectionState === 'connected') ? true : undefined), 'the viewers connected');
    // The source joins the running room (a guest let in).
    await source.setLocalDescription(await source.createOffer());
    await source.setRemoteDescription({
      type: 'answer',
      sdp: (await room.join('source', { offer: source.localDescription?.sdp ?? '' })).answer,
    });
    await until(() => (source.connectionState === 'connected' ? true : undefined), 'the source connected');
    // Its first frame a key frame, then delta frames every 40 ms (a key frame when one is asked for).
    closing.push(
      sendVp8Frames(cam, () => {
        const asked = keyAsked;
        keyAsked = false;
        return asked;
      }),
    );
    // Past the key frame requester's interval (500 ms) after the first packet: a request then would have gone by now.
    await until(() => (keys.every((k) => k.length > 30) ? true : undefined), 'video at both viewers');
    for (const k of keys) {
      expect(k[0], 'each viewer’s video starts on the source’s first key frame').toBe(true);
      expect(k.filter(Boolean)).toHaveLength(1);
    }
    expect(plis).toBe(0);
    expect(room.stats().keyframeRequests.plisToSources).toBe(0);
    expect(room.stats().keyframeWaits).toMatchObject({ keyframe: 2, timedOut: 0, askedAgain: 0 });
  }, 60_000);
});
