import { describe, expect, it } from 'vitest';
import { withVoicePtime } from './voice-ptime.js';

const ANSWER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=rtpmap:111 opus/48000/2',
  'a=ptime:20',
  'a=maxptime:120',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=ptime:33',
  '',
].join('\r\n');

describe('withVoicePtime', () => {
  it('sets the audio sections’ ptime, once, at their end; the other sections untouched', () => {
    const sdp = withVoicePtime(ANSWER, 60);
    const lines = sdp.split('\r\n');
    expect(lines.filter((l) => l.startsWith('a=ptime:'))).toEqual(['a=ptime:60', 'a=ptime:33']);
    expect(lines).not.toContain('a=maxptime:120');
    expect(lines.indexOf('a=ptime:60')).toBe(lines.indexOf('m=video 9 UDP/TLS/RTP/SAVPF 96') - 1);
    expect(sdp.endsWith('a=ptime:33\r\n')).toBe(true);
    expect(withVoicePtime(sdp, 20)).toBe(withVoicePtime(ANSWER, 20));
  });

  it('adds it to an audio section that is the last and had none', () => {
    const sdp = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';
    expect(withVoicePtime(sdp, 60)).toBe('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ptime:60\r\n');
  });
});
