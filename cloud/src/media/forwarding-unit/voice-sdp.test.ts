import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { askVoice, ROOM_VOICE } from './voice-sdp.js';

const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=recvonly',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:1',
  'a=recvonly',
  'a=rtpmap:96 VP8/90000',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:2',
  'a=sendonly',
  'a=rtpmap:111 opus/48000/2',
  '',
].join('\r\n');

describe('askVoice', () => {
  it('asks 60 ms frames and the Opus rate on the published audio m-line only, the fmtp kept', () => {
    const out = askVoice(SDP, '0');
    const [, published, video, slot] = out.split(/(?=^m=)/m);
    expect(published).toContain('a=fmtp:111 minptime=10;useinbandfec=1;maxaveragebitrate=16000\r\n');
    expect(published).toMatch(/a=ptime:60\r\n$/);
    expect(video).toBe(SDP.split(/(?=^m=)/m)[2]);
    expect(slot).toBe(SDP.split(/(?=^m=)/m)[3]);
    expect(out.split('\r\n').filter((l) => l === '')).toHaveLength(1);
  });

  it('adds an fmtp when there is none, replaces an older ask, and leaves an SDP without that m-line as it was', () => {
    const bare = SDP.replace('a=fmtp:111 minptime=10;useinbandfec=1\r\n', '');
    expect(askVoice(bare, '0')).toContain('a=rtpmap:111 opus/48000/2\r\na=fmtp:111 maxaveragebitrate=16000\r\n');
    const twice = askVoice(askVoice(SDP, '0', { ptimeMs: 40, maxAverageBitrate: 24_000 }), '0');
    expect(twice).toBe(askVoice(SDP, '0'));
    expect(askVoice(SDP, '7')).toBe(SDP);
    expect(askVoice(SDP, '1')).toBe(SDP);
  });

  it('any mid and rate: one ptime and one maxaveragebitrate on that audio m-line, nothing else changed (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('0', '1', '2', 'x'),
        fc.integer({ min: 6000, max: 510_000 }),
        fc.constantFrom(20, 40, 60),
        (mid, rate, ptime) => {
          const out = askVoice(SDP, mid, { ptimeMs: ptime, maxAverageBitrate: rate });
          const before = SDP.split(/(?=^m=)/m);
          out.split(/(?=^m=)/m).forEach((s, i) => {
            if ((mid === '0' && i === 1) || (mid === '2' && i === 3)) {
              expect(s.match(/a=ptime:/g)).toHaveLength(1);
              expect(s).toContain(`a=ptime:${ptime}`);
              expect(s.match(/maxaveragebitrate=/g)).toHaveLength(1);
              expect(s).toContain(`maxaveragebitrate=${rate}`);
            } else expect(s).toBe(before[i]);
          });
        },
      ),
    );
    expect(ROOM_VOICE).toEqual({ ptimeMs: 60, maxAverageBitrate: 16_000 });
  });
});
