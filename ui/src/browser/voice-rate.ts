/**
 * The Opus rate a remote description asks of this page's microphone (pure): `maxaveragebitrate` in the Opus
 * fmtp of the audio section with `a=mid:<mid>`. The forwarding unit's answer asks 16 kbit/s of every voice into
 * the room (cloud's voice-sdp.ts), but Chromium's Opus follows the sender's `maxBitrate` (the conversation's
 * 32 kbit/s cap) over it: the room's voices reached a weak cart at ~24 kbit/s of Opus each (docs/conversation.md
 * « The cart's downlink »). The room's peer caps its voice at what the answer asks (unit-call.ts).
 */
export function answeredVoiceRate(sdp: string, mid: string): number | undefined {
  for (const section of sdp.split(/\r?\n(?=m=)/)) {
    if (!section.startsWith('m=audio') || !section.split(/\r?\n/).includes(`a=mid:${mid}`)) continue;
    const opus = /^a=rtpmap:(\d+) opus\/48000/im.exec(section)?.[1];
    if (opus === undefined) return undefined;
    const fmtp = section.split(/\r?\n/).find((l) => l.startsWith(`a=fmtp:${opus} `));
    const rate = /(?:^|;)\s*maxaveragebitrate=(\d+)/i.exec(fmtp?.slice(`a=fmtp:${opus} `.length) ?? '')?.[1];
    const bps = rate === undefined ? Number.NaN : Number(rate);
    // RFC 7587: 6000 to 510000 bit/s; anything else is not a rate to cap at.
    return Number.isInteger(bps) && bps >= 6_000 && bps <= 510_000 ? bps : undefined;
  }
  return undefined;
}
