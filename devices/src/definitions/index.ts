export * from './ble/index.js';
export * from './capabilities.js';
export * from './define.js';
export * from './match.js';
export * from './serial/index.js';
export * from './types.js';

import { BLE_DEFINITIONS } from './ble/index.js';
import { SERIAL_DEFINITIONS } from './serial/index.js';
import type { DeviceDefinition } from './types.js';

/**
 * Every built-in definition. Serial and audio definitions (./serial, ./audio) are appended here
 * with one spread each.
 */
export const DEVICE_DEFINITIONS: readonly DeviceDefinition[] = [...BLE_DEFINITIONS, ...SERIAL_DEFINITIONS];
