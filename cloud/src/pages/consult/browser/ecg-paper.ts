/**
 * ECG paper as clinicians read it, as pure functions (no DOM; unit-tested in Node): 25 mm/s and
 * 10 mm/mV true to scale on the screen, a 1 mm / 5 mm grid, the 1 mV × 200 ms calibration pulse,
 * and the heart rate from the trace's R peaks.
 *
 * True to scale needs the screen's CSS pixels per millimetre. CSS says 96 px per inch, but a
 * screen's real density differs (a 24" full-HD monitor shows a CSS mm as about 0.95 mm, a 13"
 * laptop at 100 % zoom as 0.7 mm), so the page lets the specialist calibrate: match a bar to a
 * payment card's width (ISO/IEC 7810 ID-1: 85.60 mm). The factor is kept in the browser.
 */

/** CSS's own millimetre: 96 px per inch. */
export const NOMINAL_CSS_PX_PER_MM = 96 / 25.4;
/** ISO/IEC 7810 ID-1 (a payment card): what the specialist holds against the screen. */
export const CARD_WIDTH_MM = 85.6;
export const PAPER_SPEED_MM_PER_S = 25;
export const GAIN_MM_PER_MV = 10;
/** The standard calibration pulse: 1 mV for 200 ms (10 mm high, 5 mm wide). */
export const CAL_PULSE = { mv: 1, ms: 200 } as const;
/** Width of the calibration strip at the left of the paper, mm (pulse plus margins). */
export const CAL_STRIP_MM = 10;

export interface PaperGeometry {
  /** CSS size of the canvas: what makes a millimetre a millimetre. */
  cssWidth: number;
  cssHeight: number;
  /** Backing store size (CSS size × device pixel ratio): sharp lines on dense screens. */
  width: number;
  height: number;
  /** Backing pixels per mm of paper. */
  pxPerMm: number;
  /** Backing pixels per millisecond (25 mm/s) and per millivolt (10 mm/mV). */
  pxPerMs: number;
  pxPerMv: number;
  /** Where the trace sweeps: right of the calibration strip. */
  traceX0: number;
}

export function paperGeometry(o: { cssPxPerMm: number; dpr: number; widthMm: number; heightMm: number }): PaperGeometry {
  const cssWidth = Math.round(o.widthMm * o.cssPxPerMm);
  const cssHeight = Math.round(o.heightMm * o.cssPxPerMm);
  const dpr = o.dpr > 0 && Number.isFinite(o.dpr) ? o.dpr : 1;
  const pxPerMm = o.cssPxPerMm * dpr;
  return {
    cssWidth,
    cssHeight,
    width: Math.round(cssWidth * dpr),
    height: Math.round(cssHeight * dpr),
    pxPerMm,
    pxPerMs: (PAPER_SPEED_MM_PER_S * pxPerMm) / 1000,
    pxPerMv: GAIN_MM_PER_MV * pxPerMm,
    traceX0: Math.round(CAL_STRIP_MM * pxPerMm),
  };
}

export interface GridLine {
  /** 'x': a vertical line at x; 'y': a horizontal line at y (backing pixels). */
  axis: 'x' | 'y';
  at: number;
  /** Every fifth line (5 mm: 0.2 s, 0.5 mV) is drawn heavier. */
  major: boolean;
}

export function gridLines(g: PaperGeometry): GridLine[] {
  const out: GridLine[] = [];
  const mmX = Math.floor(g.width / g.pxPerMm);
  const mmY = Math.floor(g.height / g.pxPerMm);
  for (let i = 0; i <= mmX; i++) out.push({ axis: 'x', at: i * g.pxPerMm, major: i % 5 === 0 });
  for (let i = 0; i <= mmY; i++) out.push({ axis: 'y', at: i * g.pxPerMm, major: i % 5 === 0 });
  return out;
}

/** The calibration pulse as a polyline (backing pixels), on the baseline y0, in the left strip. */
export function calibrationPulse(g: PaperGeometry, y0: number): { x: number; y: number }[] {
  const x0 = 2 * g.pxPerMm;
  const w = CAL_PULSE.ms * g.pxPerMs;
  const top = y0 - CAL_PULSE.mv * g.pxPerMv;
  return [
    { x: x0 - g.pxPerMm, y: y0 },
    { x: x0, y: y0 },
    { x: x0, y: top },
    { x: x0 + w, y: top },
    { x: x0 + w, y: y0 },
    { x: x0 + w + g.pxPerMm, y: y0 },
  ];
}

/** CSS px per mm from a calibration: the bar's CSS width that matched the card. Refuses the absurd. */
export function cssPxPerMmFromCard(barCssWidth: number): number | undefined {
  const v = barCssWidth / CARD_WIDTH_MM;
  return Number.isFinite(v) && v >= 1.5 && v <= 12 ? v : undefined;
}

/**
 * Heart rate (/min) from an ECG trace in mV sampled every periodMs, or undefined when the trace
 * does not show at least four clear beats at a plausible rate. A Pan–Tompkins-style detector:
 * slope, squared, integrated over 150 ms, peaks above 40 % of the strongest, 250 ms refractory; a trace
 * whose strongest energy is not 8 times its median (noise, a lead off) has no rate;
 * (at most 240 /min); the rate is 60,000 over the median RR, so one missed or extra beat does not
 * move it.
 */
export function heartRate(samplesMv: readonly number[], periodMs: number): number | undefined {
  const n = samplesMv.length;
  if (n < 4 || !(periodMs > 0)) return undefined;
  const win = Math.max(1, Math.round(150 / periodMs));
  const energy = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    const slope = ((samplesMv[i + 1] ?? 0) - (samplesMv[i - 1] ?? 0)) / 2;
    energy[i] = slope * slope;
  }
  const integrated = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += energy[i] ?? 0;
    if (i >= win) sum -= energy[i - win] ?? 0;
    integrated[i] = sum / win;
  }
  let max = 0;
  for (const v of integrated) if (v > max) max = v;
  const median = [...integrated].sort((a, b) => a - b)[Math.floor(n / 2)] ?? 0;
  // QRS complexes stand far above the rest of the trace; noise (a lead off) does not.
  if (max <= 0 || max < 8 * median) return undefined;
  const threshold = 0.4 * max;
  const refractory = Math.round(250 / periodMs);
  const peaks: number[] = [];
  for (let i = 1; i < n - 1; i++) {
    const v = integrated[i] ?? 0;
    if (v < threshold || v < (integrated[i - 1] ?? 0) || v < (integrated[i + 1] ?? 0)) continue;
    const prev = peaks.at(-1);
    if (prev !== undefined && i - prev < refractory) {
      if (v > (integrated[prev] ?? 0)) peaks[peaks.length - 1] = i;
      continue;
    }
    peaks.push(i);
  }
  if (peaks.length < 4) return undefined;
  const rr = peaks
    .slice(1)
    .map((p, k) => (p - (peaks[k] ?? 0)) * periodMs)
    .sort((a, b) => a - b);
  const medianRr = rr[Math.floor(rr.length / 2)] ?? 0;
  const bpm = 60_000 / medianRr;
  return bpm >= 20 && bpm <= 240 ? Math.round(bpm) : undefined;
}
