/**
 * A guest's media, once let in: one peer connection with the act's room on the cloud's forwarding
 * unit (ui/src/browser/unit-call.ts), signaled over the guest's socket (GET /guest/:token/ws,
 * teleconsult/unit-signaling.ts). On `unit-ready` the page opens its camera and microphone and offers
 * (three receive slots: the specialist, and up to two others); the unit's answer, candidates and
 * `unit-slots` (who each slot carries, by name) come back on the same socket. Each other participant
 * is a tile in #guest-room-tiles, labelled with their name, with what they turned off (« micro coupé »).
 * A guest's own mute and camera buttons (#guest-room-mic, #guest-room-cam) act on their tracks and are
 * told to the others (`unit-media`). The home patient, with a guest in, joins the same way (`shared`:
 * the conversation's microphone and camera, whose buttons are the call's; call.ts) beside their direct
 * conversation with the specialist, whom the room does not carry to them; while their room peer is
 * connected and the cloud says the specialist's is up too (`unit-specialist {inRoom: true}`), the
 * specialist receives them from the room and the call holds its senders (`onCarries`); either lost, the
 * call sends again at once (docs/conversation.md, « The cart's conversation goes up once »).
 * A peer connection with the unit that fails (or stays disconnected) is replaced by a new offer after
 * a backoff (PeerWatch), the note saying « Connexion perdue, reconnexion… »; a lost socket pauses the
 * room (waiting.ts reconnects it) and the cloud's next `unit-ready` starts it again.
 */
import { byId, LocalMedia, PeerWatch, renderMediaControls, UnitCall } from '@telecart/ui/browser';
import type { home, TextsOf } from '@telecart/ui/i18n';

/** The other participants a guest may see at once (the specialist, the cart or the patient, another guest). */
const SLOTS = 3;

export interface GuestRoom {
  /** A unit-* message of the cloud; false when it is not one. */
  onMessage(m: { type?: unknown; [k: string]: unknown }): boolean;
  /** The shared microphone or camera went on or off (the home patient's call buttons): the others are told. */
  mediaChanged(): void;
  /** The socket dropped: the room's peer connection closes (the microphone and camera stay open) until the next `unit-ready`. */
  pause(): void;
  stop(): void;
}

/** `shared`: the home patient's conversation media (opened by call.ts); null: a guest, whose page opens its own. */
export function startGuestRoom(
  t: TextsOf<typeof home>,
  send: (m: unknown) => void,
  shared: (() => Promise<LocalMedia> | null) | null,
  /** Told each time the room starts or stops carrying this page to the specialist (both peers with it up). */
  onCarries: (carries: boolean) => void = () => undefined,
): GuestRoom {
  let call: UnitCall | null = null;
  let local: LocalMedia | null = null;
  let stopped = false;
  /** The last `unit-ready`'s ICE servers: a failed peer connection offers again with them. */
  let servers: RTCIceServer[] = [];
  let connected = false;
  /** The specialist's peer with the room is up, as the cloud last said (`unit-specialist`: the home patient only). */
  let specialistIn = false;
  let carries = false;
  const setConnected = (c: boolean) => {
    connected = c;
    const now = connected && specialistIn;
    if (now === carries) return;
    carries = now;
    onCarries(now);
  };
  const watch = new PeerWatch(() => {
    if (!stopped && call) start(servers).catch((e: unknown) => (note.textContent = String((e instanceof Error && e.message) || e)));
  });
  const mic = byId('guest-room-mic');
  const cam = byId('guest-room-cam');
  const buttons = byId('guest-room-buttons');
  const note = byId('guest-room-note');
  const section = byId('guest-room');

  function render(): void {
    const s = local?.state() ?? { mic: true, camera: true };
    renderMediaControls({ mic, cam, remoteState: byId('guest-room-state') }, s, null, {
      micOff: t.callMicOff,
      micOn: t.callMicOn,
      camOff: t.callCamOff,
      camOn: t.callCamOn,
      remoteMicOff: '',
      remoteCamOff: '',
    });
  }
  function toggle(which: 'mic' | 'camera'): void {
    if (!local) return;
    const s = local.state();
    if (which === 'mic') local.setMic(!s.mic);
    else local.setCamera(!s.camera);
    render();
    call?.media(local.state());
  }
  mic.addEventListener('click', () => toggle('mic'));
  cam.addEventListener('click', () => toggle('camera'));

  async function start(iceServers: RTCIceServer[]): Promise<void> {
    servers = iceServers;
    watch.stop();
    local ??= await (shared?.() ?? LocalMedia.open());
    if (stopped) return;
    // The home patient's buttons are the call's (the same tracks); a guest's are these.
    buttons.hidden = shared !== null;
    render();
    call?.close();
    setConnected(false);
    section.hidden = false;
    note.textContent = t.roomConnecting;
    byId<HTMLVideoElement>('guest-room-self').srcObject = local.video ? new MediaStream([local.video]) : null;
    const c = new UnitCall({
      iceServers,
      local,
      slots: SLOTS,
      tiles: byId('guest-room-tiles'),
      send,
      offTexts: () => ({ mic: t.roomRemoteMicOff, camera: t.roomRemoteCamOff, videoPaused: t.roomRemoteVideoPaused }),
      pinTexts: () => ({ pin: t.roomPin, unpin: t.roomUnpin }),
      onState: (s) => {
        if (call !== c) return;
        section.dataset.state = s;
        setConnected(s === 'connected');
        note.textContent = s === 'connected' ? '' : watch.state(s) ? t.reconnecting : note.textContent;
      },
      onError: (message) => {
        note.textContent = message;
      },
    });
    call = c;
    await c.offer();
    c.media(local.state());
  }

  return {
    onMessage(m) {
      switch (m.type) {
        case 'unit-ready':
          start(Array.isArray(m.iceServers) ? (m.iceServers as RTCIceServer[]) : []).catch((e: unknown) => {
            note.textContent = String((e instanceof Error && e.message) || e);
          });
          return true;
        case 'unit-answer':
          if (typeof m.sdp === 'string') void call?.accept(m.sdp);
          return true;
        case 'unit-ice':
          if (typeof m.candidate === 'object' && m.candidate !== null) call?.ice(m.candidate as RTCIceCandidateInit);
          return true;
        case 'unit-slots':
          call?.label(m.slots);
          return true;
        case 'unit-specialist':
          specialistIn = m.inRoom === true;
          setConnected(connected);
          return true;
        default:
          return false;
      }
    },
    mediaChanged() {
      if (local) call?.media(local.state());
    },
    pause() {
      watch.stop();
      call?.close();
      call = null;
      setConnected(false);
      if (!section.hidden) {
        section.dataset.state = 'reconnecting';
        note.textContent = t.reconnecting;
      }
    },
    stop() {
      stopped = true;
      watch.stop();
      call?.close();
      call = null;
      specialistIn = false;
      setConnected(false);
      // The home patient's media are the call's: it stops them.
      if (!shared) local?.stop();
      section.hidden = true;
    },
  };
}
