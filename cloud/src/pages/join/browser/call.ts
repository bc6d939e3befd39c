/**
 * The home patient's conversation with the specialist, once let in (cloud
 * teleconsult/participant-signaling.ts): peer to peer between this page and the specialist's, signaled
 * over the participant WebSocket. This page opens its camera and microphone, says `ready`, and answers
 * the specialist's offer (the specialist's page offers, as the cart's page does); a new offer (a new
 * peer id) replaces the peer, and candidates of another peer are dropped. The specialist's face and
 * voice play in #call-video; the two big buttons mute the microphone and turn the camera off (told to
 * the specialist), and what the specialist turned off is said above the video. While the act's room
 * carries the patient to the specialist (`hold(true)`, guest-room.ts: its peer connection and the
 * specialist's both up),
 * this peer sends nothing and still plays the specialist: the patient's uplink carries the
 * conversation once (docs/conversation.md, « The cart's conversation goes up once »).
 * Once this page decoded the specialist (video frames or voice energy growing 3 s in a row, MediaFlow) it says
 * so (`media-up`): with the specialist's page's own word, the act's media are up (docs/teleconsultation.md,
 * « The home act's status »). The word outlives this call (`word`, waiting.ts): said again at each admission
 * until the cloud says it is stored, never sampled again once said.
 * The peer outlives the participant socket (a cloud restart, a dropped socket: waiting.ts keeps this call):
 * `again()` says `ready` with the peer's id while it is not failed, and the specialist's page keeps it; only a
 * peer that fails, or stays disconnected 15 s (PeerWatch), is replaced: `ready` without an id, a new offer.
 */
import {
  byId,
  ConversationPeer,
  type ConvoSignal,
  LocalMedia,
  MediaFlow,
  type MediaUpWord,
  PeerWatch,
  received,
  renderMediaControls,
} from '@telecart/ui/browser';
import type { home, TextsOf } from '@telecart/ui/i18n';

type Texts = TextsOf<typeof home>;

export interface Call {
  /** A `signal` message of the cloud (the specialist's offer, candidates, media state). */
  onSignal(s: unknown): void;
  /**
   * The specialist's page came back, or this page's socket did: say `ready` again, with the id of the peer this
   * page still holds (not failed): the specialist's page keeps it if it holds it too, else offers afresh.
   */
  again(): void;
  /** The act is over for this page (ended, refused, removed, the link lost): the peer goes. */
  stop(): void;
  /** The conversation's microphone and camera (the act's room on the forwarding unit sends them too, guest-room.ts). */
  media(): Promise<LocalMedia>;
  /** The room carries the conversation to the specialist (true) or not: this peer stops or starts sending. */
  hold(held: boolean): void;
}

/** What this page may send: the answer side (the cloud refuses anything else). */
type Outgoing = Exclude<ConvoSignal, { kind: 'offer' }>;

