/**
 * The ECG trace from the 'ecg' data channel: 25 mm/s, 10 mm/mV, sweeping left to right. The
 * channel is unordered: chunks are put back in order by seq; one that never comes is skipped once a
 * few later ones wait, so the trace never stalls. The canvas' data- attributes tell its state
 * (chunks drawn, first and last seq, dropped and skipped), for the tests and for support.
 */

interface Chunk {
  seq: number;
  t0: number;
  periodMs: number;
  factor: number;
  samples: number[];
}

const PX_PER_MM = 96 / 25.4;
/** Chunks waited for at the start (or before skipping a missing one). */
const WAIT_FOR = 4;
const START_WAIT_MS = 150;

function isChunk(c: unknown): c is Chunk {
  if (typeof c !== 'object' || c === null) return false;
  const k = c as Record<string, unknown>;
  return (
    typeof k.seq === 'number' &&
    typeof k.t0 === 'number' &&
    typeof k.periodMs === 'number' &&
    k.periodMs > 0 &&
    typeof k.factor === 'number' &&
    Array.isArray(k.samples) &&
    k.samples.length <= 4096
  );
}

export interface EcgTrace {
  reset(): void;
  /** One message of the 'ecg' channel (JSON); anything else is ignored. */
  receive(data: unknown): void;
}

export function ecgTrace(canvas: HTMLCanvasElement): EcgTrace {
  const g = canvas.getContext('2d');
  let next: number | null = null;
  let buffer = new Map<number, Chunk>();
  let origin: number | null = null;
  let last: { x: number; y: number } | null = null;
  let drawn = 0;
  let dropped = 0;
  let skipped = 0;
  let startTimer: ReturnType<typeof setTimeout> | undefined;
  const mark = (name: string, value: string | number) => canvas.setAttribute(`data-${name}`, String(value));

  function reset(): void {
    clearTimeout(startTimer);
    startTimer = undefined;
    next = null;
    buffer = new Map();
    origin = null;
    last = null;
    drawn = dropped = skipped = 0;
    g?.clearRect(0, 0, canvas.width, canvas.height);
    mark('chunks', 0);
    mark('first-seq', '');
    mark('last-seq', '');
    mark('dropped', 0);
    mark('skipped', 0);
  }

  const lowest = () => Math.min(...buffer.keys());

  function draw(c: Chunk): void {
    const w = canvas.width;
    const h = canvas.height;
    const mid = h / 2;
    const pxPerMs = (25 * PX_PER_MM) / 1000;
    const pxPerMv = 10 * PX_PER_MM;
    if (origin === null) origin = c.t0;
    if (g) {
      g.strokeStyle = '#111';
      g.lineWidth = 1.2;
      g.beginPath();
      for (let i = 0; i < c.samples.length; i++) {
        const tms = c.t0 + i * c.periodMs;
        let x = ((tms - origin) * pxPerMs) % w;
        if (x < 0) x += w;
        const y = mid - (c.samples[i] ?? 0) * c.factor * pxPerMv;
        if (last === null || x < last.x || x - last.x > 4 * c.periodMs * pxPerMs + 1) {
          g.clearRect(x, 0, 14, h);
          g.moveTo(x, y);
        } else {
          g.clearRect(last.x + 1, 0, Math.max(1, x - last.x) + 12, h);
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
    let c: unknown;
    try {
      c = JSON.parse(String(data));
    } catch {
      return;
    }
    if (!isChunk(c)) return;
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

  reset();
  return { reset, receive };
}
