/**
 * The room with werift participants (no browser). First, the unit's transport when its process stalls (werift on both ends, no browser). The unit is
 * ICE-lite: only the participant's side checks the pair, and a browser whose checks go unanswered
 * long enough tears its side down for good while the unit goes on sending (the four-browser test's
 * "one participant's connection carried nothing either way"). The checks were lost in the kernel:
 * the unit's socket overflowed while its event loop was not running. Here the event loop is held
 * (spawnSync) while another process sends a burst to the unit's socket: every datagram of it must
 * be there when the loop runs again. Then a viewer whose REMB leaves no room for a source's video:
 * the unit holds the video back while the voice goes on, tells the viewer's page, tells the source
 * the floor REMB, and resumes the video (numbered on, with a key frame asked of the source) when the
 * estimate recovers.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PictureLossIndication,
  ReceiverEstimatedMaxBitrate,
  RTCPeerConnection,
  RtcpPayloadSpecificFeedback,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtpHeader,
  RtpPacket,
} from 'werift';
import { loopbackUnitPeer } from '../../testing/unit-page-peer.js';
import { ForwardingRoom, type SlotAssignment } from './forwarding-room.js';
import { remb, unitCodecs } from './unit-peer.js';

/** About 2.4 MB: ten times what the default buffer (rmem_default, 208 KiB) holds, a third of what the unit asks for. */
const BURST = 2000;
const DATAGRAM = 1200;

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
    let plis = 0;
    cam.sender.onRtcp.subscribe((p) => {
      if (p instanceof RtcpPayloadSpecificFeedback && p.feedback instanceof PictureLossIndication) plis++;
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
    const slotSsrcs = new Set<number>();
    for (const t of viewer.getTransceivers()) {
      const count = (track: { onReceiveRtp: { subscribe: (f: (p: RtpPacket) => void) => unknown } }) =>
        track.onReceiveRtp.subscribe((p) => {
          slotSsrcs.add(p.header.ssrc);
          if (t.kind === 'video') videoSeqs.push(p.header.sequenceNumber);
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
        if (i === 0)
          cam.sender
            .sendRtp(
              new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: n, timestamp: n * 3600, marker: true }), Buffer.alloc(960, 2)),
            )
            .catch(() => undefined);
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
    await until(
      () => ((room.stats().members.viewer?.downlinkEstimate ?? 0) > 300_000 && told.at(-1)?.[0]?.videoPaused === false ? true : undefined),
      'the estimate grown past voice and video',
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}: ${JSON.stringify(room.stats().members)} ${JSON.stringify(told.at(-1))}`);
    });
    await until(() => ((room.stats().members.source?.rembToSource ?? 0) > 150_000 ? true : undefined), 'the source told more');
  }, 60_000);
});
