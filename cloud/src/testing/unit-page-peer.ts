/**
 * A page's peer connection with the forwarding unit, played by werift on loopback (tests only): the
 * codecs the unit offers, the mid and abs-send-time header extensions it routes by, host candidates
 * on 127.0.0.1 only.
 */
import { RTCPeerConnection, RtpHeader, RtpPacket, useAbsSendTime, useSdesMid } from 'werift';
import { unitCodecs } from '../media/forwarding-unit/unit-peer.js';

export function loopbackUnitPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: unitCodecs(),
    // The unit routes what it forwards by mid: the page must read it.
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid(), useAbsSendTime()] },
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
}

export interface UnitPagePeer {
  pc: RTCPeerConnection;
  offer: string;
  /** Sends one Opus packet from the microphone, numbered `seq`. */
  say(seq: number): void;
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
  const say = (seq: number) => {
    const pt = mic.codecs.find((c) => c.mimeType.toLowerCase() === 'audio/opus')?.payloadType ?? 111;
    const header = new RtpHeader({ payloadType: pt, sequenceNumber: seq, timestamp: seq * 960, ssrc, marker: false });
    mic.sender.sendRtp(new RtpPacket(header, Buffer.from([0xf8, 0xff, 0xfe]))).catch(() => undefined);
  };
  return { pc, offer: pc.localDescription?.sdp ?? '', say };
}
