export { type BluezSim, type BluezSimOptions, startBluezSim } from './bluez-sim.js';
export { type PrivateBus, type PrivateBusOptions, startPrivateBus } from './private-bus.js';
export {
  AttError,
  type BluezSimLogger,
  type GattFlag,
  type PeripheralLink,
  type SimCharacteristic,
  type SimGattTiming,
  type SimIoCapability,
  type SimPeripheral,
  type SimSecurity,
  type SimService,
  type WriteType,
} from './types.js';
