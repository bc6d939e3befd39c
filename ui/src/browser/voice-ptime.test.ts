import { describe, expect, it } from 'vitest';
import { VoicePtime, withVoicePtime } from './voice-ptime.js';

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

/** The two calls VoicePtime makes of a peer, recorded (the browser's own is tested in Chromium). */
class RecordingPeer {
  signalingState: RTCSignalingState = 'stable';
  remotes: string[] = [];
  locals: string[] = [];
  async createOffer(): Promise<RTCSessionDescriptionInit> {
    return { type: 'offer', sdp: 'v=0\r\n' };
  }
  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    return { type: 'answer', sdp: 'v=0 answer\r\n' };
  }
  async setLocalDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.locals.push(`${d.type}`);
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.remotes.push(`${d.type} ${d.sdp ?? ''}`);
  }
}

describe('VoicePtime', () => {
  const UNIT_ANSWER = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ptime:60\r\n';

  it('keeps the answer’s own frame length at 20 (the unit’s 60 ms ask stands), sets 60 when asked, and back', async () => {
    const peer = new RecordingPeer();
    const ptime = new VoicePtime(peer as unknown as RTCPeerConnection, (m) => {
      throw new Error(m);
    });
    await ptime.set(20);
    expect(ptime.remote(UNIT_ANSWER).sdp).toBe(UNIT_ANSWER);
    await ptime.set(20);
    expect(peer.remotes).toEqual([]);
    await ptime.set(60);
    expect(peer.remotes).toEqual([`answer ${withVoicePtime(UNIT_ANSWER, 60)}`]);
    expect(peer.locals).toEqual(['offer']);
    await ptime.set(20);
    expect(peer.remotes.at(-1)).toBe(`answer ${UNIT_ANSWER}`);
    const browserAnswer = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';
    expect(ptime.remote(browserAnswer).sdp).toBe(browserAnswer);
  });

  it('the answering side: the offer set again with 60 ms asked, then a fresh answer kept local; and back', async () => {
    const peer = new RecordingPeer();
    const ptime = new VoicePtime(peer as unknown as RTCPeerConnection, (m) => {
      throw new Error(m);
    });
    const OFFER = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendrecv\r\n';
    await ptime.set(20);
    expect(ptime.offered(OFFER)).toEqual({ type: 'offer', sdp: OFFER });
    await ptime.set(20);
    expect(peer.remotes).toEqual([]);
    await ptime.set(60);
    expect(peer.remotes).toEqual([`offer ${withVoicePtime(OFFER, 60)}`]);
    expect(peer.locals).toEqual(['answer']);
    await ptime.set(60);
    expect(peer.remotes).toHaveLength(1);
    await ptime.set(20);
    expect(peer.remotes.at(-1)).toBe(`offer ${OFFER}`);
    expect(peer.locals).toEqual(['answer', 'answer']);
    // Asked before the offer came: set with it.
    const early = new VoicePtime(new RecordingPeer() as unknown as RTCPeerConnection, () => undefined);
    await early.set(60);
    expect(early.offered(OFFER).sdp).toBe(withVoicePtime(OFFER, 60));
  });
});
