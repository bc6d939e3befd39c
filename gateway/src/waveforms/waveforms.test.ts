import { describe, expect, it } from 'vitest';
import { type WaveformSegment, WaveformSegmenter } from './segmenter.js';
import { StableValueDetector } from './stable-value.js';

function segmenter(segmentSamples = 4) {
  const out: WaveformSegment[] = [];
  let n = 0;
  const s = new WaveformSegmenter({
    channels: 1,
    periodMs: 10,
    segmentSamples,
    newRecordingId: () => `rec-${++n}`,
    onSegment: (x) => out.push(x),
  });
  return { s, out };
}

describe('WaveformSegmenter', () => {
  it('cuts N-sample segments, marks lost samples E, and closes the recording with last: true', () => {
    const { s, out } = segmenter();
    s.push([[null], [1], [2], [null], [3], [4], [5]], 1000);
    expect(out.map((x) => [x.index, x.data, x.last, x.startMs])).toEqual([[0, '1 2 E 3', false, 1010]]);
    s.push([[6]], 1080);
    expect(out).toHaveLength(1);
    s.end();
    expect(out.map((x) => [x.recordingId, x.index, x.data, x.last])).toEqual([
      ['rec-1', 0, '1 2 E 3', false],
      ['rec-1', 1, '4 5 6', true],
    ]);
  });

  it('marks a segment that ends exactly at the end of the recording as last', () => {
    const { s, out } = segmenter(2);
    s.push([[1], [2]], 0);
    s.end();
    expect(out).toEqual([{ recordingId: 'rec-1', index: 0, last: true, startMs: 0, sampleCount: 2, data: '1 2' }]);
  });

  it('starts a new recording when sample time and wall time drift apart by more than a second', () => {
    const { s, out } = segmenter(2);
    s.push([[1], [2], [3]], 0);
    s.push([[4]], 5000);
    s.end();
    expect(out.map((x) => [x.recordingId, x.data, x.last])).toEqual([
      ['rec-1', '1 2', false],
      ['rec-1', '3', true],
      ['rec-2', '4', true],
    ]);
  });

  it('keeps one recording through a backlog: 3 s of samples held back, then read at once', () => {
    const { s, out } = segmenter(100);
    for (let i = 0; i < 100; i++) s.push([[i]], i * 10);
    // The reader stalled 3 s; the 300 samples taken meanwhile all arrive stamped with the same time.
    for (let i = 100; i < 400; i++) s.push([[i]], 3990);
    for (let i = 400; i < 450; i++) s.push([[i]], i * 10);
    s.end();
    expect(new Set(out.map((x) => x.recordingId))).toEqual(new Set(['rec-1']));
    expect(out.flatMap((x) => x.data.split(' ').map(Number))).toEqual(Array.from({ length: 450 }, (_, i) => i));
    // On the sample clock: segment k starts k × 100 samples after the first.
    expect(out.map((x) => x.startMs)).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('ends the recording where samples stay late for a second of wall time (a loss nobody reported)', () => {
    const { s, out } = segmenter(100);
    for (let i = 0; i < 150; i++) s.push([[i]], i * 10);
    // 2.56 s of samples lost without a word (a counter that wrapped): the next ones arrive 2.56 s late, and stay so.
    for (let i = 150; i < 400; i++) s.push([[i]], 2560 + i * 10);
    s.end();
    expect(out.map((x) => [x.recordingId, x.index, x.last, x.startMs, x.sampleCount])).toEqual([
      ['rec-1', 0, false, 0, 100],
      ['rec-1', 1, true, 1000, 50],
      ['rec-2', 0, false, 4060, 100],
      ['rec-2', 1, false, 5060, 100],
      ['rec-2', 2, true, 6060, 50],
    ]);
    expect(out.flatMap((x) => x.data.split(' ').map(Number))).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });

  it('goes on when samples arrive early: the recording began on a late-delivered sample', () => {
    const { s, out } = segmenter(100);
    s.push([[0]], 5000);
    for (let i = 1; i < 200; i++) s.push([[i]], 2000 + i * 10);
    s.end();
    expect(out.map((x) => [x.recordingId, x.startMs, x.sampleCount])).toEqual([
      ['rec-1', 5000, 100],
      ['rec-1', 6000, 100],
    ]);
  });
});

describe('StableValueDetector', () => {
  it('records a value held 10 s once, not again while unchanged, and again after a new placement', () => {
    const d = new StableValueDetector();
    const feed = (from: number, to: number, spo2: number | null, pulse = 72, flags: string[] = []) => {
      const got = [];
      for (let t = from; t <= to; t += 1000) {
        const v = d.push(t, spo2, pulse, flags, !flags.includes('sensor-alarm'));
        if (v) got.push(v);
      }
      return got;
    };
    expect(feed(0, 9000, 97)).toEqual([]);
    expect(feed(10_000, 10_000, 96)).toMatchObject([{ spo2: 97, pulse: 72, fromMs: 0, toMs: 10_000 }]);
    expect(feed(11_000, 40_000, 97)).toEqual([]);
    expect(feed(41_000, 45_000, 90)).toEqual([]);
    expect(feed(46_000, 56_000, 90)).toMatchObject([{ spo2: 90 }]);
    expect(feed(57_000, 57_000, null)).toEqual([]);
    expect(feed(58_000, 68_000, 90)).toMatchObject([{ spo2: 90, fromMs: 58_000 }]);
    expect(feed(69_000, 90_000, 88, 72, ['sensor-alarm'])).toEqual([]);
  });
});
