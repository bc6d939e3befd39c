/**
 * The join page's waiting step: a WebSocket under the link (GET /join/:token/ws, or /guest/:token/ws
 * for a guest) on which the cloud says `waiting`, then `admitted` or `refused` by the specialist
 * (teleconsult/participants.ts). Once the home patient is admitted, the same socket carries the
 * conversation's signaling (call.ts); a guest's media go through the forwarding unit, not here.
 * The act's end is said (`ended`: « La téléconsultation est terminée »), not taken for a lost link; the
 * specialist's page coming back (`specialist-back`) gets a fresh `ready`, so it offers again.
 * A guest's media go through the forwarding unit (guest-room.ts), and the home patient's too once a
 * guest is in (beside their call with the specialist); a guest the specialist removes is told
 * by whom (`removed`) and their media stop.
 * body[data-step] goes waiting → admitted | refused | removed | ended | lost, for the page and the tests.
 */
import { byId } from '@telecart/ui/browser';
import { format, type home, type TextsOf } from '@telecart/ui/i18n';
import { type Call, startCall } from './call.js';
import { type GuestRoom, startGuestRoom } from './guest-room.js';

/** `media`: the ICE servers' route of the link when this participant talks with the specialist here (the home patient). */
export function startWaiting(t: TextsOf<typeof home>, media: { iceServersUrl: string } | null): void {
  const text = byId('waiting-text');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${location.pathname}/ws${location.search}`;
  const ws = new WebSocket(url);
  let decided = false;
  let call: Call | null = null;
  // A guest's media go through the forwarding unit (guest-room.ts), not a conversation with the specialist;
  // the home patient's too once a guest is in, with the call's microphone and camera, beside the call.
  const room: GuestRoom = startGuestRoom(t, ws, media ? () => call?.media() ?? null : null);
  ws.addEventListener('message', (e) => {
    let m: unknown;
    try {
      m = JSON.parse(String(e.data));
    } catch {
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    if (room.onMessage(m as { type?: unknown })) return;
    const { type, by, signal } = m as { type?: unknown; by?: unknown; signal?: unknown };
    const who = typeof by === 'string' ? by : '';
    if (type === 'admitted') {
      decided = true;
      document.body.dataset.step = 'admitted';
      text.textContent = format(t.admittedText, { by: who });
      if (media && !call) call = startCall(t, ws, media.iceServersUrl, () => room.mediaChanged());
    } else if (type === 'refused') {
      decided = true;
      document.body.dataset.step = 'refused';
      text.textContent = format(t.refusedText, { by: who });
    } else if (type === 'removed') {
      decided = true;
      document.body.dataset.step = 'removed';
      text.textContent = format(t.removedText, { by: who });
      room.stop();
    } else if (type === 'ended') {
      decided = true;
      document.body.dataset.step = 'ended';
      text.textContent = t.endedText;
      call?.stop();
      room.stop();
      byId('call').hidden = true;
    } else if (type === 'specialist-back') {
      call?.again();
    } else if (type === 'signal') {
      call?.onSignal(signal);
    }
  });
  ws.addEventListener('close', () => {
    call?.stop();
    room.stop();
    const step = document.body.dataset.step;
    if (decided && (step === 'refused' || step === 'ended' || step === 'removed')) return;
    document.body.dataset.step = 'lost';
    text.textContent = t.waitingLost;
  });
}
