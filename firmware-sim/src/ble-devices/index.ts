export { bloodPressureCuff } from './blood-pressure-cuff.js';
export { type ClockWrite, CTS_ATT_DATA_FIELD_IGNORED, type CurrentTimeMode, DeviceClock } from './device-clock.js';
export { type GlucoseMeterOptions, glucoseMeter } from './glucose-meter.js';
export { type HeartRateMonitorOptions, heartRateMonitor } from './heart-rate-monitor.js';
export { deriveSeed, Prng } from './prng.js';
export { pulseOximeter } from './pulse-oximeter.js';
export {
  RACP_ATT_CCCD_IMPROPERLY_CONFIGURED,
  RACP_ATT_PROCEDURE_IN_PROGRESS,
  RacpServer,
  type RacpServerLink,
  type RacpServerOptions,
  RecordMemory,
  type StoredRecord,
} from './record-memory.js';
export { thermometer } from './thermometer.js';
export {
  type DeviceInformation,
  type IntervalTimers,
  type Pdu,
  type ReadingCondition,
  type SentPdu,
  systemIntervalTimers,
  toDeviceDateTime,
  VirtualBleDevice,
  type VirtualDeviceOptions,
  type VirtualReading,
} from './virtual-device.js';
export {
  ALL_VIRTUAL_DEVICE_KINDS,
  createVirtualDevice,
  DEFAULT_VIRTUAL_DEVICE_KINDS,
  startVirtualDevices,
  type VirtualDeviceKind,
  type VirtualDevices,
  type VirtualDevicesOptions,
} from './virtual-devices.js';
export { type WeightScaleOptions, weightScale } from './weight-scale.js';
