/**
 * The ECG trace from the 'ecg' data channel on ECG paper (ecg-paper.ts): 25 mm/s and 10 mm/mV true
 * to scale on the calibrated screen, a 1 mm / 5 mm grid and the calibration pulse on a canvas
 * underneath, sweeping left to right, and the heart rate of the last 10 s. The channel is
 * unordered: chunks are put back in order by seq; one that never comes is skipped once a few later
 * ones wait, so the trace never stalls. Chunks come in the protocol's binary format (ecg-wire.ts); one
 * that is not is counted (`data-malformed`, the reason in `data-malformed-why`) and drawn nothing of.
 * The canvas' data- attributes tell its state (chunks drawn, first and last seq, dropped and skipped,
 * malformed, rate, scale), for the tests and for support.
 */
import { decodeEcgChunk } from '@telecart/protocol/ecg-wire';
import { calibrationPulse, gridLines, heartRate, type PaperGeometry, paperGeometry } from './ecg-paper.js';

interface Chunk {
  seq: number;
  t0: number;
  periodMs: number;
  factor: number;
  samples: number[];
}

/** The paper: 200 mm wide (7.6 s of trace after the calibration strip), 50 mm high (±2.5 mV). */
const PAPER_MM = { widthMm: 200, heightMm: 50 };
/** Seconds of trace the heart rate is computed over, and how often. */
const RATE_WINDOW_S = 10;
const RATE_EVERY_MS = 1000;
/** Chunks waited for at the start (or before skipping a missing one). */
const WAIT_FOR = 4;
const START_WAIT_MS = 150;

export interface EcgTrace {
  reset(): void;
  /** One message of the 'ecg' channel (an ArrayBuffer of the binary chunk); anything else is counted as malformed. */
  receive(data: unknown): void;
  /** The screen's CSS pixels per millimetre changed (calibration): the paper is redrawn to scale. */
  rescale(cssPxPerMm: number): void;
}

export interface EcgTraceOptions {
  /** The canvas under the trace: grid and calibration pulse. */
  grid: HTMLCanvasElement;
  cssPxPerMm: number;
  /** The heart rate of the last 10 s, or undefined when the trace shows no clear beats. */
  onRate(bpm: number | undefined): void;
}

