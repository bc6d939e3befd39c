/**
 * ECGSYN (McSharry et al., IEEE TBME 50(3):289–294, 2003), after PhysioNet ecgsyn.m / derivsecgsyn.m:
 * a point circling the unit circle in (x, y) at ω = 2π/RR(t); z is
 * pushed by five Gaussian "events" (P, Q, R, S, T) at fixed angles, with a 0.25 Hz respiratory
 * baseline. RR(t) comes from a bimodal spectrum (Mayer waves at 0.1 Hz, RSA at 0.25 Hz) with
 * random phases, scaled to the mean and standard deviation asked for. RK4 at the internal rate,
 * decimated to the output rate, scaled to −0.4…1.2 mV. Seeded: same seed, same ECG.
 * Streaming: next() gives one sample; RR blocks of 256 s are generated as needed.
 */
import { Prng } from '../ble-devices/prng.js';

export interface EcgSynOptions {
  /** Output rate, Hz (default 256). */
  sampleRateHz?: number;
  /** Integration rate, an integer multiple of the output rate (default 2 × output). */
  internalRateHz?: number;
  /** Mean heart rate, /min (default 60). */
  hrMean?: number;
  /** Heart-rate standard deviation, /min (default 1). */
  hrStd?: number;
  /** LF/HF power ratio of the RR process (default 0.5). */
  lfHfRatio?: number;
  /** Uniform noise amplitude, mV (default 0). */
  noiseMv?: number;
  seed?: number;
}

// P, Q, R, S, T: angle (degrees), amplitude a, width b.
const THETA_DEG = [-70, -15, 0, 15, 100];
const A = [1.2, -5.0, 30.0, -7.5, 0.75];
const B = [0.25, 0.1, 0.1, 0.1, 0.4];

/** The RR process of ecgsyn.m's rrprocess(): n RR intervals (s) sampled at 1 Hz. */
export function rrProcess(rng: Prng, n: number, hrMean: number, hrStd: number, lfHfRatio: number): number[] {
  const w1 = 2 * Math.PI * 0.1;
  const w2 = 2 * Math.PI * 0.25;
  const c1 = 2 * Math.PI * 0.01;
  const c2 = 2 * Math.PI * 0.01;
  const rrMean = 60 / hrMean;
  const rrStd = (60 * hrStd) / (hrMean * hrMean);
  const half = n / 2;
  const hw = (w: number) =>
    (lfHfRatio * Math.exp(-((w - w1) ** 2) / (2 * c1 * c1))) / Math.sqrt(2 * Math.PI * c1 * c1) +
    Math.exp(-((w - w2) ** 2) / (2 * c2 * c2)) / Math.sqrt(2 * Math.PI * c2 * c2);
  const h0: number[] = [];
  for (let i = 0; i < half; i++) h0.push(hw((i * 2 * Math.PI) / n));
  for (let i = half - 1; i >= 0; i--) h0.push(h0[i] ?? 0);
  const sw = h0.map((h) => 0.5 * Math.sqrt(h));
  const ph0 = Array.from({ length: half - 1 }, () => 2 * Math.PI * rng.next());
  const ph = [0, ...ph0, 0, ...ph0.map((p) => -p).reverse()];
  // Inverse DFT, real part (n is small: 256).
  const x: number[] = [];
  for (let t = 0; t < n; t++) {
    let re = 0;
    for (let k = 0; k < n; k++) re += (sw[k] ?? 0) * Math.cos((ph[k] ?? 0) + (2 * Math.PI * k * t) / n);
    x.push(re / n);
  }
  const mean = x.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) || 1;
  return x.map((v) => rrMean + (v - mean) * (rrStd / sd));
}

export class EcgSyn {
  readonly sampleRateHz: number;
  private readonly internalRate: number;
  private readonly decimate: number;
  private readonly rng: Prng;
  private readonly theta: number[];
  private readonly b: number[];
  private state: [number, number, number] = [1, 0, 0.04];
  private t = 0;
  private rr: number[] = [];
  private rrStart = 0;
  private zMin = 0;
  private zMax = 1;

