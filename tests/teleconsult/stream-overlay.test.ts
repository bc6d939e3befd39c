/**
 * The simulated camera's live RTSP stream shows where the camera points: frames are pulled from the
 * stream with GStreamer (rtspsrc → H.264 decode → 8-bit luma on stdout), the camera is moved
 * (PtzModel.absoluteMove), frames are pulled again. Pixels only, no OCR: the overlay box changes and
 * its pan gauge's marker moves right, the rest of the colour bars does not change, and every frame
 * carries the overlay (it used to blink or lag, depending on the text refresh rate).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { systemClock } from '@telecart/devices';
import { type LiveStream, PtzModel, startLiveStream } from '@telecart/firmware-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';

const W = 640;
const H = 360;
const FRAME = W * H;

/** Pulls decoded luma frames from an RTSP URI, keeping the newest few. */
class FramePuller {
  readonly frames: Buffer[] = [];
  count = 0;
  private pending = Buffer.alloc(0);
  private readonly child: ChildProcess;

  constructor(uri: string) {
    this.child = spawn(
      'gst-launch-1.0',
      [
        '-q',
        'rtspsrc',
        `location=${uri}`,
        'protocols=tcp',
        'latency=0',
        '!',
        'rtph264depay',
        '!',
        'avdec_h264',
        '!',
        'videoconvert',
        '!',
        `video/x-raw,format=GRAY8,width=${W},height=${H}`,
        '!',
        'fdsink',
        'fd=1',
        'sync=false',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    this.child.stdout?.on('data', (d: Buffer) => {
      this.pending = Buffer.concat([this.pending, d]);
      while (this.pending.length >= FRAME) {
        this.frames.push(Buffer.from(this.pending.subarray(0, FRAME)));
        this.pending = this.pending.subarray(FRAME);
        this.count++;
        if (this.frames.length > 8) this.frames.shift();
      }
    });
  }

  /** The next `n` frames decoded from now on. */
  async next(n: number): Promise<Buffer[]> {
    const target = this.count + n;
    await waitFor(() => this.count >= target, { timeoutMs: 10_000, what: `${n} frames from the camera stream` });
    return this.frames.slice(-n);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/** The pattern as videotestsrc draws it, without overlay or encoding. */
function referencePattern(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      'gst-launch-1.0',
      [
        '-q',
        'videotestsrc',
        'num-buffers=1',
        'pattern=smpte75',
        '!',
        `video/x-raw,width=${W},height=${H}`,
        '!',
        'videoconvert',
        '!',
        'video/x-raw,format=GRAY8',
        '!',
        'fdsink',
        'fd=1',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const parts: Buffer[] = [];
    c.stdout.on('data', (d: Buffer) => parts.push(d));
    c.once('close', () => {
      const b = Buffer.concat(parts);
      if (b.length === FRAME) resolve(b);
      else reject(new Error(`reference frame of ${b.length} bytes`));
    });
  });
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function boxWhere(pred: (i: number) => boolean): Box | null {
  let box: Box | null = null;
  for (let i = 0; i < FRAME; i++) {
    if (!pred(i)) continue;
    const x = i % W;
    const y = Math.floor(i / W);
    box = box
      ? { x0: Math.min(box.x0, x), y0: Math.min(box.y0, y), x1: Math.max(box.x1, x), y1: Math.max(box.y1, y) }
      : { x0: x, y0: y, x1: x, y1: y };
  }
  return box;
}

const inBox = (b: Box, i: number, margin = 0) => {
  const x = i % W;
  const y = Math.floor(i / W);
  return x >= b.x0 - margin && x <= b.x1 + margin && y >= b.y0 - margin && y <= b.y1 + margin;
};

/** Mean x of the pixels in rows [y0, y1] of `box` where pred holds. */
function centroidX(box: Box, y0: number, y1: number, pred: (i: number) => boolean): number {
  let sum = 0;
  let n = 0;
  for (let y = y0; y <= y1; y++)
    for (let x = box.x0; x <= box.x1; x++)
      if (pred(y * W + x)) {
        sum += x;
        n++;
      }
  return n === 0 ? Number.NaN : sum / n;
}

describe('the simulated camera stream follows its pan/tilt/zoom', () => {
  let model: PtzModel;
  let stream: LiveStream;
  let puller: FramePuller;
  let reference: Buffer;

  beforeAll(async () => {
    model = new PtzModel({ clock: systemClock, maxSpeed: { panTilt: 8, zoom: 8 } });
    stream = await startLiveStream({ host: '127.0.0.1', width: W, height: H, fps: 10, bitrateKbps: 800, position: () => model.position() });
    reference = await referencePattern();
    puller = new FramePuller(stream.uri);
  }, 20_000);

  afterAll(async () => {
    puller?.stop();
    await stream?.stop();
  });

  const settle = async (pan: number): Promise<Buffer[]> => {
    model.absoluteMove({ pan, tilt: 0, zoom: 0 });
    await waitFor(() => model.moveStatus().panTilt === 'IDLE', { timeoutMs: 5_000, what: 'the camera to get there' });
    await puller.next(3); // frames drawn while the overlay caught up
    return puller.next(5);
  };

  it('the overlay box changes with pan, its gauge marker moves right; the colour bars stay as they were', async () => {
    const left = await settle(-0.8);
    const right = await settle(0.8);
    const a = left.at(-1) as Buffer;
    const b = right.at(-1) as Buffer;

    // The overlay is where the frame differs from the bare pattern: a box in the top-left corner.
    const box = boxWhere((i) => Math.abs((a[i] ?? 0) - (reference[i] ?? 0)) > 48 || Math.abs((b[i] ?? 0) - (reference[i] ?? 0)) > 48);
    expect(box).not.toBeNull();
    const o = box as Box;
    expect(o.x0).toBeLessThan(W * 0.2);
    expect(o.y0).toBeLessThan(H * 0.2);
    expect(o.y1).toBeLessThan(H * 0.4);
    expect(o.x1 - o.x0).toBeGreaterThan(W * 0.3);

    // Every frame carries the overlay: no frame shows the bare pattern in the box.
    for (const f of [...left, ...right]) {
      let marked = 0;
      for (let i = 0; i < FRAME; i++) if (inBox(o, i) && Math.abs((f[i] ?? 0) - (reference[i] ?? 0)) > 48) marked++;
      expect(marked).toBeGreaterThan(((o.x1 - o.x0) * (o.y1 - o.y0)) / 4);
    }

    // Outside the box (a few pixels of codec bleed aside) nothing changed.
    let outside = 0;
    let outsideSum = 0;
    let outsideBig = 0;
    let insideBig = 0;
    for (let i = 0; i < FRAME; i++) {
      const d = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
      if (inBox(o, i, 8)) {
        if (inBox(o, i) && d > 64) insideBig++;
        continue;
      }
      outside++;
      outsideSum += d;
      if (d > 24) outsideBig++;
    }
    expect(outsideSum / outside).toBeLessThan(1.5);
    expect(outsideBig / outside).toBeLessThan(0.002);
    expect(insideBig).toBeGreaterThan(40);

    // The gauge is the box's lower line: the marker's ink left its left place and appeared to the right.
    const mid = Math.round((o.y0 + o.y1) / 2);
    const appeared = centroidX(o, mid, o.y1, (i) => (b[i] ?? 0) - (a[i] ?? 0) > 64);
    const vanished = centroidX(o, mid, o.y1, (i) => (a[i] ?? 0) - (b[i] ?? 0) > 64);
    expect(appeared - vanished).toBeGreaterThan((o.x1 - o.x0) * 0.3);

    // Back to the middle: the marker sits between the two.
    const centre = (await settle(0)).at(-1) as Buffer;
    const atCentre = centroidX(o, mid, o.y1, (i) => (centre[i] ?? 0) - (a[i] ?? 0) > 64);
    expect(atCentre).toBeGreaterThan(vanished);
    expect(atCentre).toBeLessThan(appeared);
  }, 30_000);
});
