/**
 * The nurse page's part of the cart's uplink budget (docs/conversation.md « Bandwidth »; the gateway
 * decides, gateway/src/media/uplink-budget.ts). Once a second, while the act is in progress, it reports
 * the view of the link of the peer that carries its voice (the direct conversation, or the act's room
 * while that one carries it) to the gateway (POST /api/teleconsult/uplink: the fraction of its packets lost
 * and the round trip that the receiver reports arrived since the last look give, when one did); it applies the gateway's plan (the `uplink` event of the
 * conversation's event stream) to both peers — the room camera's encoding inactive, the voice capped
 * lower and in 60 ms frames at the lowest level — and says on the page that the camera is paused for the link (`#convo[data-link]`),
 * apart from the nurse's own camera-off. conversation.ts calls `watchUplink` once and `applyUplink` on each
 * new peer.
 */

import { reportedRttMs } from '@telecart/protocol/link-congestion';
import { type ConversationPeer, type ConvoUplink, freshReport, type UnitCall } from '@telecart/ui/browser';
import { api } from './api.js';

const REPORT_MS = 1000;

const FULL: ConvoUplink = { video: true, voiceKbps: 32, voiceFrameMs: 20 };
let plan: ConvoUplink = FULL;
let planFor: string | null = null;

/** The plan in force for the act (full for any other act). */
export function uplinkPlan(sessionId: string | null): ConvoUplink {
  return sessionId !== null && sessionId === planFor ? plan : FULL;
}

/** The plan applied to a peer, direct or the act's room (a new one keeps what the link taught the gateway). */
export function applyUplink(peer: ConversationPeer | UnitCall, sessionId: string | null): void {
  void peer.setUplink(uplinkPlan(sessionId));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The event's plan, checked: the page applies nothing it cannot read. */
function readPlan(data: string): { sessionId: string; plan: ConvoUplink } | null {
  const m: unknown = JSON.parse(data);
  if (!isObject(m) || typeof m.sessionId !== 'string' || !isObject(m.plan)) return null;
  const { roomVideo, voiceKbps, voiceFrameMs } = m.plan;
  if (typeof roomVideo !== 'boolean' || typeof voiceKbps !== 'number' || !(voiceKbps >= 6 && voiceKbps <= 32)) return null;
  if (voiceFrameMs !== undefined && voiceFrameMs !== 20 && voiceFrameMs !== 60) return null;
  return { sessionId: m.sessionId, plan: { video: roomVideo, voiceKbps, voiceFrameMs: voiceFrameMs ?? 20 } };
}

/** Per peer connection, the receiver reports already counted (freshReport's measurement counts). */
const seen = new WeakMap<RTCPeerConnection, Map<string, number>>();

/**
 * The peer's view of what it sends, from getStats: the receiver reports that arrived since the last look
 * (`freshReport`, as the specialist's downlink guard reads its own: a paused camera's last report stands
 * still, and an audio report, every few seconds, is counted once), their highest fraction lost and round trip.
 * Null when none arrived: the gateway counts each report once (uplink-budget.ts).
 */
async function linkReport(pc: RTCPeerConnection): Promise<{ loss: number; rttMs: number | null } | null> {
  const counts = seen.get(pc) ?? new Map<string, number>();
  seen.set(pc, counts);
  const r = freshReport(await pc.getStats(), counts);
  if (r.fractionLost === undefined) return null;
  // A round trip past the route's bound is said as the bound (a starved unit's buffer held 60–94 s), not refused with its loss.
  return { loss: Math.min(1, Math.max(0, r.fractionLost)), rttMs: reportedRttMs(r.rttMs) };
}

/**
 * Follows the gateway's plan on `events` (applied to the conversation's direct peer, `peer`, and to the act's
 * room peer, `room`, when there is one) and reports the link from the one that carries the cart's voice: the
 * direct peer, or the room's while `held` (the room carries the conversation then).
 */
export function watchUplink(
  events: EventSource,
  o: {
    act: () => string | null;
    peer: () => ConversationPeer | null;
    room: () => UnitCall | null;
    held: () => boolean;
    onPlan: () => void;
  },
): void {
  events.addEventListener('uplink', (e) => {
    const r = readPlan((e as MessageEvent<string>).data);
    if (!r || r.sessionId !== o.act()) return;
    plan = r.plan;
    planFor = r.sessionId;
    for (const peer of [o.peer(), o.room()]) if (peer) applyUplink(peer, r.sessionId);
    o.onPlan();
  });
  setInterval(() => {
    const sessionId = o.act();
    const peer = o.held() ? o.room() : o.peer();
    if (!sessionId || peer?.pc.connectionState !== 'connected') return;
    void linkReport(peer.pc)
      .then((r) => (r ? api('POST', '/api/teleconsult/uplink', { sessionId, ...r }) : null))
      .catch(() => undefined /* the act ended meanwhile (409), or the gateway restarts: the next second tries again */);
  }, REPORT_MS);
}