  constructor(private readonly o: EcgSynOptions = {}) {
    this.sampleRateHz = o.sampleRateHz ?? 256;
    this.internalRate = o.internalRateHz ?? 2 * this.sampleRateHz;
    this.decimate = Math.round(this.internalRate / this.sampleRateHz);
    if (this.decimate * this.sampleRateHz !== this.internalRate) throw new RangeError('internalRateHz must be a multiple of sampleRateHz');
    this.rng = new Prng(o.seed ?? 1);
    const hrFact = Math.sqrt((o.hrMean ?? 60) / 60);
    const scale = [Math.sqrt(hrFact), hrFact, 1, hrFact, Math.sqrt(hrFact)];
    this.theta = THETA_DEG.map((d, i) => ((d * Math.PI) / 180) * (scale[i] ?? 1));
    this.b = B.map((b) => b * hrFact);
    // Calibrate the mV scale on the first beats (ecgsyn.m scales the whole record to −0.4…1.2 mV).
    const probe: number[] = [];
    const saved = { state: [...this.state] as [number, number, number], t: this.t };
    for (let i = 0; i < 3 * this.internalRate; i++) probe.push(this.step());
    this.zMin = Math.min(...probe);
    this.zMax = Math.max(...probe);
    this.state = saved.state;
    this.t = saved.t;
  }

  /** Next output sample, mV. */
  next(): number {
    let z = 0;
    for (let i = 0; i < this.decimate; i++) z = this.step();
    const mv = -0.4 + ((z - this.zMin) * 1.6) / (this.zMax - this.zMin || 1);
    const noise = this.o.noiseMv ? this.o.noiseMv * (2 * this.rng.next() - 1) : 0;
    return mv + noise;
  }

  private rrAt(t: number): number {
    let i = Math.floor(t) - this.rrStart;
    while (i >= this.rr.length) {
      this.rrStart += this.rr.length;
      this.rr = rrProcess(this.rng, 256, this.o.hrMean ?? 60, this.o.hrStd ?? 1, this.o.lfHfRatio ?? 0.5);
      i = Math.floor(t) - this.rrStart;
    }
    return this.rr[Math.max(0, i)] ?? 60 / (this.o.hrMean ?? 60);
  }

  private deriv(t: number, [x, y, z]: readonly number[]): [number, number, number] {
    const w = (2 * Math.PI) / this.rrAt(t);
    const a = 1 - Math.sqrt((x ?? 0) ** 2 + (y ?? 0) ** 2);
    const th = Math.atan2(y ?? 0, x ?? 0);
    const z0 = 0.005 * Math.sin(2 * Math.PI * 0.25 * t);
    let dz = 0;
    for (let i = 0; i < 5; i++) {
      const d = (th - (this.theta[i] ?? 0)) % (2 * Math.PI);
      const b = this.b[i] ?? 1;
      dz -= (A[i] ?? 0) * d * Math.exp((-d * d) / (2 * b * b));
    }
    dz -= (z ?? 0) - z0;
    return [a * (x ?? 0) - w * (y ?? 0), a * (y ?? 0) + w * (x ?? 0), dz];
  }

  private step(): number {
    const h = 1 / this.internalRate;
    const s = this.state;
    const t = this.t;
    const add = (v: readonly number[], k: readonly number[], f: number) => v.map((x, i) => x + f * (k[i] ?? 0));
    const k1 = this.deriv(t, s);
    const k2 = this.deriv(t + h / 2, add(s, k1, h / 2));
    const k3 = this.deriv(t + h / 2, add(s, k2, h / 2));
    const k4 = this.deriv(t + h, add(s, k3, h));
    this.state = s.map((v, i) => v + (h / 6) * ((k1[i] ?? 0) + 2 * (k2[i] ?? 0) + 2 * (k3[i] ?? 0) + (k4[i] ?? 0))) as [
      number,
      number,
      number,
    ];
    this.t = t + h;
    return this.state[2];
  }
}
