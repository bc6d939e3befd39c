/**
 * What the specialist's page sends the cart on their direct peer (pure; docs/conversation.md « The cart's downlink »).
 * In clinical order, the specialist's voice first: it always goes; toward a weak cart downlink (the downlink guard
 * paused the camera: the cart's receiver reports lose or queue) it goes lighter too, in 60 ms Opus frames (16.7
 * packets a second instead of 50) at 16 kbit/s, ~27 kbit/s on the wire instead of ~48 (the headers of 33 packets a
 * second less, half the payload), and stays so while a resumed camera is on trial (the guard's `settling`, 30 s):
 * a resume the link cannot take then costs the voices the video alone. The camera goes unless the cart's downlink
 * is weak or its uplink at `lean-audio` (its receiver feedback on a video alone costs that uplink ~10–15 kbit/s).
 */
import type { ConvoUplink } from './conversation.js';

/** The voice toward a weak cart: the same frame length and Opus rate as the room's voices (the unit's voice-sdp.ts). */
export const WEAK_DOWNLINK_VOICE = { voiceKbps: 16, voiceFrameMs: 60 } as const;
/** The voice otherwise: the conversation's cap (CONVO_CAPS.audioMaxBitrate) in 20 ms frames. */
export const FULL_VOICE = { voiceKbps: 32, voiceFrameMs: 20 } as const;

/** What the downlink guard says of the cart's downlink (downlink-guard.ts): the camera paused, or resumed on trial. */
export interface CartDownlink {
  videoPaused: boolean;
  settling: boolean;
}

/** The sending plan toward the cart from its uplink level (its gateway's budget) and the guard's word on its downlink. */
export function towardCart(cartLink: string, downlink: CartDownlink): Required<ConvoUplink> {
  const weak = downlink.videoPaused || downlink.settling;
  return { video: cartLink !== 'lean-audio' && !downlink.videoPaused, ...(weak ? WEAK_DOWNLINK_VOICE : FULL_VOICE) };
}
