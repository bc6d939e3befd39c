export { type SegmenterOptions, type WaveformSegment, WaveformSegmenter } from './segmenter.js';
export { type StableRule, type StableValue, StableValueDetector } from './stable-value.js';
