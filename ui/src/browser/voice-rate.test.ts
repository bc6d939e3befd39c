import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answeredVoiceRate } from './voice-rate.js';

const section = (mid: string, fmtp: string | null, kind = 'audio') =>
  [`m=${kind} 9 UDP/TLS/RTP/SAVPF 111`, `a=mid:${mid}`, 'a=rtpmap:111 opus/48000/2', ...(fmtp === null ? [] : [`a=fmtp:111 ${fmtp}`])].join(
    '\r\n',
  );
const sdp = (...sections: string[]) => ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', ...sections, ''].join('\r\n');

describe('answeredVoiceRate', () => {
  it("reads the Opus rate asked on the microphone's m-line, not another's", () => {
    const s = sdp(section('0', 'minptime=10;useinbandfec=1;maxaveragebitrate=16000'), section('2', 'maxaveragebitrate=24000'));
    expect(answeredVoiceRate(s, '0')).toBe(16_000);
    expect(answeredVoiceRate(s, '2')).toBe(24_000);
    expect(answeredVoiceRate(s, '1')).toBeUndefined();
    expect(answeredVoiceRate(sdp(section('0', 'useinbandfec=1')), '0')).toBeUndefined();
    expect(answeredVoiceRate(sdp(section('0', null)), '0')).toBeUndefined();
    expect(answeredVoiceRate(sdp(section('0', 'maxaveragebitrate=16000', 'video')), '0')).toBeUndefined();
  });

  it('gives a rate only within Opus bounds, whatever the fmtp says', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (params) => {
        const r = answeredVoiceRate(sdp(section('0', params.replace(/[\r\n]/g, ''))), '0');
        if (r !== undefined) {
          expect(Number.isInteger(r)).toBe(true);
          expect(r).toBeGreaterThanOrEqual(6_000);
          expect(r).toBeLessThanOrEqual(510_000);
        }
      }),
    );
  });
});
