/**
 * Follows MQTT frame boundaries on a byte stream (fixed header: 1 type byte, then the remaining
 * length as a 1–4 byte varint) and tells when a frame announces more than the limit, before its
 * body arrives. aedes has no packet size cap of its own: without this a client could make the
 * broker buffer a 256 MB PUBLISH. Pure state machine; the broker destroys the socket on a refusal.
 */
export type GuardVerdict = { ok: true } | { ok: false; error: string };

export class PacketSizeGuard {
  private skip = 0;
  private headerBytes = 0;
  private length = 0;
  private multiplier = 1;
  private inHeader = false;

  constructor(readonly maxPacketBytes: number) {}

  push(chunk: Uint8Array): GuardVerdict {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      if (!this.inHeader) {
        // Fixed header byte 1 (packet type and flags).
        this.inHeader = true;
        this.headerBytes = 0;
        this.length = 0;
        this.multiplier = 1;
        i++;
        continue;
      }
      const b = chunk[i++] ?? 0;
      this.length += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.headerBytes++;
      if (b & 0x80) {
        if (this.headerBytes >= 4) return { ok: false, error: 'malformed MQTT remaining length (more than 4 bytes)' };
        continue;
      }
      this.inHeader = false;
      if (this.length > this.maxPacketBytes)
        return { ok: false, error: `MQTT packet of ${this.length} bytes exceeds the broker limit of ${this.maxPacketBytes}` };
      this.skip = this.length;
    }
    return { ok: true };
  }
}