/** `onMedia`: the microphone or camera went on or off (the act's room tells the guests). */
/** `send`: a message on the participant socket (dropped while it reconnects, waiting.ts). */
/** `word`: this page's `media-up`, across its calls (waiting.ts). */
export function startCall(
  t: Texts,
  send: (m: unknown) => void,
  iceServersUrl: string,
  word: MediaUpWord,
  onMedia: () => void = () => undefined,
): Call {
  let peer: ConversationPeer | null = null;
  let opened: LocalMedia | null = null;
  let remote: { mic: boolean; camera: boolean } | null = null;
  let note = '';
  let stopped = false;
  let held = false;
  const servers = loadIceServers(iceServersUrl);
  const local = LocalMedia.open();
  const video = byId<HTMLVideoElement>('call-video');
  // What this page decodes of the specialist, once a second until it said so (the room never carries the specialist here).
  const flow = new MediaFlow();
  const flowTimer = setInterval(() => {
    if (word.said) return clearInterval(flowTimer);
    void received(peer?.pc).then((r) => {
      if (stopped || !flow.sample(r)) return;
      clearInterval(flowTimer);
      word.decoded();
    });
  }, 1000);

  const post = (signal: Outgoing) => send({ type: 'signal', signal });
  // A peer that failed (or stayed disconnected): the specialist's page is asked for a new one.
  const watch = new PeerWatch(() => {
    if (opened && !stopped) post({ kind: 'ready' });
  });
  const sendState = () => {
    if (opened) post({ kind: 'media', ...opened.state() });
    onMedia();
  };

  function render(): void {
    const s = opened?.state() ?? { mic: true, camera: true };
    renderMediaControls({ mic: byId('call-mic'), cam: byId('call-cam'), remoteState: byId('call-remote-state') }, s, remote, {
      micOff: t.callMicOff,
      micOn: t.callMicOn,
      camOff: t.callCamOff,
      camOn: t.callCamOn,
      remoteMicOff: t.callRemoteMicOff,
      remoteCamOff: t.callRemoteCamOff,
    });
    const noMedia = opened !== null && !opened.audio && !opened.video;
    byId('call-note').textContent = note || (noMedia ? t.callNoMedia : peer ? '' : t.callConnecting);
  }

  async function answer(pc: string, sdp: string): Promise<void> {
    const m = await local;
    const iceServers = await servers;
    if (stopped) return;
    watch.stop();
    peer?.close();
    const shown = new MediaStream();
    video.srcObject = shown;
    video.dataset.tracks = '0';
    const p = new ConversationPeer({
      id: pc,
      iceServers,
      local: m,
      send: (s) => post(s as Outgoing),
      onTrack: (track) => {
        shown.addTrack(track);
        video.dataset.tracks = String(shown.getTracks().length);
      },
      onState: (state) => {
        if (peer === p) watch.state(state);
        byId('call').dataset.state = state;
        note = state === 'failed' || state === 'closed' ? t.callEnded : '';
        render();
      },
      onError: (message) => {
        note = message;
        render();
      },
    });
    peer = p;
    render();
    void p.hold(held);
    await p.answer(sdp);
    sendState();
  }

  byId('call').hidden = false;
  byId('call-mic').addEventListener('click', () => {
    if (!opened) return;
    opened.setMic(!opened.state().mic);
    render();
    sendState();
  });
  byId('call-cam').addEventListener('click', () => {
    if (!opened) return;
    opened.setCamera(!opened.state().camera);
    render();
    sendState();
  });
  void local.then((m) => {
    if (stopped) return m.stop();
    opened = m;
    byId<HTMLVideoElement>('call-self').srcObject = m.video ? new MediaStream([m.video]) : null;
    render();
    // The specialist's page offers on this.
    post({ kind: 'ready' });
    sendState();
  });
  render();

  return {
    onSignal(s) {
      if (typeof s !== 'object' || s === null) return;
      const sig = s as ConvoSignal;
      switch (sig.kind) {
        case 'offer':
          answer(sig.pc, sig.sdp).catch((e: unknown) => {
            note = String((e instanceof Error && e.message) || e);
            render();
          });
          return;
        case 'ice':
          if (peer?.id === sig.pc) peer.ice(sig.candidate);
          return;
        case 'media':
          remote = { mic: sig.mic === true, camera: sig.camera === true };
          render();
          return;
      }
    },
    media() {
      return local;
    },
    hold(h) {
      held = h;
      void peer?.hold(h);
    },
    again() {
      if (opened && !stopped) {
        post(peer?.alive ? { kind: 'ready', pc: peer.id } : { kind: 'ready' });
        sendState();
      }
    },
    stop() {
      stopped = true;
      watch.stop();
      clearInterval(flowTimer);
      peer?.close();
      peer = null;
      void local.then((m) => m.stop());
      video.srcObject = null;
    },
  };
}

/** The act's patient ICE servers (GET /join/:token/ice-servers: TURN credentials `<act>.patient`); none: host candidates only. */
async function loadIceServers(url: string): Promise<RTCIceServer[]> {
  try {
    const r = await fetch(url, { cache: 'no-store' });
    if (!r.ok) return [];
    const b = (await r.json()) as { iceServers?: unknown };
    return Array.isArray(b.iceServers) ? (b.iceServers as RTCIceServer[]) : [];
  } catch {
    return [];
  }
}
