/**
 * The MQTT topic tree: one builder and one parser, so no module hand-writes a topic.
 *
 *   telecart/v1/gw/{gatewayId}/up/{lane}   gateway → cloud   observation batches (QoS 1)
 *   telecart/v1/gw/{gatewayId}/ack         cloud → gateway   end-to-end "durably stored" acks (QoS 1)
 *   telecart/v1/gw/{gatewayId}/status      gateway → cloud   retained status, "offline" as last will
 *   telecart/v1/gw/{gatewayId}/cmd         cloud → gateway   commands (QoS 1)
 *   telecart/v1/gw/{gatewayId}/rtc/up      gateway → cloud   teleconsultation calls and WebRTC signaling (QoS 1)
 *   telecart/v1/gw/{gatewayId}/rtc/down    cloud → gateway   teleconsultation sessions and WebRTC signaling (QoS 1)
 *   telecart/v1/gw/{gatewayId}/agenda      cloud → gateway   retained: the cart's day
 *   telecart/v1/gw/{gatewayId}/nurses      cloud → gateway   retained: the nurses allowed on the cart, with their verifiers
 *   telecart/v1/gw/{gatewayId}/nurse/up    gateway → cloud   a nurse's full sign-in on the cart (QoS 1)
 *   telecart/v1/gw/{gatewayId}/nurse/down  cloud → gateway   its answer (QoS 1)
 */
import { LANES, type Lane } from './schemas/common.js';

export const TOPIC_ROOT = 'telecart/v1';
export const INGEST_SHARE_GROUP = 'telecart-ingest';

const GATEWAY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isValidGatewayId(id: string): boolean {
  return GATEWAY_ID.test(id);
}

function gw(gatewayId: string): string {
  if (!isValidGatewayId(gatewayId)) throw new Error(`invalid gateway id ${JSON.stringify(gatewayId)}`);
  return `${TOPIC_ROOT}/gw/${gatewayId}`;
}

export const topics = {
  uplink: (gatewayId: string, lane: Lane) => `${gw(gatewayId)}/up/${lane}`,
  ack: (gatewayId: string) => `${gw(gatewayId)}/ack`,
  status: (gatewayId: string) => `${gw(gatewayId)}/status`,
  command: (gatewayId: string) => `${gw(gatewayId)}/cmd`,
  rtcUp: (gatewayId: string) => `${gw(gatewayId)}/rtc/up`,
  rtcDown: (gatewayId: string) => `${gw(gatewayId)}/rtc/down`,
  agenda: (gatewayId: string) => `${gw(gatewayId)}/agenda`,
  /** The cart's patient list from the cloud's directory (retained). */
  patients: (gatewayId: string) => `${gw(gatewayId)}/patients`,
  nurses: (gatewayId: string) => `${gw(gatewayId)}/nurses`,
  nurseUp: (gatewayId: string) => `${gw(gatewayId)}/nurse/up`,
  nurseDown: (gatewayId: string) => `${gw(gatewayId)}/nurse/down`,
  /** What the cloud's nurse sign-in service subscribes to. */
  allNurseUp: () => `${TOPIC_ROOT}/gw/+/nurse/up`,
  /** What the cloud's signaling relay subscribes to. */
  allRtcUp: () => `${TOPIC_ROOT}/gw/+/rtc/up`,
  /** What the cloud ingest subscribes to; `shared` makes N ingest workers split the load. */
  allUplinks: (shared = false) => `${shared ? `$share/${INGEST_SHARE_GROUP}/` : ''}${TOPIC_ROOT}/gw/+/up/+`,
  allStatuses: () => `${TOPIC_ROOT}/gw/+/status`,
} as const;

export type ParsedTopic =
  | { kind: 'uplink'; gatewayId: string; lane: Lane }
  | {
      kind: 'ack' | 'status' | 'command' | 'rtc-up' | 'rtc-down' | 'agenda' | 'patients' | 'nurses' | 'nurse-up' | 'nurse-down';
      gatewayId: string;
    };

/** Parses a concrete topic; returns null for anything outside the tree (never throws). */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts[0] !== 'telecart' || parts[1] !== 'v1' || parts[2] !== 'gw') return null;
  const gatewayId = parts[3];
  if (gatewayId === undefined || !isValidGatewayId(gatewayId)) return null;
  const rest = parts.slice(4);
  if (rest.length === 2 && rest[0] === 'up') {
    const lane = rest[1] as Lane;
    return (LANES as readonly string[]).includes(lane) ? { kind: 'uplink', gatewayId, lane } : null;
  }
  if (rest.length === 2 && rest[0] === 'rtc') {
    if (rest[1] === 'up') return { kind: 'rtc-up', gatewayId };
    if (rest[1] === 'down') return { kind: 'rtc-down', gatewayId };
    return null;
  }
  if (rest.length === 2 && rest[0] === 'nurse') {
    if (rest[1] === 'up') return { kind: 'nurse-up', gatewayId };
    if (rest[1] === 'down') return { kind: 'nurse-down', gatewayId };
    return null;
  }
  if (rest.length === 1) {
    if (rest[0] === 'ack') return { kind: 'ack', gatewayId };
    if (rest[0] === 'status') return { kind: 'status', gatewayId };
    if (rest[0] === 'cmd') return { kind: 'command', gatewayId };
    if (rest[0] === 'agenda') return { kind: 'agenda', gatewayId };
    if (rest[0] === 'patients') return { kind: 'patients', gatewayId };
    if (rest[0] === 'nurses') return { kind: 'nurses', gatewayId };
  }
  return null;
}
