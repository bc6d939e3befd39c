/**
 * Synthetic heart sounds (phonocardiogram) for the simulated stethoscope, from textbook timings (no
 * published synthesis model is followed): S1 as two Gaussian-windowed sinusoids (M1, T1 ~25 ms apart, 30–150 Hz)
 * ~50 ms after the beat's QRS, S2 as A2 + P2 (50–250 Hz) at end-systole with a split that widens on
 * inspiration, band-limited noise (20–400 Hz), and an optional systolic murmur (crescendo–decrescendo
 * band-passed noise). Seeded: the same options give the same samples.
 *
 * For the capture tests it can add a constant test tone (e.g. 3 kHz, to show the path keeps ≥ 4 kHz
 * of bandwidth) and a level schedule (quiet / loud sections, to show no AGC flattens them).
 */
import { Prng } from '../ble-devices/prng.js';

export interface HeartSoundOptions {
  sampleRateHz: number;
  heartRateBpm: number;
  seed: number;
  /** Peak amplitude of S1, full scale = 1. Default 0.5. */
  amplitude?: number;
  /** Systolic murmur amplitude (0 = none). Default 0. */
  murmur?: number;
  /** Background noise (20–400 Hz) amplitude. Default 0.01. */
  noise?: number;
  /** A constant sinusoid added to the sounds. */
  testTone?: { frequencyHz: number; amplitude: number };
  /** Gain steps applied to everything, each held `periodS` seconds, cycling. */
  levels?: { periodS: number; gains: readonly number[] };
}

interface Burst {
  /** Centre, s from the start of the beat. */
  at: number;
  freq: number;
  amp: number;
  /** Gaussian sigma, s. */
  sigma: number;
}

const RESPIRATION_HZ = 0.25;

/** A sinusoid under a Gaussian window, added into `out` (beat-relative time). */
function addBurst(out: Float32Array, rate: number, b: Burst): void {
  const from = Math.max(0, Math.floor((b.at - 4 * b.sigma) * rate));
  const to = Math.min(out.length, Math.ceil((b.at + 4 * b.sigma) * rate));
  for (let i = from; i < to; i++) {
    const dt = i / rate - b.at;
    out[i] = (out[i] ?? 0) + b.amp * Math.exp(-0.5 * (dt / b.sigma) ** 2) * Math.sin(2 * Math.PI * b.freq * dt);
  }
}

/** A stream of heart-sound samples: call next(n) for the following n samples (float, full scale ±1). */
export class HeartSoundGenerator {
  private readonly rate: number;
  private readonly prng: Prng;
  private readonly amp: number;
  private beat: Float32Array = new Float32Array(0);
  private beatPos = 0;
  private beatStart = 0;
  /** Samples produced so far. */
  private t = 0;
  // One-pole low-pass states for the band-limited noise (400 Hz minus 20 Hz → 20–400 Hz).
  private lpHi = 0;
  private lpLo = 0;
  private murmurLp = 0;
  private murmurHp = 0;

  constructor(private readonly opts: HeartSoundOptions) {
    if (!(opts.sampleRateHz >= 1000)) throw new RangeError(`sampleRateHz ${opts.sampleRateHz}: at least 1000`);
    if (!(opts.heartRateBpm >= 30 && opts.heartRateBpm <= 200)) throw new RangeError(`heartRateBpm ${opts.heartRateBpm}: 30–200`);
    this.rate = opts.sampleRateHz;
    this.prng = new Prng(opts.seed);
    this.amp = opts.amplitude ?? 0.5;
  }

  /** Times (s) of each S1 and S2 centre so far, for tests. */
  readonly events: { s1: number; s2: number }[] = [];

  next(n: number): Float32Array {
    const out = new Float32Array(n);
    const { rate } = this;
    const noise = this.opts.noise ?? 0.01;
    const aHi = 1 - Math.exp((-2 * Math.PI * 400) / rate);
    const aLo = 1 - Math.exp((-2 * Math.PI * 20) / rate);
    const tone = this.opts.testTone;
    const levels = this.opts.levels;
    for (let i = 0; i < n; i++) {
      if (this.beatPos >= this.beat.length) this.nextBeat();
      let v = this.beat[this.beatPos++] ?? 0;
      const w = this.prng.next() * 2 - 1;
      this.lpHi += aHi * (w - this.lpHi);
      this.lpLo += aLo * (w - this.lpLo);
      v += noise * 4 * (this.lpHi - this.lpLo);
      const ts = this.t / rate;
      if (tone) v += tone.amplitude * Math.sin(2 * Math.PI * tone.frequencyHz * ts);
      if (levels && levels.gains.length > 0) v *= levels.gains[Math.floor(ts / levels.periodS) % levels.gains.length] ?? 1;
      out[i] = v;
      this.t++;
    }
    return out;
  }

  /** Lays out the next beat: RR with a little variability, S1 after the QRS, S2 at end-systole. */
  private nextBeat(): void {
    const { rate, prng, amp } = this;
    this.beatStart += this.beat.length / rate;
    const rr = (60 / this.opts.heartRateBpm) * (0.97 + 0.06 * prng.next());
    const beat = new Float32Array(Math.round(rr * rate));
    const inspiration = 0.5 + 0.5 * Math.sin(2 * Math.PI * RESPIRATION_HZ * this.beatStart);
    const s1 = 0.05;
    // Systole ≈ 0.3–0.35 s at 60–75 bpm, shorter when the rate rises.
    const s2 = s1 + 0.33 * Math.sqrt(rr);
    const split = 0.02 + 0.04 * inspiration;
    addBurst(beat, rate, { at: s1, freq: 50 + 10 * prng.next(), amp, sigma: 0.018 });
    addBurst(beat, rate, { at: s1 + 0.025, freq: 70 + 10 * prng.next(), amp: 0.7 * amp, sigma: 0.016 });
    addBurst(beat, rate, { at: s2, freq: 110 + 20 * prng.next(), amp: 0.7 * amp, sigma: 0.012 });
    addBurst(beat, rate, { at: s2 + split, freq: 90 + 20 * prng.next(), amp: 0.45 * amp, sigma: 0.012 });
    const murmur = this.opts.murmur ?? 0;
    if (murmur > 0) {
      // Band-passed noise (~100–300 Hz), diamond-shaped between S1 and S2.
      const from = Math.round((s1 + 0.07) * rate);
      const to = Math.round((s2 - 0.04) * rate);
      const aLp = 1 - Math.exp((-2 * Math.PI * 300) / rate);
      const aHp = 1 - Math.exp((-2 * Math.PI * 100) / rate);
      for (let i = from; i < to; i++) {
        const w = prng.next() * 2 - 1;
        this.murmurLp += aLp * (w - this.murmurLp);
        this.murmurHp += aHp * (this.murmurLp - this.murmurHp);
        const x = (i - from) / (to - from);
        beat[i] = (beat[i] ?? 0) + murmur * 3 * (1 - Math.abs(2 * x - 1)) * (this.murmurLp - this.murmurHp);
      }
    }
    this.events.push({ s1: this.beatStart + s1, s2: this.beatStart + s2 });
    if (this.events.length > 1000) this.events.shift();
    this.beat = beat;
    this.beatPos = 0;
  }
}

/** Float samples (±1) → 16-bit signed little-endian PCM, clipped. */
export function toPcm16(samples: Float32Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i] ?? 0));
    out.writeInt16LE(Math.round(v * 32767), i * 2);
  }
  return out;
}
