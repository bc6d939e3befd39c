export { AudioConfig, STETHOSCOPE_RATES, StethoscopeConfig } from './config.js';
export { encodeFlac, FlacEncodeError } from './flac.js';
export { GST_LAUNCH, type GstExit, type GstProcess, parseGstError, spawnGst } from './gst.js';
export { type PcmSegment, PcmSegmenter } from './pcm-segmenter.js';
export { type CaptureSource, captureArgs, elementsOf, flacEncodeArgs, PROCESSING_ELEMENTS, rawCaps } from './pipelines.js';
export {
  AUSCULTATION_SITES,
  type AuscultationSite,
  HEART_SOUNDS_CODE,
  RecorderBusyError,
  type RecordingState,
  type RecordingSummary,
  type SegmentSummary,
  StethoscopeRecorder,
  type StethoscopeRecorderDeps,
  type StopReason,
} from './stethoscope-recorder.js';
