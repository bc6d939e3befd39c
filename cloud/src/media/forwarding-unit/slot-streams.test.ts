import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMsidId, slotStreamId, streamsByMid, withStreams } from './slot-streams.js';

// The shape of werift's answer to a viewer: the viewer's own tracks received, two slots sent, no a=msid anywhere.
const ANSWER = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2 3 4 5',
  'a=msid-semantic:WMS *',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'a=recvonly',
  'a=rtpmap:111 opus/48000/2',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:1',
  'a=recvonly',
  'a=rtpmap:96 VP8/90000',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:2',
  'a=sendonly',
  'a=rtpmap:111 opus/48000/2',
  'a=ssrc:1111 cname:unit',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:3',
  'a=sendonly',
  'a=rtpmap:96 VP8/90000',
  'a=ssrc:2222 cname:unit',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:4',
  'a=sendonly',
  'a=rtpmap:111 opus/48000/2',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:5',
  'a=sendonly',
  'a=rtpmap:96 VP8/90000',
  '',
].join('\r\n');

const SLOTS = [
  { mid: '2', streamId: slotStreamId(0), trackId: 'slot-0-audio' },
  { mid: '3', streamId: slotStreamId(0), trackId: 'slot-0-video' },
  { mid: '4', streamId: slotStreamId(1), trackId: 'slot-1-audio' },
  { mid: '5', streamId: slotStreamId(1), trackId: 'slot-1-video' },
];

describe('withStreams', () => {
  it("puts each slot's voice and video in one stream, and no other m-line in any", () => {
    expect(streamsByMid(ANSWER).size).toBe(0);
    const out = withStreams(ANSWER, SLOTS);
    const streams = streamsByMid(out);
    expect(streams.get('2')).toEqual({ streamId: 'slot-0', trackId: 'slot-0-audio' });
    expect(streams.get('3')?.streamId).toBe('slot-0');
    expect(streams.get('4')?.streamId).toBe('slot-1');
    expect(streams.get('5')).toEqual({ streamId: 'slot-1', trackId: 'slot-1-video' });
    expect(streams.has('0') || streams.has('1')).toBe(false);
    // Nothing else moved: removing the added lines gives the description back, line endings and all.
    expect(out.replace(/a=msid:slot-\d slot-\d-(audio|video)\r\n/g, '')).toBe(ANSWER);
    expect(out).toContain('a=msid-semantic:WMS *');
  });

  it('replaces an m-line’s a=msid, malformed or not, by the one given (one line)', () => {
    const before = ANSWER.replace('a=mid:2\r\n', 'a=mid:2\r\na=msid:-\r\na=msid:old other\r\n');
    expect(streamsByMid(before).get('2')).toEqual({ streamId: 'old', trackId: 'other' });
    const out = withStreams(before, SLOTS);
    expect(out.match(/a=msid:/g)?.length).toBe(4);
    expect(streamsByMid(out).get('2')?.streamId).toBe('slot-0');
  });

  it('leaves a description alone when no named mid is in it, with \\n line endings too', () => {
    const lf = ANSWER.replaceAll('\r\n', '\n');
    expect(withStreams(lf, [{ mid: '9', streamId: 'slot-0', trackId: 'x' }])).toBe(lf);
    expect(streamsByMid(withStreams(lf, SLOTS)).get('5')?.trackId).toBe('slot-1-video');
  });

  it('refuses an id that is not an msid-id, with what it was', () => {
    expect(() => withStreams(ANSWER, [{ mid: '2', streamId: 'has space', trackId: 't' }])).toThrow(/not an msid-id: "has space t"/);
    expect(() => withStreams(ANSWER, [{ mid: '2', streamId: 's', trackId: 'x'.repeat(65) }])).toThrow(RangeError);
  });

  it('reads no stream from a malformed or missing a=msid, without throwing (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }).filter((s) => !/[\r\n]/.test(s)),
        (junk) => {
          const sdp = ANSWER.replace('a=mid:3\r\n', `a=mid:3\r\na=msid:${junk}\r\n`);
          const got = streamsByMid(sdp).get('3');
          if (got) {
            expect(isMsidId(got.streamId) && isMsidId(got.trackId)).toBe(true);
            expect(junk.startsWith(`${got.streamId} ${got.trackId}`)).toBe(true);
          }
        },
      ),
    );
  });

  it('gives every named m-line exactly its own stream, whatever the slots (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom('0', '1', '2', '3', '4', '5'), { minLength: 1, maxLength: 6 }),
        fc.nat(20),
        (mids, base) => {
          const lines = mids.map((mid, i) => ({ mid, streamId: slotStreamId(base + (i >> 1)), trackId: `t${i}` }));
          const streams = streamsByMid(withStreams(ANSWER, lines));
          expect(streams.size).toBe(mids.length);
          for (const l of lines) expect(streams.get(l.mid)).toEqual({ streamId: l.streamId, trackId: l.trackId });
        },
      ),
    );
  });
});
