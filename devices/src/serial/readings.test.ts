/** What serial packets become, per format, and that each format has a definition carrying it. */
import { describe, expect, it } from 'vitest';
import { capabilityOf } from '../definitions/define.js';
import { SERIAL_DEFINITIONS } from '../definitions/serial/index.js';
import { ecgCode, PLETH_CODE } from '../model/codes.js';
import { NONIN_STATUS } from './codecs/nonin-common.js';
import type { NoninRealtimePacket } from './codecs/nonin-realtime.js';
import { SERIAL_FORMAT_NAMES } from './formats.js';
import { OLIMEX_UV_PER_UNIT, SERIAL_READINGS } from './readings.js';

const p2 = (channels: number[], lostBefore: number) =>
  ({ format: 'openeeg-p2', packet: { counter: 0, channels, switches: 0, lostBefore } }) as const;

describe('serial readings', () => {
  it('every format is read by a definition whose stream decoder carries its readings', () => {
    for (const f of SERIAL_FORMAT_NAMES) {
      const d = SERIAL_DEFINITIONS.find((x) => capabilityOf(x, 'stream-decoder')?.id === f);
      expect(d, f).toBeDefined();
      expect(d && capabilityOf(d, 'stream-decoder')?.readings, f).toBe(SERIAL_READINGS[f]);
    }
  });

  it('ECG: configured leads minus the baseline, a counter gap filled up to 255 samples, a longer one breaks the recording', () => {
    const r = SERIAL_READINGS['openeeg-p2']({
      leads: [
        { channel: 2, lead: 'I' },
        { channel: 1, lead: 'II' },
      ],
      baseline: 500,
    });
    expect(r.waveform?.code).toEqual(ecgCode(['I', 'II']));
    expect(r.waveform?.sampled).toMatchObject({
      dimensions: 2,
      channels: ['I', 'II'],
      periodMs: 1000 / 256,
      factor: OLIMEX_UV_PER_UNIT / 1000,
    });
    expect(r.read(p2([510, 480, 0, 0, 0, 0], 0))).toEqual({ rows: [[-20, 10]], liveGap: 0 });
    expect(r.read(p2([500, 500, 0, 0, 0, 0], 255))).toEqual({ rows: [[0, 0]], liveGap: 255, lost: 255 });
    expect(r.read(p2([500, 500, 0, 0, 0, 0], 300))).toEqual({ rows: [[0, 0]], liveGap: 256, lost: 'break' });
  });

  it('Nonin: DF7 pleth rows and a holdable SpO2/pulse; a value the device flags (sensor alarm) is not holdable', () => {
    const df7 = SERIAL_READINGS['nonin-df7']({});
    expect(df7.waveform?.code).toEqual(PLETH_CODE);
    const packet = (status: number): NoninRealtimePacket => ({
      format: 'df7',
      frames: [{ status, pleth: 100, float: 0 }, null],
      hr: 72,
      spo2: 97,
    });
    const item = df7.read({ format: 'nonin-df7', packet: packet(0x80) });
    expect(item.rows).toEqual([[100], [null]]);
    expect(item.spo2Pulse).toMatchObject({ spo2: 97, hr: 72, holdable: true });
    expect(df7.read({ format: 'nonin-df7', packet: packet(0x80 | NONIN_STATUS.SNSA) }).spo2Pulse).toMatchObject({ holdable: false });
    // Packets of another format give nothing (a definition wired to the wrong format records nothing).
    expect(df7.read({ format: 'nonin-df8', packet: { status: 0, hr: 72, spo2: 97, stat2: 0 } })).toEqual({});
  });
});
