/**
 * Which stream each of the unit's sending m-lines belongs to, in its answer to a viewer (pure; docs/conversation.md
 * « Lip sync through the unit »). A browser synchronises a received voice and video only when the remote description
 * puts them in one stream: the same `a=msid:<stream id> <track id>` stream id (RFC 8830; Chromium's sync group). werift
 * writes no `a=msid` for a sender given no stream, and the unit's answer carried none, so each forwarded voice and face
 * played on its own clock (the face ~0.2 s ahead of the voice).
 *
 * One stream per slot: a viewer's slot k carries one participant's voice and video together (room-plan.ts), and the
 * answer is written once, when the viewer joins, while the participant a slot carries changes without a new
 * negotiation (a newcomer takes a free slot, a leaver's slot goes to someone else). A stream id named after the
 * participant would go stale then; the slot's stays true. The unit's sender reports tie each slot's voice and video to
 * their source's clock (forwarding-room.ts), so the browser lines them up for whoever the slot carries.
 */

/** RFC 8830 msid-id: 1 to 64 token characters (RFC 4566). */
const MSID_ID = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]{1,64}$/;

export function isMsidId(s: string): boolean {
  return MSID_ID.test(s);
}

/** The stream id of a viewer's slot k (the same for its audio and video m-lines). */
export function slotStreamId(slot: number): string {
  return `slot-${slot}`;
}

export interface MediaStreamLine {
  /** The m-line's mid. */
  mid: string;
  streamId: string;
  /** Unique within the description (one per m-line). */
  trackId: string;
}

/**
 * `sdp` with each named m-line's `a=msid` replaced by the one given (any it had before, well formed or not, removed);
 * m-lines not named are untouched, and a named mid the description does not hold is ignored. An id that is not an
 * msid-id is refused (RangeError): it would be dropped by the browser, or worse, split into another stream.
 */
export function withStreams(sdp: string, lines: readonly MediaStreamLine[]): string {
  for (const l of lines) {
    if (!isMsidId(l.streamId) || !isMsidId(l.trackId))
      throw new RangeError(`not an msid-id: ${JSON.stringify(`${l.streamId} ${l.trackId}`.slice(0, 140))}`);
  }
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  return sdp
    .split(/(?=^m=)/m)
    .map((section) => {
      if (!section.startsWith('m=')) return section;
      const mid = midOf(section);
      const line = mid === undefined ? undefined : lines.find((l) => l.mid === mid);
      if (!line) return section;
      const out = section.split(/\r?\n/).filter((l) => !l.startsWith('a=msid:'));
      const trailing = out.at(-1) === '' ? out.pop() : undefined;
      const at = out.findIndex((l) => l.startsWith('a=mid:'));
      out.splice(at + 1, 0, `a=msid:${line.streamId} ${line.trackId}`);
      if (trailing !== undefined) out.push(trailing);
      return out.join(eol);
    })
    .join('');
}

/**
 * Each m-line's stream as the description says it (mid → its first well-formed `a=msid`); an m-line with no mid, no
 * `a=msid`, or only malformed ones (no track id, characters outside the token set, too long) has none.
 */
export function streamsByMid(sdp: string): Map<string, { streamId: string; trackId: string }> {
  const out = new Map<string, { streamId: string; trackId: string }>();
  for (const section of sdp.split(/(?=^m=)/m)) {
    if (!section.startsWith('m=')) continue;
    const mid = midOf(section);
    if (mid === undefined) continue;
    for (const m of section.matchAll(/^a=msid:(\S+) (\S+)\r?$/gm)) {
      const [, streamId = '', trackId = ''] = m;
      if (isMsidId(streamId) && isMsidId(trackId)) {
        out.set(mid, { streamId, trackId });
        break;
      }
    }
  }
  return out;
}

function midOf(section: string): string | undefined {
  return /^a=mid:(\S+)\r?$/m.exec(section)?.[1];
}