export function ecgTrace(canvas: HTMLCanvasElement, o: EcgTraceOptions): EcgTrace {
  const g = canvas.getContext('2d');
  let geo: PaperGeometry = paperGeometry({ cssPxPerMm: o.cssPxPerMm, dpr: window.devicePixelRatio || 1, ...PAPER_MM });
  /** The last RATE_WINDOW_S of samples (mV) and their period, for the heart rate. */
  let recent: number[] = [];
  let recentPeriodMs = 0;
  let rateTimer: ReturnType<typeof setInterval> | undefined;
  let next: number | null = null;
  let buffer = new Map<number, Chunk>();
  let origin: number | null = null;
  let last: { x: number; y: number } | null = null;
  let drawn = 0;
  let dropped = 0;
  let skipped = 0;
  let malformed = 0;
  let startTimer: ReturnType<typeof setTimeout> | undefined;
  const mark = (name: string, value: string | number) => canvas.setAttribute(`data-${name}`, String(value));

  function layout(): void {
    for (const c of [canvas, o.grid]) {
      c.width = geo.width;
      c.height = geo.height;
      c.style.width = `${geo.cssWidth}px`;
      c.style.height = `${geo.cssHeight}px`;
    }
    mark('px-per-mm', (geo.pxPerMm / (window.devicePixelRatio || 1)).toFixed(3));
    const p = o.grid.getContext('2d');
    if (!p) return;
    p.clearRect(0, 0, geo.width, geo.height);
    for (const major of [false, true]) {
      p.strokeStyle = major ? '#e8a3a3' : '#f7d6d6';
      p.lineWidth = major ? Math.max(1, geo.pxPerMm / 6) : Math.max(0.5, geo.pxPerMm / 12);
      p.beginPath();
      for (const l of gridLines(geo).filter((x) => x.major === major)) {
        if (l.axis === 'x') {
          p.moveTo(l.at, 0);
          p.lineTo(l.at, geo.height);
        } else {
          p.moveTo(0, l.at);
          p.lineTo(geo.width, l.at);
        }
      }
      p.stroke();
    }
    p.strokeStyle = '#111';
    p.lineWidth = Math.max(1, geo.pxPerMm / 4);
    p.beginPath();
    for (const [i, q] of calibrationPulse(geo, geo.height / 2).entries()) i === 0 ? p.moveTo(q.x, q.y) : p.lineTo(q.x, q.y);
    p.stroke();
  }

  function rescale(cssPxPerMm: number): void {
    geo = paperGeometry({ cssPxPerMm, dpr: window.devicePixelRatio || 1, ...PAPER_MM });
    layout();
    origin = null;
    last = null;
  }

  function rate(): void {
    const bpm = recentPeriodMs > 0 ? heartRate(recent, recentPeriodMs) : undefined;
    mark('hr', bpm ?? '');
    o.onRate(bpm);
  }

  function reset(): void {
    clearTimeout(startTimer);
    startTimer = undefined;
    clearInterval(rateTimer);
    rateTimer = undefined;
    next = null;
    buffer = new Map();
    origin = null;
    last = null;
    recent = [];
    recentPeriodMs = 0;
    drawn = dropped = skipped = malformed = 0;
    g?.clearRect(0, 0, canvas.width, canvas.height);
    rate();
    mark('chunks', 0);
    mark('first-seq', '');
    mark('last-seq', '');
    mark('dropped', 0);
    mark('skipped', 0);
    mark('malformed', 0);
  }

  const lowest = () => Math.min(...buffer.keys());

  function draw(c: Chunk): void {
    const x0 = geo.traceX0;
    const w = geo.width - x0;
    const h = geo.height;
    const mid = h / 2;
    const { pxPerMs, pxPerMv } = geo;
    const gap = Math.round(3 * geo.pxPerMm);
    if (origin === null) origin = c.t0;
    if (recentPeriodMs !== c.periodMs) recent = [];
    recentPeriodMs = c.periodMs;
    for (const v of c.samples) recent.push(v * c.factor);
    const keep = Math.round((RATE_WINDOW_S * 1000) / c.periodMs);
    if (recent.length > keep) recent = recent.slice(recent.length - keep);
    rateTimer ??= setInterval(rate, RATE_EVERY_MS);
    if (g) {
      g.strokeStyle = '#111';
      g.lineWidth = Math.max(1.2, geo.pxPerMm / 3);
      g.beginPath();
      for (let i = 0; i < c.samples.length; i++) {
        const tms = c.t0 + i * c.periodMs;
        let x = ((tms - origin) * pxPerMs) % w;
        if (x < 0) x += w;
        x += x0;
        const y = mid - (c.samples[i] ?? 0) * c.factor * pxPerMv;
        if (last === null || x < last.x || x - last.x > 4 * c.periodMs * pxPerMs + 1) {
          g.clearRect(x, 0, gap, h);
          g.moveTo(x, y);
        } else {
          g.clearRect(last.x + 1, 0, Math.max(1, x - last.x) + gap, h);
          g.moveTo(last.x, last.y);
          g.lineTo(x, y);
        }
        last = { x, y };
      }
      g.stroke();
    }
    if (drawn === 0) mark('first-seq', c.seq);
    drawn++;
    mark('chunks', drawn);
    mark('last-seq', c.seq);
  }

  function drain(): void {
    if (next === null) return;
    // A chunk that never comes must not stall the trace: skip it once a few later ones wait.
    if (!buffer.has(next) && buffer.size > WAIT_FOR) {
      const low = lowest();
      skipped += low - next;
      mark('skipped', skipped);
      next = low;
      last = null;
    }
    for (let c = buffer.get(next); c; c = buffer.get(next)) {
      buffer.delete(next);
      draw(c);
      next++;
    }
  }

  function receive(data: unknown): void {
    const d =
      data instanceof ArrayBuffer ? decodeEcgChunk(new Uint8Array(data)) : { ok: false as const, error: `not binary (${typeof data})` };
    if (!d.ok) {
      malformed++;
      mark('malformed', malformed);
      mark('malformed-why', d.error);
      return;
    }
    const c: Chunk = d.chunk;
    if ((next !== null && c.seq < next) || buffer.has(c.seq)) {
      dropped++;
      mark('dropped', dropped);
      return;
    }
    buffer.set(c.seq, c);
    if (next === null) {
      // The first chunk to arrive may not be the first sent: wait briefly for the others.
      if (startTimer === undefined)
        startTimer = setTimeout(() => {
          next = lowest();
          drain();
        }, START_WAIT_MS);
      if (buffer.size <= WAIT_FOR) return;
      clearTimeout(startTimer);
      next = lowest();
    }
    drain();
  }

  layout();
  reset();
  return { reset, receive, rescale };
}
