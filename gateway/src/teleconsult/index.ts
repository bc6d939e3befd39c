export {
  type CallRequest,
  type SignalingLink,
  TeleconsultAgent,
  type TeleconsultAgentOptions,
  type TeleconsultCounters,
  type TeleconsultView,
} from './agent.js';
export { mqttSignalingLink } from './mqtt-link.js';
export { PTZ_MAX_MESSAGE_BYTES, type PtzCamera, PtzRelay, type PtzRelayCounters } from './ptz-relay.js';
export { rtcValidators } from './validators.js';
