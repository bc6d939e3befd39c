import { describe, expect, it } from 'vitest';
import { HeartSoundGenerator, toPcm16 } from './heart-sounds.js';

const RATE = 4000;

function energy(x: Float32Array, from: number, to: number): number {
  let e = 0;
  for (let i = Math.max(0, Math.floor(from)); i < Math.min(x.length, Math.ceil(to)); i++) e += (x[i] ?? 0) ** 2;
  return e;
}

describe('HeartSoundGenerator', () => {
  it('is seeded: the same options give the same samples, another seed others', () => {
    const a = new HeartSoundGenerator({ sampleRateHz: RATE, heartRateBpm: 72, seed: 1 }).next(8000);
    const b = new HeartSoundGenerator({ sampleRateHz: RATE, heartRateBpm: 72, seed: 1 }).next(8000);
    const c = new HeartSoundGenerator({ sampleRateHz: RATE, heartRateBpm: 72, seed: 2 }).next(8000);
    expect(toPcm16(a).equals(toPcm16(b))).toBe(true);
    expect(toPcm16(a).equals(toPcm16(c))).toBe(false);
  });

  it('puts S1 and S2 once per beat at the heart rate, S2 a systole (~0.3 s) after S1, with most energy around them', () => {
    const g = new HeartSoundGenerator({ sampleRateHz: RATE, heartRateBpm: 60, seed: 3, noise: 0 });
    const x = g.next(10 * RATE);
    const beats = g.events.filter((e) => e.s2 < 10);
    expect(beats.length).toBeGreaterThanOrEqual(9);
    expect(beats.length).toBeLessThanOrEqual(11);
    for (const e of beats) expect(e.s2 - e.s1).toBeGreaterThan(0.28);
    let near = 0;
    for (const e of beats)
      near += energy(x, (e.s1 - 0.08) * RATE, (e.s1 + 0.1) * RATE) + energy(x, (e.s2 - 0.05) * RATE, (e.s2 + 0.1) * RATE);
    expect(near / energy(x, 0, x.length)).toBeGreaterThan(0.95);
  });

  it('adds a systolic murmur between S1 and S2 only when asked', () => {
    const quiet = new HeartSoundGenerator({ sampleRateHz: RATE, heartRateBpm: 60, seed: 4, noise: 0 });
    const murmur = new HeartSoundGenerator({ sampleRateHz: RATE, heartRateBpm: 60, seed: 4, noise: 0, murmur: 0.1 });
    const a = quiet.next(3 * RATE);
    const b = murmur.next(3 * RATE);
    const e = murmur.events[1];
    if (!e) throw new Error('no beat');
    const mid = ((e.s1 + e.s2) / 2) * RATE;
    expect(energy(b, mid - 100, mid + 100)).toBeGreaterThan(100 * energy(a, mid - 100, mid + 100) + 1e-6);
  });
});
