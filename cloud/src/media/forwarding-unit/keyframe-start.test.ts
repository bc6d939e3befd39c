import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtpPacket } from 'werift';
import { startsKeyframe, startsVp8Keyframe } from './keyframe-start.js';

/**
 * Real VP8 RTP packets (libvpx through ffmpeg's RTP muxer, 320×240, a key frame every 5 frames),
 * each cut after its first 20 payload bytes: the RTP header, then the payload descriptor
 * (X, I with a 15-bit picture id) and the VP8 frame tag.
 */
const CAPTURED: { hex: string; what: string; key: boolean }[] = [
  { hex: '80600955ae17f7f286b209de90808000b05a009d012a4001f000000708858588', what: 'a key frame, first packet', key: true },
  { hex: '80600956ae17f7f286b209de808080007c2091153d2988ab494a0573d1993cc7', what: 'the key frame, second packet', key: false },
  { hex: '80e00958ae17f7f286b209de80808000cd04de63808ef123eec84451bdfb0893', what: 'the key frame, last packet', key: false },
  { hex: '80e00959ae181b1a86b209de90808001911400001010001ed5f406d0465cfdef', what: 'a delta frame (one packet)', key: false },
  { hex: '80e0095bae18616a86b209de908080035110000110100019c03db57d362cadf1', what: 'another delta frame', key: false },
  { hex: '8060095dae18a7ba86b209de90808005705a009d012a4001f000000708858588', what: 'the next key frame, first packet', key: true },
  { hex: '8060095eae18a7ba86b209de80808005032a03614aa4bce7f1689ced554c36a4', what: 'its second packet', key: false },
];

const payloadOf = (hex: string) => RtpPacket.deSerialize(Buffer.from(hex, 'hex')).payload;

describe('startsKeyframe', () => {
  it('finds the first packet of each key frame in a real VP8 stream, and no other', () => {
    for (const c of CAPTURED) expect(startsKeyframe('vp8', payloadOf(c.hex)), c.what).toBe(c.key);
  });

  it('reads the descriptor’s optional fields: a 7-bit picture id, TL0PICIDX, TID/KEYIDX, or none', () => {
    const tag = [0xb0, 0x5a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01];
    expect(startsVp8Keyframe(Uint8Array.from([0x10, ...tag]))).toBe(true);
    expect(startsVp8Keyframe(Uint8Array.from([0x90, 0x80, 0x05, ...tag]))).toBe(true);
    expect(startsVp8Keyframe(Uint8Array.from([0x90, 0xe0, 0x80, 0x05, 0x11, 0x20, ...tag]))).toBe(true);
    expect(startsVp8Keyframe(Uint8Array.from([0x90, 0x30, 0x20, ...tag]))).toBe(true);
    // The same with a delta frame's tag (P = 1), another partition, or no start bit.
    expect(startsVp8Keyframe(Uint8Array.from([0x90, 0x80, 0x05, 0xb1, ...tag.slice(1)]))).toBe(false);
    expect(startsVp8Keyframe(Uint8Array.from([0x11, ...tag]))).toBe(false);
    expect(startsVp8Keyframe(Uint8Array.from([0x00, ...tag]))).toBe(false);
  });

  it('never takes a packet without S, of a partition other than 0, or a delta frame’s tag, and never reads past the payload', () => {
    const key = payloadOf(CAPTURED[0]?.hex ?? '');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        const got = startsVp8Keyframe(bytes);
        const b0 = bytes[0] ?? 0;
        if (bytes.length === 0 || !(b0 & 0x10) || (b0 & 0x07) !== 0) expect(got).toBe(false);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: key.length - 1 }), (n) => {
        // A key frame's first packet cut short is no start: the frame tag is not all there.
        if (n < 10) expect(startsVp8Keyframe(key.subarray(0, n))).toBe(false);
      }),
    );
  });

  it('does not hold back a codec it does not read', () => {
    expect(startsKeyframe('h264', Buffer.from([0x41, 0x9a]))).toBe(true);
    expect(startsKeyframe(undefined, Buffer.alloc(0))).toBe(true);
  });
});
