// A test helper, not part of @telecart/protocol's exports.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleObservation } from '../../../protocol/src/testing/sample.js';
import { segmentsToWfdb } from './segments.js';
import { parseWfdbHeader, readWfdbSamples, wfdbChecksum, writeWfdb } from './wfdb.js';

// MIT-BIH Arrhythmia Database record 100 (wfdb-python sample-data/100.hea, first bytes of 100.dat).
const HEADER_100 = [
  '100 2 360 650000',
  '100.dat 212 200 11 1024 995 -22131 0 MLII',
  '100.dat 212 200 11 1024 1011 20052 0 V5',
  '# 69 M 1085 1629 x1',
  '',
].join('\n');
const DAT_100_FIRST_FRAME = Uint8Array.from([0xe3, 0x33, 0xf3]);

describe('WFDB against MIT-BIH record 100', () => {
  it('reads the header: 360 Hz, gain 200, 11 bits, adczero 1024 as the baseline, initial values', () => {
    const h = parseWfdbHeader(HEADER_100);
    if (!h.ok) throw new Error(h.error.reason);
    expect(h.value).toMatchObject({ name: '100', signalCount: 2, samplingFrequency: 360, sampleCount: 650000 });
    expect(
      h.value.signals.map((s) => [
        s.fileName,
        s.format,
        s.gain,
        s.baseline,
        s.units,
        s.adcResolution,
        s.adcZero,
        s.initialValue,
        s.checksum,
        s.description,
      ]),
    ).toEqual([
      ['100.dat', 212, 200, 1024, 'mV', 11, 1024, 995, -22131, 'MLII'],
      ['100.dat', 212, 200, 1024, 'mV', 11, 1024, 1011, 20052, 'V5'],
    ]);
  });

  it('decodes E3 33 F3 as 995 (MLII) and 1011 (V5), i.e. −0.145 mV on MLII', () => {
    const h = parseWfdbHeader(HEADER_100.replace('650000', '1'));
    if (!h.ok) throw new Error(h.error.reason);
    const s = readWfdbSamples(h.value, DAT_100_FIRST_FRAME);
    if (!s.ok) throw new Error(s.error.reason);
    expect([s.value[0]?.[0], s.value[1]?.[0]]).toEqual([995, 1011]);
    const mlii = h.value.signals[0];
    expect(((s.value[0]?.[0] ?? 0) - (mlii?.baseline ?? 0)) / (mlii?.gain ?? 1)).toBeCloseTo(-0.145, 10);
  });

  it('encodes the same frame in format 212 to the same three bytes', () => {
    const r = writeWfdb({
      name: '100',
      samplingFrequency: 360,
      format: 212,
      signals: [
        { description: 'MLII', gain: 200, baseline: 1024, units: 'mV', adcResolution: 11, adcZero: 1024 },
        { description: 'V5', gain: 200, baseline: 1024, units: 'mV', adcResolution: 11, adcZero: 1024 },
      ],
      samples: [Int32Array.of(995), Int32Array.of(1011)],
    });
    if (!r.ok) throw new Error(r.error.reason);
    expect([...r.value.dat]).toEqual([...DAT_100_FIRST_FRAME]);
    expect(r.value.header.split('\n')[1]).toBe('100.dat 212 200(1024)/mV 11 1024 995 995 0 MLII');
  });
});

