/**
 * The serial formats the gateway speaks, by name: link settings, a stream-parser factory, and
 * one tagged packet type so drivers and services handle every format the same way.
 */
import { type NoninDf8Packet, NoninDf8Parser } from './codecs/nonin-df8.js';
import { NoninDf13Parser, type NoninDf13Record } from './codecs/nonin-df13.js';
import { NONIN_FRAME_RATE_HZ, type NoninRealtimePacket, NoninRealtimeParser } from './codecs/nonin-realtime.js';
import { type OpenEegP2Packet, OpenEegP2Parser, P2_BAUD, P2_RATE_HZ } from './codecs/openeeg-p2.js';
import type { ParseOutput, ParserStats, StreamParser } from './codecs/stream.js';

export const SERIAL_FORMAT_NAMES = ['nonin-df2', 'nonin-df7', 'nonin-df8', 'nonin-df13', 'openeeg-p2'] as const;
export type SerialFormatName = (typeof SERIAL_FORMAT_NAMES)[number];

export type SerialPacket =
  | { format: 'nonin-df2' | 'nonin-df7'; packet: NoninRealtimePacket }
  | { format: 'nonin-df8'; packet: NoninDf8Packet }
  | { format: 'nonin-df13'; packet: NoninDf13Record }
  | { format: 'openeeg-p2'; packet: OpenEegP2Packet };

export interface SerialFormat {
  name: SerialFormatName;
  description: string;
  baudRate: number;
  dataBits: 8;
  parity: 'none';
  stopBits: 1;
  /** Waveform samples per second per channel, when the format carries a waveform. */
  sampleRateHz?: number;
  createParser(): StreamParser<SerialPacket>;
}

function tagged<P>(inner: StreamParser<P>, wrap: (p: P) => SerialPacket): StreamParser<SerialPacket> {
  const map = (o: ParseOutput<P>): ParseOutput<SerialPacket> => ({ packets: o.packets.map(wrap), errors: o.errors });
  return {
    push: (chunk) => map(inner.push(chunk)),
    flush: () => map(inner.flush()),
    get stats(): ParserStats {
      return inner.stats;
    },
  };
}

const NONIN_LINK = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;

export const SERIAL_FORMATS: Record<SerialFormatName, SerialFormat> = {
  'nonin-df2': {
    name: 'nonin-df2',
    description: 'Nonin data format 2: 75 frames/s, 8-bit pleth, SpO2/HR every 1/3 s',
    ...NONIN_LINK,
    sampleRateHz: NONIN_FRAME_RATE_HZ,
    createParser: () => tagged(new NoninRealtimeParser('df2'), (packet) => ({ format: 'nonin-df2', packet })),
  },
  'nonin-df7': {
    name: 'nonin-df7',
    description: 'Nonin data format 7: 75 frames/s, 16-bit pleth, SpO2/HR every 1/3 s',
    ...NONIN_LINK,
    sampleRateHz: NONIN_FRAME_RATE_HZ,
    createParser: () => tagged(new NoninRealtimeParser('df7'), (packet) => ({ format: 'nonin-df7', packet })),
  },
  'nonin-df8': {
    name: 'nonin-df8',
    description: 'Nonin data format 8: SpO2/HR/status once a second, 4 bytes',
    ...NONIN_LINK,
    createParser: () => tagged(new NoninDf8Parser(), (packet) => ({ format: 'nonin-df8', packet })),
  },
  'nonin-df13': {
    name: 'nonin-df13',
    description: 'Nonin data format 13: spot-check records with device time (SmartPoint)',
    ...NONIN_LINK,
    createParser: () => tagged(new NoninDf13Parser(), (packet) => ({ format: 'nonin-df13', packet })),
  },
  'openeeg-p2': {
    name: 'openeeg-p2',
    description: 'OpenEEG P2 (ModularEEG, Olimex SHIELD-EKG-EMG): 256 packets/s, 6 × 10-bit channels',
    baudRate: P2_BAUD,
    dataBits: 8,
    parity: 'none',
    stopBits: 1,
    sampleRateHz: P2_RATE_HZ,
    createParser: () => tagged(new OpenEegP2Parser(), (packet) => ({ format: 'openeeg-p2', packet })),
  },
};

export function isSerialFormatName(s: string): s is SerialFormatName {
  return (SERIAL_FORMAT_NAMES as readonly string[]).includes(s);
}
