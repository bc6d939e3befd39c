/**
 * `telecart decode nonin-df2|nonin-df7|nonin-df8|nonin-df13|openeeg-p2 <hex>`: a serial byte
 * stream → its packets, the stream errors met on the way, and what the gateway would record.
 * No complete packet in the bytes → one clear line (the command exits 1).
 */
import {
  codecFail,
  codecOk,
  liveSpo2PulseDrafts,
  noninDf8Spo2Pulse,
  noninRealtimeSpo2Pulse,
  noninSpotCheckToDrafts,
  SERIAL_FORMAT_NAMES,
  SERIAL_FORMATS,
  type SerialPacket,
} from '@telecart/devices';
import type { DecodeFormat } from './decode.js';

function wouldRecord(p: SerialPacket): unknown {
  const brief = (d: { code: { display: string }; value?: { value: number; unit: string }; status: string; flags: string[] }) => ({
    what: d.code.display,
    value: d.value ? `${d.value.value} ${d.value.unit}` : null,
    status: d.status,
    flags: d.flags,
  });
  switch (p.format) {
    case 'nonin-df13':
      return { readings: noninSpotCheckToDrafts(p.packet).map(brief) };
    case 'nonin-df8':
      return { live: liveSpo2PulseDrafts(noninDf8Spo2Pulse(p.packet)).map(brief), note: 'a final reading once held 10 s' };
    case 'nonin-df2':
    case 'nonin-df7':
      return {
        live: liveSpo2PulseDrafts(noninRealtimeSpo2Pulse(p.packet)).map(brief),
        waveform: { channel: 'pleth', samples: p.packet.frames.map((f) => (f ? f.pleth : 'E')).join(' ') },
      };
    case 'openeeg-p2':
      return { waveform: { channel: 'II (channel 1)', sample: (p.packet.channels[0] ?? 512) - 512, lostBefore: p.packet.lostBefore } };
  }
}

function serialFormat(name: (typeof SERIAL_FORMAT_NAMES)[number]): DecodeFormat {
  const f = SERIAL_FORMATS[name];
  return {
    description: f.description,
    decode(bytes) {
      const parser = f.createParser();
      const a = parser.push(bytes);
      const b = parser.flush();
      const packets = [...a.packets, ...b.packets];
      const errors = [...a.errors, ...b.errors].map((e) => `${e.kind}: ${e.detail}`);
      if (packets.length === 0) {
        return codecFail('stream', `no complete ${name} packet in ${bytes.length} bytes${errors.length ? ` (${errors.join('; ')})` : ''}`);
      }
      return codecOk({
        decoded: { format: name, packets: packets.map((p) => ({ packet: p.packet, gatewayWouldRecord: wouldRecord(p) })), errors },
      });
    },
  };
}

export const SERIAL_DECODE_FORMATS: [string, DecodeFormat][] = SERIAL_FORMAT_NAMES.map((n) => [n, serialFormat(n)]);
