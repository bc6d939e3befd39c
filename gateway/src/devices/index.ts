export { contentKeyOf } from './content-key.js';
export {
  type Decoder,
  DeviceManager,
  type DeviceManagerEvents,
  type DeviceManagerOptions,
  type DeviceSeen,
  type FrameOutcome,
  type LiveValue,
  type MalformedFrame,
  type ReadingEvent,
} from './device-manager.js';
export { attachFrameSource, type FrameEmitter, type FrameSource } from './frame-source.js';
export { observationTime, type TimeInputs, zonedToEpochMs, zoneOffsetMs } from './time.js';
