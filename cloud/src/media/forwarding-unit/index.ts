export {
  ForwardingRoom,
  type ForwardingRoomOptions,
  type ForwardingRoomStats,
  ForwardingUnitError,
  IceCandidateBody,
  JoinRequest,
  type SlotAssignment,
} from './forwarding-room.js';
export type { IceCandidateInit, Kind, PeerDiagnostics } from './unit-peer.js';
