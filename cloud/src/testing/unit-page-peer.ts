/**
 * A page's peer connection with the forwarding unit, played by werift on loopback (tests only): the
 * codecs the unit offers, the mid and abs-send-time header extensions it routes by, the audio level
 * (RFC 6464) it reads who speaks from, host candidates on 127.0.0.1 only.
 */
import {
  RTCPeerConnection,
  type RTCRtpTransceiver,
  RTP_EXTENSION_URI,
  RtpHeader,
  RtpPacket,
  serializeAudioLevelIndication,
  useAbsSendTime,
  useAudioLevelIndication,
  useSdesMid,
} from 'werift';
import { unitCodecs } from '../media/forwarding-unit/unit-peer.js';

export function loopbackUnitPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: unitCodecs(),
    // The unit routes what it forwards by mid: the page must read it. Its microphone's level says who speaks.
    headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication()], video: [useSdesMid(), useAbsSendTime()] },
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
}

/**
 * An Opus packet from a page's microphone, numbered `seq`, with its audio level (0 dBov loudest …
 * 127 silence) in the header extension the transceiver negotiated, as a browser writes it.
 */
export function micPacket(
  mic: RTCRtpTransceiver,
  ssrc: number,
  seq: number,
  level: number,
  payload = Buffer.from([0xf8, 0xff, 0xfe]),
): RtpPacket {
  const pt = mic.codecs.find((c) => c.mimeType.toLowerCase() === 'audio/opus')?.payloadType ?? 111;
  const id = mic.headerExtensions.find((e) => e.uri === RTP_EXTENSION_URI.audioLevelIndication)?.id;
  const header = new RtpHeader({
    payloadType: pt,
    sequenceNumber: seq & 0xffff,
    timestamp: (seq * 960) >>> 0,
    ssrc,
    marker: false,
    extensions: id === undefined ? [] : [{ id, payload: Buffer.from(serializeAudioLevelIndication(level)) }],
  });
  return new RtpPacket(header, payload);
}

export interface UnitPagePeer {
  pc: RTCPeerConnection;
  offer: string;
  /** Sends one Opus packet from the microphone, numbered `seq`, at `level` (−dBov; default 127, silence). */
  say(seq: number, level?: number): void;
}

/** A page with its microphone (send only) and `slots` receive slots (audio and video each), its offer made. */
export async function unitPagePeer(slots = 1): Promise<UnitPagePeer> {
  const pc = loopbackUnitPeer();
  const mic = pc.addTransceiver('audio', { direction: 'sendonly' });
  for (let k = 0; k < slots; k++) {
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addTransceiver('video', { direction: 'recvonly' });
  }
  await pc.setLocalDescription(await pc.createOffer());
  const ssrc = 0x1234_5678 + Math.floor(Math.random() * 1000);
  const say = (seq: number, level = 127) => {
    mic.sender.sendRtp(micPacket(mic, ssrc, seq, level)).catch(() => undefined);
  };
  return { pc, offer: pc.localDescription?.sdp ?? '', say };
}
