import { describe, expect, it } from 'vitest';
import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { checkAnswerSdp } from './sdp-check.js';

/** A real offer (werift, as the gateway makes it: video, audio, data) and a real answer to it (werift as the answerer). */
async function offerAndAnswer(): Promise<{ offer: string; answer: string }> {
  const confined = { iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'] };
  const codecs = {
    video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 97 })],
    audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
  };
  const a = new RTCPeerConnection({ codecs, ...confined });
  const b = new RTCPeerConnection({ codecs, ...confined });
  try {
    a.addTransceiver('video', { direction: 'sendonly' });
    a.addTransceiver('audio', { direction: 'sendonly' });
    a.createDataChannel('ptz');
    await a.setLocalDescription(await a.createOffer());
    const offer = a.localDescription?.sdp ?? '';
    await b.setRemoteDescription({ type: 'offer', sdp: offer });
    await b.setLocalDescription(await b.createAnswer());
    return { offer, answer: b.localDescription?.sdp ?? '' };
  } finally {
    await a.close();
    await b.close();
  }
}

describe('checkAnswerSdp', () => {
  it('accepts a real answer to a real offer, and refuses what is not one', async () => {
    const { offer, answer } = await offerAndAnswer();
    expect(checkAnswerSdp(offer, answer)).toBeNull();

    const cut = (sdp: string, from: number) => sdp.split('m=').slice(0, from).join('m=');
    const cases: [string, string, RegExp][] = [
      ['not SDP', 'this is not sdp', /must begin with v=0/],
      ['empty', '', /must begin with v=0/],
      ['a section missing', cut(answer, 3), /2 media sections answered to 3 offered/],
      [
        'sections swapped',
        answer.replace('m=video', 'm=XXX').replace('m=audio', 'm=video').replace('m=XXX', 'm=audio'),
        /is audio, video was offered/,
      ],
      ['another mid', answer.replace(/a=mid:(\S+)/, 'a=mid:zz'), /has mid zz/],
      ['no ICE password', answer.replaceAll(/a=ice-pwd:.*\r?\n/g, ''), /no ice-pwd/],
      ['no fingerprint', answer.replaceAll(/a=fingerprint:.*\r?\n/g, ''), /no fingerprint/],
    ];
    for (const [name, sdp, why] of cases) expect(checkAnswerSdp(offer, sdp), name).toMatch(why);
  });

  it('a section the browser rejected (port 0) needs no ICE credentials', async () => {
    const { offer, answer } = await offerAndAnswer();
    const parts = answer.split('m=');
    parts[2] = (parts[2] ?? '').replace(/^(\w+) \d+/, '$1 0').replaceAll(/a=(ice-ufrag|ice-pwd|fingerprint):.*\r?\n/g, '');
    const rejected = parts.join('m=');
    // Credentials at session level are not in werift's answer: only the rejected section lost them.
    expect(checkAnswerSdp(offer, rejected)).toBeNull();
  });
});
