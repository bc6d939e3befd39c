export { bloodPressureCuff } from './blood-pressure-cuff.js';
export { deriveSeed, Prng } from './prng.js';
export { pulseOximeter } from './pulse-oximeter.js';
export { thermometer } from './thermometer.js';
export {
  type DeviceInformation,
  type IntervalTimers,
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
  startVirtualDevices,
  type VirtualDeviceKind,
  type VirtualDevices,
  type VirtualDevicesOptions,
} from './virtual-devices.js';
export { type WeightScaleOptions, weightScale } from './weight-scale.js';
