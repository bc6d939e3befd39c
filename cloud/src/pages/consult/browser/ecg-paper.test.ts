import { describe, expect, it } from 'vitest';
import { EcgSyn } from '../../../../../firmware-sim/src/signals/ecgsyn.js';
import {
  CARD_WIDTH_MM,
  calibrationPulse,
  cssPxPerMmFromCard,
  gridLines,
  heartRate,
  NOMINAL_CSS_PX_PER_MM,
  paperGeometry,
} from './ecg-paper.js';

const ecg = (o: { hrMean: number; seconds: number; noiseMv?: number; seed?: number }) => {
  const fs = 256;
  const syn = new EcgSyn({ sampleRateHz: fs, hrMean: o.hrMean, hrStd: 1, noiseMv: o.noiseMv ?? 0, seed: o.seed ?? 7 });
  return Array.from({ length: fs * o.seconds }, () => syn.next());
};

describe('ECG paper geometry', () => {
  it('makes 25 mm/s and 10 mm/mV physical millimetres for the calibrated screen, on any pixel ratio', () => {
    for (const dpr of [1, 1.25, 2]) {
      const g = paperGeometry({ cssPxPerMm: 3.6, dpr, widthMm: 200, heightMm: 60 });
      expect(g.cssWidth).toBe(720);
      expect(g.cssHeight).toBe(216);
      expect(g.width).toBe(Math.round(720 * dpr));
      // One second is 25 mm, one millivolt 10 mm, in backing pixels.
      expect(g.pxPerMs * 1000).toBeCloseTo(25 * 3.6 * dpr, 9);
      expect(g.pxPerMv).toBeCloseTo(10 * 3.6 * dpr, 9);
    }
  });

  it('draws a 1 mm grid with every fifth line heavier', () => {
    const g = paperGeometry({ cssPxPerMm: NOMINAL_CSS_PX_PER_MM, dpr: 1, widthMm: 20, heightMm: 10 });
    const x = gridLines(g).filter((l) => l.axis === 'x');
    expect(x).toHaveLength(21);
    expect(x.filter((l) => l.major).map((l) => Math.round(l.at / g.pxPerMm))).toEqual([0, 5, 10, 15, 20]);
    expect((x[1]?.at ?? 0) - (x[0]?.at ?? 0)).toBeCloseTo(g.pxPerMm, 9);
  });

  it('draws the calibration pulse 10 mm high and 5 mm wide (1 mV for 200 ms)', () => {
    const g = paperGeometry({ cssPxPerMm: 4, dpr: 2, widthMm: 100, heightMm: 40 });
    const p = calibrationPulse(g, 100);
    const ys = p.map((q) => q.y);
    expect((Math.max(...ys) - Math.min(...ys)) / g.pxPerMm).toBeCloseTo(10, 9);
    expect(((p[3]?.x ?? 0) - (p[2]?.x ?? 0)) / g.pxPerMm).toBeCloseTo(5, 9);
    expect(Math.max(...p.map((q) => q.x))).toBeLessThanOrEqual(g.traceX0);
  });

  it('takes the screen density from a card matched on screen, refusing the absurd', () => {
    expect(cssPxPerMmFromCard(CARD_WIDTH_MM * 3.2)).toBeCloseTo(3.2, 9);
    expect(cssPxPerMmFromCard(20)).toBeUndefined();
    expect(cssPxPerMmFromCard(Number.NaN)).toBeUndefined();
  });
});

describe('heartRate', () => {
  it('finds the rate of a synthetic ECG (ECGSYN) at 48, 72 and 130 /min, also with noise', () => {
    for (const hr of [48, 72, 130]) {
      expect(Math.abs((heartRate(ecg({ hrMean: hr, seconds: 10 }), 1000 / 256) ?? 0) - hr)).toBeLessThanOrEqual(3);
      expect(Math.abs((heartRate(ecg({ hrMean: hr, seconds: 10, noiseMv: 0.05, seed: 3 }), 1000 / 256) ?? 0) - hr)).toBeLessThanOrEqual(3);
    }
  });

  it('says nothing for a flat line, a lead off (noise only) or too short a trace', () => {
    expect(heartRate(new Array(2560).fill(0), 1000 / 256)).toBeUndefined();
    expect(heartRate(ecg({ hrMean: 72, seconds: 2 }), 1000 / 256)).toBeUndefined();
    let s = 12345;
    const noise = Array.from({ length: 2560 }, () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return (s / 2 ** 31 - 0.5) * 0.02;
    });
    expect(heartRate(noise, 1000 / 256)).toBeUndefined();
  });
});
