/**
 * The cart's voice in 60 ms frames at the uplink budget's lowest level (docs/conversation.md « One uplink
 * budget »): 16.7 packets a second instead of 50, ~12 kbit/s of packet headers less. Chromium takes the
 * frame length of what it sends only from the **remote** description's `a=ptime` (`encodings[].ptime` is
 * dropped, `adaptivePtime` has no effect at 12 kbit/s; checked on Chromium 156), so the offering side
 * keeps the answer it got and, when the frame length changes, renegotiates alone: a fresh offer of the
 * same transceivers, then that answer again with the audio section's `a=ptime` set. Nothing changes for
 * the answering side (its answer stands, ICE and DTLS are untouched), so no signaling round trip.
 *
 * The answering side (the specialist's page toward a weak cart: docs/conversation.md « The cart's downlink ») does
 * the mirror: the offer it got again, its audio section's `a=ptime` set, then a fresh answer of its own, kept
 * local (the same transceivers, ICE and DTLS: nothing the offering side needs to hear).
 */

/** The SDP with every audio section's `a=ptime` (and `a=maxptime`) replaced by `a=ptime:<ms>`. */
export function withVoicePtime(sdp: string, ms: number): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const trailing = lines.at(-1) === '' ? lines.pop() : undefined;
  const out: string[] = [];
  let audio = false;
  const close = () => {
    if (audio) out.push(`a=ptime:${ms}`);
  };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      close();
      audio = line.startsWith('m=audio ');
    } else if (audio && /^a=(max)?ptime:/.test(line)) continue;
    out.push(line);
  }
  close();
  if (trailing !== undefined) out.push(trailing);
  return out.join(eol);
}

/**
 * The offering side's voice frame length, renegotiated locally (one change at a time). 60 ms is asked
 * at the budget's lowest level; otherwise the answer stands as the other side wrote it: a browser's
 * answer says nothing (20 ms frames), the forwarding unit's asks 60 ms for the room (its voice-sdp.ts),
 * and a page must not undo that.
 */
export class VoicePtime {
  private answer: string | null = null;
  /** The answering side: the other side's offer, as it came. */
  private offer: string | null = null;
  /** The frame length the remote description in force asks for (null: the answer's own). */
  private applied: 60 | null = null;
  private wanted: 60 | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly onError: (message: string) => void,
  ) {}

  /** The other side's answer, as it is to be set now (with the frame length wanted). */
  remote(sdp: string): RTCSessionDescriptionInit {
    this.answer = sdp;
    this.offer = null;
    this.applied = this.wanted;
    return { type: 'answer', sdp: this.asWanted(sdp, this.wanted) };
  }

  /** The answering side: the other side's offer, as it is to be set now (with the frame length wanted). */
  offered(sdp: string): RTCSessionDescriptionInit {
    this.offer = sdp;
    this.answer = null;
    this.applied = this.wanted;
    return { type: 'offer', sdp: this.asWanted(sdp, this.wanted) };
  }

  /** The voice's frame length from now on (20: the answer's own): renegotiated once the answer is in, else set with it. */
  set(ms: 20 | 60): Promise<void> {
    this.wanted = ms === 60 ? 60 : null;
    const next = this.chain.then(() => this.renegotiate());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private asWanted(sdp: string, ms: 60 | null): string {
    return ms === null ? sdp : withVoicePtime(sdp, ms);
  }

  private async renegotiate(): Promise<void> {
    const { pc } = this;
    const ms = this.wanted;
    if ((this.answer === null && this.offer === null) || this.applied === ms || pc.signalingState !== 'stable') return;
    try {
      if (this.answer !== null) {
        await pc.setLocalDescription(await pc.createOffer());
        await pc.setRemoteDescription({ type: 'answer', sdp: this.asWanted(this.answer, ms) });
      } else if (this.offer !== null) {
        await pc.setRemoteDescription({ type: 'offer', sdp: this.asWanted(this.offer, ms) });
        await pc.setLocalDescription(await pc.createAnswer());
      }
      this.applied = ms;
    } catch (e) {
      const state = pc.signalingState as RTCSignalingState;
      if (state === 'closed') return;
      if (state === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
      if (state === 'have-remote-offer') await pc.setRemoteDescription({ type: 'rollback' }).catch(() => undefined);
      this.onError(`voice frame length not changed to ${ms === null ? "the answer's own" : `${ms} ms`}: ${String(e)}`);
    }
  }
}
