/**
 * Whether a direct peer's audio packets are arriving, sampled every half second. The cart's and the home
 * patient's pages send on their direct peer again when the specialist's room path is down
 * (docs/conversation.md, « The specialist's room peer lost »): the page then plays the direct video and voice
 * at once, without waiting seconds for its own room peer to say `disconnected`.
 */
export interface DirectAudio {
  /** Audio packets grew over the last half second. */
  readonly flowing: boolean;
}

/** Samples `peer()`'s inbound audio every 500 ms; `changed` runs when `flowing` turns. */
export function watchDirectAudio(peer: () => RTCPeerConnection | undefined, changed: () => void): DirectAudio {
  const state = { flowing: false };
  let packets = 0;
  const sample = async () => {
    let n = 0;
    (await peer()?.getStats())?.forEach((x: Record<string, unknown>) => {
      if (x.type === 'inbound-rtp' && x.kind === 'audio') n += Number(x.packetsReceived ?? 0);
    });
    const flowing = n > packets;
    packets = n;
    if (flowing === state.flowing) return;
    state.flowing = flowing;
    changed();
  };
  setInterval(() => void sample().catch(() => undefined), 500);
  return state;
}
