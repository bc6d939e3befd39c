/**
 * Whether an RTP payload starts a key frame (pure): where the unit may start a video for a viewer
 * who had none of it (a resumed video, a new viewer, a new source in a slot). Every frame before the
 * next key frame refers to frames the viewer never got: forwarded, they cost the viewer's downlink
 * and decode to nothing (forwarding-room.ts holds them back).
 *
 * VP8 (RFC 7741, the only video codec the unit negotiates): the payload descriptor's S bit (start of
 * a partition) with partition index 0 opens a frame; the VP8 payload header that follows the
 * descriptor (RFC 6386 § 9.1, the frame tag) has P = 0 on a key frame, whose header then carries
 * the start code 9d 01 2a.
 *
 * Another codec (none negotiated today; H.264 would be its IDR or SPS NAL units in a single, STAP-A
 * or FU-A packet): not recognised, every packet counts as a start (the unit does not hold it back).
 */

const VP8_START_CODE = [0x9d, 0x01, 0x2a];

/** The VP8 payload descriptor's length, or undefined when the packet is too short for it. */
function vp8DescriptorLength(p: Uint8Array): number | undefined {
  const b0 = p[0];
  if (b0 === undefined) return undefined;
  let n = 1;
  if (b0 & 0x80) {
    // X: an extension byte I L T K, then the fields it announces.
    const x = p[n];
    if (x === undefined) return undefined;
    n++;
    if (x & 0x80) {
      // I: the picture id, 15 bits when its M bit is set, else 7.
      const pid = p[n];
      if (pid === undefined) return undefined;
      n += pid & 0x80 ? 2 : 1;
    }
    if (x & 0x40) n++; // L: TL0PICIDX
    if (x & 0x30) n++; // T or K: TID, Y, KEYIDX
  }
  return n <= p.length ? n : undefined;
}

/** A VP8 packet that starts a key frame: S = 1, partition 0, and a key frame's tag (P = 0, the start code). */
export function startsVp8Keyframe(payload: Uint8Array): boolean {
  const b0 = payload[0];
  if (b0 === undefined || !(b0 & 0x10) || (b0 & 0x07) !== 0) return false;
  const n = vp8DescriptorLength(payload);
  if (n === undefined) return false;
  const tag = payload[n];
  if (tag === undefined || tag & 0x01) return false;
  return VP8_START_CODE.every((c, i) => payload[n + 3 + i] === c);
}

/** Whether the unit may start a viewer's video on this packet (`codec`: the lowercase mime subtype). */
export function startsKeyframe(codec: string | undefined, payload: Uint8Array): boolean {
  if (codec === 'vp8') return startsVp8Keyframe(payload);
  return true;
}