describe('WFDB writer ↔ reader', () => {
  const record = (format: 16 | 212, lo: number, hi: number) =>
    fc.record({
      nsig: fc.integer({ min: 1, max: 3 }),
      n: fc.integer({ min: 0, max: 60 }),
      seed: fc.array(fc.integer({ min: lo, max: hi }), { minLength: 180, maxLength: 180 }),
      format: fc.constant(format),
    });
  for (const [format, lo, hi] of [
    [16, -32768, 32767],
    [212, -2048, 2047],
  ] as const) {
    it(`round-trips any samples in format ${format}, checksum and initial value included`, () => {
      fc.assert(
        fc.property(record(format, lo, hi), ({ nsig, n, seed }) => {
          const samples = Array.from({ length: nsig }, (_, s) =>
            Int32Array.from({ length: n }, (_, i) => seed[(s * 60 + i) % seed.length] ?? 0),
          );
          const w = writeWfdb({
            name: 'rt',
            samplingFrequency: 500,
            format,
            signals: samples.map((_, s) => ({ description: `ch ${s}`, gain: 1000, baseline: 0, units: 'mV' })),
            samples,
            baseTime: new Date('2026-11-23T10:15:30.250Z'),
          });
          if (!w.ok) throw new Error(w.error.reason);
          const h = parseWfdbHeader(w.value.header);
          if (!h.ok) throw new Error(h.error.reason);
          expect(h.value.baseTime).toBe('10:15:30.250');
          expect(h.value.baseDate).toBe('23/11/2026');
          expect(h.value.signals.map((s) => s.checksum)).toEqual(samples.map((s) => wfdbChecksum(s)));
          expect(h.value.signals.map((s) => s.description)).toEqual(samples.map((_, s) => `ch ${s}`));
          const back = readWfdbSamples(h.value, w.value.dat);
          if (!back.ok) throw new Error(back.error.reason);
          expect(back.value.map((a) => [...a])).toEqual(samples.map((a) => [...a]));
        }),
        { numRuns: 200 },
      );
    });
  }

  it('refuses a value that does not fit the format instead of wrapping it', () => {
    const r = writeWfdb({
      name: 'x',
      samplingFrequency: 250,
      format: 212,
      signals: [{ description: 'II', gain: 200, baseline: 0, units: 'mV' }],
      samples: [Int32Array.of(0, 2048)],
    });
    expect(r).toEqual({ ok: false, error: { field: 'samples.0.1', reason: '2048 does not fit format 212 (-2048…2047)' } });
  });
});

describe('segmentsToWfdb', () => {
  const seg = (index: number, data: string, last = false, extra: Record<string, unknown> = {}) =>
    sampleObservation(index + 1, {
      lane: 'waveform',
      value: undefined,
      sampledData: { origin: { value: 0, unit: 'mV' }, periodMs: 2, factor: 0.005, dimensions: 2, channels: ['I', 'II'], data, ...extra },
      segment: { recordingId: '0190a3c4-0000-7000-8000-000000000001', index, ...(last ? { last } : {}) },
    });

  it('concatenates segments in index order into one record: gain 1/factor, fs 1000/period, E → invalid', () => {
    const r = segmentsToWfdb([seg(1, '5 6 7 E', true), seg(0, '1 2 3 4')], { name: 'ecg' });
    if (!r.ok) throw new Error(r.error.reason);
    const h = parseWfdbHeader(r.value.header);
    if (!h.ok) throw new Error(h.error.reason);
    expect(h.value).toMatchObject({ samplingFrequency: 500, sampleCount: 4, signalCount: 2 });
    expect(h.value.signals[0]).toMatchObject({ format: 212, gain: 200, baseline: 0, units: 'mV', description: 'I' });
    const s = readWfdbSamples(h.value, r.value.dat);
    if (!s.ok) throw new Error(s.error.reason);
    expect(s.value.map((a) => [...a])).toEqual([
      [1, 3, 5, 7],
      [2, 4, 6, -2048],
    ]);
  });

  it('says which segment is missing or differs', () => {
    expect(segmentsToWfdb([seg(0, '1 2'), seg(2, '3 4')], { name: 'e' })).toMatchObject({ ok: false, error: { field: 'segments.1' } });
    expect(segmentsToWfdb([seg(0, '1 2'), seg(1, '3 4', true, { periodMs: 4 })], { name: 'e' })).toMatchObject({
      ok: false,
      error: { field: 'segments.1', reason: expect.stringContaining('differ') },
    });
  });
});
