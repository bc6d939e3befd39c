/**
 * OpenEEG "P2" packets (ModularEEG firmware; the Olimex SHIELD-EKG-EMG demo sketch sends the same):
 * 17 bytes at 256 packets/s, 57600 bit/s 8N1.
 *   A5 5A | version 02 | counter (+1 per packet, wraps) | 6 × 10-bit sample, big-endian | switches (bits 3..0)
 * A5 5A cannot occur inside a valid packet (sample high bytes are ≤ 03, switches ≤ 0F), so the
 * sync pair alone locks the stream. The counter tells how many packets were lost in between.
 */
import { ByteQueue, emptyOutput, ParseAccounting, type ParseOutput, type ParserStats, type StreamParser } from './stream.js';

export const P2_BYTES = 17;
export const P2_CHANNELS = 6;
export const P2_RATE_HZ = 256;
export const P2_BAUD = 57600;
export const P2_MAX_SAMPLE = 1023;
const SYNC0 = 0xa5;
const SYNC1 = 0x5a;
const VERSION = 2;

export interface OpenEegP2Packet {
  /** Packet counter as sent, 0..255. */
  counter: number;
  /** Six 10-bit samples, 0..1023 (mid-scale 512 is 0 V at the amplifier output). */
  channels: number[];
  /** Switch inputs, bits 3..0. */
  switches: number;
  /** Packets lost just before this one, from the counter (0 for the first after a (re)start). */
  lostBefore: number;
}

export function encodeOpenEegP2(p: Omit<OpenEegP2Packet, 'lostBefore'>): Uint8Array {
  if (!Number.isInteger(p.counter) || p.counter < 0 || p.counter > 0xff) throw new RangeError(`counter: ${p.counter} not in 0..255`);
  if (p.channels.length !== P2_CHANNELS) throw new RangeError(`channels: need 6, got ${p.channels.length}`);
  if (!Number.isInteger(p.switches) || p.switches < 0 || p.switches > 0x0f) throw new RangeError(`switches: ${p.switches} not in 0..15`);
  const out = new Uint8Array(P2_BYTES);
  out.set([SYNC0, SYNC1, VERSION, p.counter]);
  p.channels.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > P2_MAX_SAMPLE) throw new RangeError(`channels[${i}]: ${v} not in 0..1023`);
    out[4 + 2 * i] = v >> 8;
    out[5 + 2 * i] = v & 0xff;
  });
  out[16] = p.switches;
  return out;
}

export class OpenEegP2Parser implements StreamParser<OpenEegP2Packet> {
  private readonly q = new ByteQueue();
  private readonly acc = new ParseAccounting();
  private lastCounter: number | undefined;

  get stats(): ParserStats {
    return this.acc.stats;
  }

  push(chunk: Uint8Array): ParseOutput<OpenEegP2Packet> {
    const out = emptyOutput<OpenEegP2Packet>();
    this.acc.stats.bytesIn += chunk.length;
    this.q.push(chunk);
    const q = this.q;
    while (q.length > 0) {
      if (q.at(0) !== SYNC0 || (q.length > 1 && q.at(1) !== SYNC1)) {
        this.skip1();
        continue;
      }
      if (q.length < P2_BYTES) break;
      if (q.at(2) !== VERSION) {
        this.acc.error(out, 'framing', `openeeg-p2: version ${q.at(2)}, expected 2`, 0);
        this.skip1();
        continue;
      }
      let bad = -1;
      for (let i = 0; i < P2_CHANNELS && bad < 0; i++) if (q.at(4 + 2 * i) > 3) bad = i;
      if (bad >= 0 || q.at(16) > 0x0f) {
        const what =
          bad >= 0 ? `channel ${bad + 1} high byte 0x${q.at(4 + 2 * bad).toString(16)} > 03` : `switches 0x${q.at(16).toString(16)} > 0F`;
        this.acc.error(out, 'range', `openeeg-p2: ${what}`, 0);
        this.skip1();
        continue;
      }
      this.acc.endSkip(out, 'a p2 packet');
      const counter = q.at(3);
      const channels: number[] = [];
      for (let i = 0; i < P2_CHANNELS; i++) channels.push((q.at(4 + 2 * i) << 8) | q.at(5 + 2 * i));
      const switches = q.at(16);
      q.skip(P2_BYTES);
      const lostBefore = this.lastCounter === undefined ? 0 : (counter - this.lastCounter - 1 + 256) & 0xff;
      if (lostBefore > 0)
        this.acc.error(out, 'counter-gap', `openeeg-p2: counter ${this.lastCounter} → ${counter}: ${lostBefore} packets lost`, 0);
      this.lastCounter = counter;
      this.acc.packet(out, { counter, channels, switches, lostBefore });
    }
    return out;
  }

  flush(): ParseOutput<OpenEegP2Packet> {
    const out = emptyOutput<OpenEegP2Packet>();
    this.acc.skip(this.q.length);
    this.acc.endSkip(out, 'end of stream');
    this.q.clear();
    this.lastCounter = undefined;
    return out;
  }

  private skip1(): void {
    this.q.skip(1);
    this.acc.skip();
  }
}
