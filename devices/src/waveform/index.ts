export { parseSampledData, type SegmentsToWfdbOptions, segmentsToWfdb, type WaveformSegment } from './segments.js';
export {
  parseWfdbHeader,
  readWfdbSamples,
  WFDB_INVALID,
  type WfdbFiles,
  type WfdbFormat,
  type WfdbHeader,
  type WfdbHeaderSignal,
  type WfdbRecord,
  type WfdbSignal,
  wfdbChecksum,
  writeWfdb,
} from './wfdb.js';
