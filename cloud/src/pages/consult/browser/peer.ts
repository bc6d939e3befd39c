/**
 * The WebRTC side of an act: the page answers (the cart offers). Video goes to #video, the
 * stethoscope's audio to #steth as sent (no processing here), the 'ptz' and 'ecg' data channels
 * to their modules. ICE candidates that come before the offer wait for it.
 */
import { byId } from '@telecart/ui/browser';
import { attachPtz, detachPtz } from './ptz.js';

export interface PeerHooks {
  /** Our ICE candidate, for the cart. */
  onCandidate(candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }): void;
  onAnswer(sdp: string): void;
  onStateChange(): void;
  onEcg(data: unknown): void;
  onError(message: string): void;
}

let pc: RTCPeerConnection | null = null;
let pendingIce: RTCIceCandidateInit[] = [];
let peerHooks: PeerHooks | null = null;

const media = (id: string) => byId<HTMLMediaElement>(id);

export function openPeer(iceServers: RTCIceServer[], hooks: PeerHooks): void {
  closePeer();
  const peer = new RTCPeerConnection({ iceServers });
  pc = peer;
  peer.onicecandidate = (e) => {
    if (e.candidate)
      hooks.onCandidate({ candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex });
  };
  peer.onconnectionstatechange = () => hooks.onStateChange();
  peer.ontrack = (e) => {
    const stream = new MediaStream([e.track]);
    media(e.track.kind === 'video' ? 'video' : 'steth').srcObject = stream;
  };
  peer.ondatachannel = (e) => {
    if (e.channel.label === 'ptz') attachPtz(e.channel);
    else if (e.channel.label === 'ecg') {
      e.channel.binaryType = 'arraybuffer';
      e.channel.onmessage = (m) => hooks.onEcg(m.data);
    }
  };
  peerHooks = hooks;
}

export function closePeer(): void {
  detachPtz();
  if (pc) {
    pc.close();
    pc = null;
  }
  pendingIce = [];
  media('video').srcObject = null;
  media('steth').srcObject = null;
}

/** The connection's state, or null without a peer connection. */
export function peerState(): RTCPeerConnectionState | null {
  return pc ? pc.connectionState : null;
}

export function onOffer(sdp: string): void {
  const peer = pc;
  const hooks = peerHooks;
  if (!peer || !hooks) return;
  peer
    .setRemoteDescription({ type: 'offer', sdp })
    .then(() => peer.createAnswer())
    .then((a) => peer.setLocalDescription(a))
    .then(() => {
      hooks.onAnswer(peer.localDescription?.sdp ?? '');
      const queued = pendingIce;
      pendingIce = [];
      for (const c of queued) peer.addIceCandidate(c).catch(() => undefined /* stale */);
    })
    .catch((err: unknown) => hooks.onError(String((err instanceof Error && err.message) || err)));
}

export function onRemoteIce(candidate: RTCIceCandidateInit): void {
  if (pc?.remoteDescription) pc.addIceCandidate(candidate).catch(() => undefined /* stale candidate */);
  else pendingIce.push(candidate);
}
