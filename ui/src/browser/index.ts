export { Backoff, PeerWatch } from './backoff.js';
export {
  CONVO_AUDIO,
  CONVO_CAPS,
  CONVO_VIDEO,
  ConversationPeer,
  type ConvoCandidate,
  type ConvoSignal,
  type ConvoUplink,
  convoMediaTexts,
  convoPcId,
  LocalMedia,
  type MediaControlTexts,
  type MediaOnOff,
  renderMediaControls,
} from './conversation.js';
export {
  type CheckName,
  type CheckReason,
  type CheckResult,
  checkCamera,
  checkMicrophone,
  checkNetwork,
  checkRelay,
  mediaErrorReason,
  openDevice,
  playTestSound,
  speakerResult,
} from './device-check.js';
export { byId, el, readJson } from './dom.js';
export { DOWNLINK_GUARD, DownlinkGuard, type DownlinkGuardOptions, type LinkReport } from './downlink-guard.js';
export { type DownlinkWatch, freshReport, watchDownlink } from './downlink-watch.js';
export { MediaFlow, MediaUpWord, type Received, received } from './media-flow.js';
export { type CartDownlink, FULL_VOICE, towardCart, WEAK_DOWNLINK_VOICE } from './toward-cart.js';
export { UnitCall, type UnitCallOptions, type UnitOut, type UnitSlot } from './unit-call.js';
export { VoicePtime, withVoicePtime } from './voice-ptime.js';
