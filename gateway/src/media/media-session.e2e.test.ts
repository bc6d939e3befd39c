/**
 * The PTZ video's NACKs answered within the retransmit budget, with real parts: the gateway's
 * MediaSession (werift, a gst-launch test pattern encoded in VP8) and a werift peer as the receiving
 * browser, both confined to 127.0.0.1. The receiver sends generic NACKs itself and counts each
 * sequence number it gets again. werift's own sender answers every NACK each time it is asked, so the
 * counts here fail without the budget.
 */
import { Value } from '@sinclair/typebox/value';
import { afterEach, expect, it } from 'vitest';
import { GenericNack, RTCPeerConnection, RTCRtpCodecParameters, type RTCRtpTransceiver, RtcpTransportLayerFeedback } from 'werift';
import { MediaConfig } from './config.js';
import { MediaSession } from './media-session.js';

const LOOPBACK = '127.0.0.1';

interface Pair {
  session: MediaSession;
  receiver: RTCPeerConnection;
  transceiver: RTCRtpTransceiver;
  /** How many times each sequence number arrived. */
  arrivals: Map<number, number>;
}

let open: Pair | undefined;

afterEach(async () => {
  await open?.session.close();
  await open?.receiver.close();
  open = undefined;
});

async function connect(): Promise<Pair> {
  const receiver = new RTCPeerConnection({
    codecs: {
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          payloadType: 97,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
        }),
      ],
    },
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [LOOPBACK],
    iceInterfaceAddresses: { udp4: LOOPBACK },
  });
  const session = new MediaSession({
    media: Value.Default(MediaConfig, {
      video: { source: 'test', codec: 'vp8', width: 160, height: 120, fps: 10, startBitrateKbps: 300 },
      audio: { source: 'none' },
      ice: { hostAddresses: [LOOPBACK] },
    }) as MediaConfig,
    want: { video: true, audio: false, ecg: false },
    video: { kind: 'test' },
    stethoscope: {},
    onIceCandidate: (c) => void receiver.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? undefined }),
    onState: () => {},
  });
  const arrivals = new Map<number, number>();
  receiver.onTransceiverAdded.subscribe((t) => {
    t.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((p) => {
        const seq = p.header.sequenceNumber;
        arrivals.set(seq, (arrivals.get(seq) ?? 0) + 1);
      });
    });
  });
  receiver.onIceCandidate.subscribe((c) => {
    if (c?.candidate)
      void session.addRemoteCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null });
  });
  await receiver.setRemoteDescription({ type: 'offer', sdp: await session.createOffer() });
  const answer = await receiver.createAnswer();
  await receiver.setLocalDescription(answer);
  await session.applyAnswer(receiver.localDescription?.sdp ?? answer.sdp);
  const transceiver = receiver.getTransceivers().find((t) => t.kind === 'video');
  if (!transceiver) throw new Error('no video transceiver on the receiver');
  open = { session, receiver, transceiver, arrivals };
  await until(() => arrivals.size >= 20, 'twenty video packets');
  return open;
}

async function until(ok: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The receiver asks these packets again, as a browser does. */
async function nack(p: Pair, lost: number[]): Promise<void> {
  const media = p.transceiver.receiver.tracks[0]?.ssrc;
  if (media === undefined) throw new Error('no remote ssrc yet');
  const feedback = new GenericNack({ senderSsrc: 1, mediaSourceSsrc: media, lost });
  await p.transceiver.receiver.dtlsTransport.sendRtcp([new RtcpTransportLayerFeedback({ feedback })]);
}

/** Sequence numbers received once, and long enough ago to be in the sender's history still. */
function received(p: Pair, count: number): number[] {
  const once = [...p.arrivals].filter(([, n]) => n === 1).map(([seq]) => seq);
  return once.slice(-count - 5, -5);
}

it('a lost PTZ packet is sent again at most twice, however often the browser asks', { timeout: 60_000 }, async () => {
  const p = await connect();
  const [seq] = received(p, 1);
  if (seq === undefined) throw new Error('no packet to ask again');
  for (let i = 0; i < 5; i++) {
    await nack(p, [seq]);
    // Past the budget's 250 ms between two answers of one packet: only the count limits them.
    await sleep(300);
  }
  await sleep(300);
  expect(p.arrivals.get(seq)).toBe(3);
  const s = p.session.stats();
  expect(s.nacked).toBe(5);
  expect(s.nackRefused).toBe(3);
});

it('nothing is sent again while the budget pauses the PTZ video', { timeout: 60_000 }, async () => {
  const p = await connect();
  const asked = received(p, 5);
  expect(asked).toHaveLength(5);
  p.session.applyPlan({ ptzVideo: false, stethKbps: 32, stethFrameMs: 20, probeKbps: 0 });
  await nack(p, asked);
  await sleep(500);
  for (const seq of asked) expect(p.arrivals.get(seq)).toBe(1);
  expect(p.session.stats().nackRefused).toBe(5);
});
