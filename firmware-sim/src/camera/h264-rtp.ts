/**
 * Reading just enough of an H.264 RTP stream (RFC 3550, RFC 6184) for the camera to describe and
 * gate it: which NAL units start in a packet, and the parameter sets, which the SDP carries as
 * `sprop-parameter-sets` and `profile-level-id` (RFC 6184 §8.1), taken from the encoder's own output.
 */

/** The payload of an RTP packet (after CSRCs and header extension, before padding); null if malformed. */
export function rtpPayload(packet: Buffer): Buffer | null {
  if (packet.length < 12 || (packet[0] ?? 0) >> 6 !== 2) return null;
  const b0 = packet[0] ?? 0;
  let offset = 12 + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (packet.length < offset + 4) return null;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  let end = packet.length;
  if (b0 & 0x20) end -= packet[packet.length - 1] ?? 0;
  return offset <= end ? packet.subarray(offset, end) : null;
}

export interface NalStart {
  /** nal_unit_type (1 non-IDR slice, 5 IDR slice, 7 SPS, 8 PPS, …). */
  type: number;
  /** The whole NAL unit when the packet carries it whole (single NAL packet or STAP-A). */
  nal?: Buffer;
}

/** The NAL units that begin in this payload: one (single NAL), several (STAP-A), or a FU-A's start. */
export function nalStarts(payload: Buffer): NalStart[] {
  if (payload.length < 1) return [];
  const type = (payload[0] ?? 0) & 0x1f;
  if (type >= 1 && type <= 23) return [{ type, nal: payload }];
  if (type === 24) {
    const out: NalStart[] = [];
    let i = 1;
    while (i + 2 <= payload.length) {
      const size = payload.readUInt16BE(i);
      if (size === 0 || i + 2 + size > payload.length) break;
      const nal = payload.subarray(i + 2, i + 2 + size);
      out.push({ type: (nal[0] ?? 0) & 0x1f, nal });
      i += 2 + size;
    }
    return out;
  }
  if (type === 28 && payload.length >= 2) {
    const fu = payload[1] ?? 0;
    return fu & 0x80 ? [{ type: fu & 0x1f }] : [];
  }
  return [];
}

/** Does a decoder that joins here get a whole picture? (SPS or an IDR slice begins in the packet.) */
export function startsKeyframe(starts: readonly NalStart[]): boolean {
  return starts.some((s) => s.type === 5 || s.type === 7);
}

/** `a=fmtp` parameters for H.264 packetization mode 1 from the stream's own SPS and PPS. */
export function h264Fmtp(sps: Buffer, pps: Buffer): string {
  const profileLevelId = sps.subarray(1, 4).toString('hex');
  return `packetization-mode=1;profile-level-id=${profileLevelId};sprop-parameter-sets=${sps.toString('base64')},${pps.toString('base64')}`;
}
