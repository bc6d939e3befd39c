/**
 * How the unit asks each participant to send its voice into the room (pure; docs/conversation.md « The cart's
 * downlink »): in its answer, on the m-line where the participant publishes its microphone, `a=ptime:60` (60 ms
 * Opus frames: 16.7 packets/s instead of 50, so ~10 kbit/s of RTP, SRTP, UDP and IP headers instead of ~30) and
 * `maxaveragebitrate` in the Opus fmtp (Chromium takes both only from the remote description). Every viewer
 * receives every party's voice (voice first, « The unit chooses per viewer »): on a site with 100 kbit/s down,
 * three voices at 20 ms and 32 kbit/s need ~150 kbit/s on the wire, three at 60 ms and 16 kbit/s ~80.
 */

export interface VoiceSending {
  ptimeMs: number;
  maxAverageBitrate: number;
}

export const ROOM_VOICE: VoiceSending = { ptimeMs: 60, maxAverageBitrate: 16_000 };

/** `sdp` with the voice's frame length and Opus rate asked on the audio m-line `mid` (other m-lines untouched). */
export function askVoice(sdp: string, mid: string, v: VoiceSending = ROOM_VOICE): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const sections = sdp.split(/(?=^m=)/m);
  return sections
    .map((section) => {
      if (!section.startsWith('m=audio') || !new RegExp(`^a=mid:${escapeRegExp(mid)}\\r?$`, 'm').test(section)) return section;
      const opus = /^a=rtpmap:(\d+) opus\/48000/im.exec(section)?.[1];
      if (opus === undefined) return section;
      let lines = section.split(/\r?\n/).filter((l) => !l.startsWith('a=ptime:') && !l.startsWith('a=maxptime:'));
      const trailing = lines.at(-1) === '' ? lines.pop() : undefined;
      const fmtp = lines.findIndex((l) => l.startsWith(`a=fmtp:${opus} `));
      if (fmtp >= 0) {
        const params = (lines[fmtp] ?? '')
          .slice(`a=fmtp:${opus} `.length)
          .split(';')
          .map((p) => p.trim())
          .filter((p) => p !== '' && !p.toLowerCase().startsWith('maxaveragebitrate='));
        lines[fmtp] = `a=fmtp:${opus} ${[...params, `maxaveragebitrate=${v.maxAverageBitrate}`].join(';')}`;
      } else {
        const at = lines.findIndex((l) => l.startsWith(`a=rtpmap:${opus} `));
        lines = [...lines.slice(0, at + 1), `a=fmtp:${opus} maxaveragebitrate=${v.maxAverageBitrate}`, ...lines.slice(at + 1)];
      }
      lines.push(`a=ptime:${v.ptimeMs}`);
      if (trailing !== undefined) lines.push(trailing);
      return lines.join(eol);
    })
    .join('');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
