import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEcgChunk, ECG_WIRE_VERSION, encodeEcgChunk } from './ecg-wire.js';
import type { EcgChunk } from './schemas/rtc.js';

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const chunk: fc.Arbitrary<EcgChunk> = fc.record({
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  t0: fc.double({ noNaN: true, noDefaultInfinity: true }),
  periodMs: fc.double({ min: Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }),
  lead: fc.string({ maxLength: 16 }),
  factor: fc.double({ noNaN: true, noDefaultInfinity: true }),
  // ECG-like (small steps) and anything within int32.
  samples: fc.oneof(fc.array(fc.integer({ min: -600, max: 600 }), { maxLength: 64 }), fc.array(int32, { maxLength: 4096 })),
});

describe('the ECG chunk on the wire', () => {
  it('round-trips any chunk', () => {
    fc.assert(
      fc.property(chunk, (c) => {
        const d = decodeEcgChunk(encodeEcgChunk(c));
        expect(d).toEqual({ ok: true, chunk: c });
      }),
    );
  });

  it('is a fraction of the JSON: 32 samples of an ECG', () => {
    const samples = Array.from({ length: 32 }, (_, i) => Math.round(120 * Math.sin(i / 3)) - 40);
    const c: EcgChunk = { seq: 12345, t0: 1_765_000_000_123.4, periodMs: 1000 / 256, lead: 'II', factor: 0.0048828125, samples };
    const bytes = encodeEcgChunk(c);
    expect(bytes.length).toBeLessThan(80);
    expect(bytes.length * 2.5).toBeLessThan(JSON.stringify(c).length);
  });

  it('refuses what is not exactly a chunk, saying what and where, and never throws', () => {
    const good = encodeEcgChunk({ seq: 7, t0: 1, periodMs: 4, lead: 'II', factor: 0.005, samples: [1, 2, 300, -5] });
    const bad = (b: Uint8Array) => {
      const d = decodeEcgChunk(b);
      if (d.ok) throw new Error('accepted');
      return d.error;
    };
    expect(bad(good.subarray(0, 10))).toMatch(/shorter than the header/);
    expect(bad(good.subarray(0, good.length - 1))).toMatch(/seq 7: ends at sample 3 of 4/);
    expect(bad(new Uint8Array([...good, 0]))).toMatch(/seq 7: 1 bytes after the samples/);
    const v2 = good.slice();
    v2[0] = ECG_WIRE_VERSION + 1;
    expect(bad(v2)).toMatch(/version 2/);
    const period = good.slice();
    new DataView(period.buffer).setFloat64(13, 0);
    expect(bad(period)).toMatch(/seq 7: periodMs 0/);
    const long = good.slice();
    long.fill(0xff, good.length - 4);
    expect(bad(long)).toMatch(/longer than 5 bytes|ends at sample/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const d = decodeEcgChunk(b);
        if (d.ok) expect(decodeEcgChunk(encodeEcgChunk(d.chunk))).toEqual(d);
      }),
    );
  });

  it('refuses to encode what the format cannot carry', () => {
    const c: EcgChunk = { seq: 1, t0: 0, periodMs: 4, lead: 'II', factor: 1, samples: [2 ** 31] };
    expect(() => encodeEcgChunk(c)).toThrow(/sample 0 is 2147483648/);
    expect(() => encodeEcgChunk({ ...c, samples: [0.5] })).toThrow(RangeError);
    expect(() => encodeEcgChunk({ ...c, seq: 2 ** 32, samples: [] })).toThrow(/not a u32/);
  });
});
