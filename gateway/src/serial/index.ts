export { checkSerialConfig, SerialConfig, SerialDeviceConfig } from './config.js';
export { type SerialDeviceStatus, SerialService, type SerialServiceOptions } from './serial-service.js';
