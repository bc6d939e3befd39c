export {
  CONVO_AUDIO,
  CONVO_CAPS,
  CONVO_VIDEO,
  ConversationPeer,
  type ConvoCandidate,
  type ConvoSignal,
  convoPcId,
  LocalMedia,
} from './conversation.js';
export { byId, el, readJson } from './dom.js';
