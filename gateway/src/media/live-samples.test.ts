import type { EcgChunk } from '@telecart/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EcgChunker, type LiveSamples } from './live-samples.js';

const PERIOD = 1000 / 256;

function collect(opts: { chunkSamples?: number; lead?: string } = {}) {
  const chunks: EcgChunk[] = [];
  return { chunks, chunker: new EcgChunker({ ...opts, onChunk: (c) => chunks.push(c) }) };
}

const packet = (t0: number, values: (number | null)[], deviceId = 'serial:ecg-1', leads = ['II']): LiveSamples => ({
  deviceId,
  leads,
  t0,
  periodMs: PERIOD,
  factor: 0.001714,
  rows: values.map((v) => [v]),
});

describe('EcgChunker', () => {
  it('cuts consecutive samples into chunks that follow the sample clock, whatever the receive jitter', () => {
    const { chunks, chunker } = collect({ chunkSamples: 4 });
    // One sample per packet (as the serial service sends them), received with ±3 ms of jitter.
    const jitter = [0, 3, -2, 1, -3, 2, 0, 1, -1, 2];
    for (let i = 0; i < 10; i++) chunker.push(packet(1000 + i * PERIOD + (jitter[i] ?? 0), [i]));
    chunker.flush();
    expect(chunks.map((c) => c.samples)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(chunks.map((c) => c.seq)).toEqual([0, 1, 2]);
    expect(chunks.map((c) => c.t0)).toEqual([1000, 1000 + 4 * PERIOD, 1000 + 8 * PERIOD]);
    expect(chunks.every((c) => c.lead === 'II' && c.periodMs === PERIOD)).toBe(true);
  });

  it('a lost sample ends the chunk; the next starts at its own receive time', () => {
    const { chunks, chunker } = collect({ chunkSamples: 32 });
    chunker.push(packet(0, [1, 2, 3, null, null, 6, 7]));
    chunker.flush();
    expect(chunks.map((c) => [c.t0, c.samples])).toEqual([
      [0, [1, 2, 3]],
      [5 * PERIOD, [6, 7]],
    ]);
  });

  it('picks the configured lead, and drops a device that does not have it', () => {
    const { chunks, chunker } = collect({ lead: 'V1' });
    chunker.push({
      ...packet(0, []),
      leads: ['II', 'V1'],
      rows: [
        [1, 10],
        [2, 20],
      ],
    });
    chunker.push({ ...packet(10, []), deviceId: 'serial:other', leads: ['II'], rows: [[5]] });
    chunker.flush();
    expect(chunks).toEqual([{ seq: 0, t0: 0, periodMs: PERIOD, lead: 'V1', factor: 0.001714, samples: [10, 20] }]);
  });

  it('follows one device: a second one sending at the same time is ignored until the first has been silent 2 s', () => {
    const { chunks, chunker } = collect({ chunkSamples: 8 });
    for (let i = 0; i < 16; i++) {
      chunker.push(packet(i * PERIOD, [i], 'serial:a'));
      chunker.push(packet(i * PERIOD + 1, [1000 + i], 'serial:b'));
    }
    const lastA = 15 * PERIOD;
    chunker.push(packet(lastA + 1999, [2000], 'serial:b'));
    chunker.push(packet(lastA + 2001, [2001], 'serial:b'));
    chunker.flush();
    expect(chunks.map((c) => c.samples)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15], [2001]]);
  });

  it('t0 never goes back, even for a device whose clock runs fast (receive times fall over 1 s behind the sample clock)', () => {
    const { chunks, chunker } = collect({ chunkSamples: 64 });
    // 3 % fast: 600 samples take 2.27 s of receive time but 2.34 s of sample clock.
    for (let i = 0; i < 600; i++) chunker.push(packet(i * PERIOD * 0.97 - (i > 400 ? 1100 : 0), [i]));
    chunker.flush();
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.t0).toBeGreaterThan(chunks[i - 1]!.t0);
    expect(chunks.flatMap((c) => c.samples)).toEqual(Array.from({ length: 600 }, (_, i) => i));
  });

  it('property: every good sample goes out once, in order; seq counts chunks; t0 strictly increases; no chunk spans a loss', () => {
    const row = fc.option(fc.integer({ min: -512, max: 511 }), { freq: 12, nil: null });
    const pkt = fc.record({
      rows: fc.array(row, { minLength: 1, maxLength: 12 }),
      jitter: fc.integer({ min: -20, max: 20 }),
      pause: fc.nat(1500),
    });
    fc.assert(
      fc.property(fc.array(pkt, { maxLength: 80 }), fc.integer({ min: 1, max: 40 }), (pkts, chunkSamples) => {
        const { chunks, chunker } = collect({ chunkSamples });
        let t = 0;
        const runs: number[][] = [[]];
        for (const p of pkts) {
          t += p.pause < 1400 ? 0 : p.pause; // now and then a pause (a slow USB read, a replug)
          chunker.push(packet(t + p.jitter, p.rows));
          for (const v of p.rows) {
            if (v === null) runs.push([]);
            else runs.at(-1)?.push(v);
          }
          t += p.rows.length * PERIOD;
        }
        chunker.flush();
        expect(chunks.flatMap((c) => c.samples)).toEqual(runs.flat());
        chunks.forEach((c, i) => {
          expect(c.seq).toBe(i);
          expect(c.samples.length).toBeGreaterThan(0);
          expect(c.samples.length).toBeLessThanOrEqual(chunkSamples);
          if (i > 0) expect(c.t0).toBeGreaterThanOrEqual(chunks[i - 1]!.t0 + chunks[i - 1]!.samples.length * PERIOD - 1e-6);
        });
        // A chunk lies within one run of consecutive samples.
        let k = 0;
        for (const run of runs.filter((r) => r.length > 0)) {
          let taken = 0;
          while (taken < run.length) {
            const c = chunks[k++];
            expect(c).toBeDefined();
            expect(c?.samples).toEqual(run.slice(taken, taken + (c?.samples.length ?? 0)));
            taken += c?.samples.length ?? 0;
          }
          expect(taken).toBe(run.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
