/**
 * Pleth (PPG) after NeuroKit2's ppg_simulate (neurokit2/ppg/ppg_simulate.py): each beat drawn through
 * onset → systolic peak (~0.175 T, onset + N(1.5, 0.15)) → dicrotic notch (~0.40 T, 0.49 × peak)
 * → diastolic peak (~0.45 T, 0.51 × peak) → next onset, joined by Akima interpolation. Beat
 * periods carry a slow respiratory modulation; the inter-beat interval never drops below 300 ms.
 * Seeded; next() gives one sample in arbitrary units (about −0.3…2).
 */
import { Prng } from '../ble-devices/prng.js';
import { gaussian } from './gauss.js';

export interface PpgOptions {
  sampleRateHz?: number;
  hrMean?: number;
  /** Relative depth of the 0.05 Hz period modulation (default 0.05). */
  modulation?: number;
  seed?: number;
}

/** Akima spline through points (x increasing); returns f(x) for x within the range. */
export function akima(xs: readonly number[], ys: readonly number[]): (x: number) => number {
  const n = xs.length;
  const m: number[] = [];
  for (let i = 0; i < n - 1; i++) m.push(((ys[i + 1] ?? 0) - (ys[i] ?? 0)) / ((xs[i + 1] ?? 0) - (xs[i] ?? 0) || 1));
  // Two extrapolated slopes on each side (Akima 1970).
  const ext = [2 * (2 * (m[0] ?? 0) - (m[1] ?? 0)) - (m[0] ?? 0), 2 * (m[0] ?? 0) - (m[1] ?? 0), ...m];
  const last = m.length - 1;
  const e1 = 2 * (m[last] ?? 0) - (m[last - 1] ?? 0);
  ext.push(e1, 2 * e1 - (m[last] ?? 0));
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b, c, d] = [ext[i] ?? 0, ext[i + 1] ?? 0, ext[i + 2] ?? 0, ext[i + 3] ?? 0];
    const w1 = Math.abs(d - c);
    const w2 = Math.abs(b - a);
    t.push(w1 + w2 === 0 ? (b + c) / 2 : (w1 * b + w2 * c) / (w1 + w2));
  }
  return (x) => {
    let i = 0;
    while (i < n - 2 && x > (xs[i + 1] ?? 0)) i++;
    const x0 = xs[i] ?? 0;
    const h = (xs[i + 1] ?? 0) - x0 || 1;
    const s = (x - x0) / h;
    const y0 = ys[i] ?? 0;
    const y1 = ys[i + 1] ?? 0;
    const h00 = 2 * s ** 3 - 3 * s ** 2 + 1;
    const h10 = s ** 3 - 2 * s ** 2 + s;
    const h01 = -2 * s ** 3 + 3 * s ** 2;
    const h11 = s ** 3 - s ** 2;
    return h00 * y0 + h10 * h * (t[i] ?? 0) + h01 * y1 + h11 * h * (t[i + 1] ?? 0);
  };
}

export class Ppg {
  readonly sampleRateHz: number;
  private readonly rng: Prng;
  private t = 0;
  private beatStart = 0;
  private beatEnd = 0;
  private curve: (x: number) => number = () => 0;
  private nextOnset: number;

  constructor(private readonly o: PpgOptions = {}) {
    this.sampleRateHz = o.sampleRateHz ?? 75;
    this.rng = new Prng(o.seed ?? 1);
    this.nextOnset = gaussian(this.rng, 0, 0.1);
    this.newBeat();
  }

  next(): number {
    while (this.t >= this.beatEnd) this.newBeat();
    const v = this.curve(this.t - this.beatStart);
    this.t += 1 / this.sampleRateHz;
    return v;
  }

  private newBeat(): void {
    const base = 60 / (this.o.hrMean ?? 70);
    const period = Math.max(0.3, base * (1 + (this.o.modulation ?? 0.05) * Math.sin(2 * Math.PI * 0.05 * this.beatEnd)));
    const onset = this.nextOnset;
    this.nextOnset = gaussian(this.rng, 0, 0.1);
    const peak = onset + gaussian(this.rng, 1.5, 0.15);
    const xs = [
      0,
      gaussian(this.rng, 0.175, 0.01) * period,
      gaussian(this.rng, 0.4, 0.001) * period,
      gaussian(this.rng, 0.45, 0.001) * period,
      period,
    ];
    const ys = [onset, peak, 0.49 * peak, 0.51 * peak, this.nextOnset];
    this.curve = akima(xs, ys);
    this.beatStart = this.beatEnd;
    this.beatEnd = this.beatStart + period;
  }
}
