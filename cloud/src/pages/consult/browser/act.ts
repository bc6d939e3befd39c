/**
 * The act on screen: joined from the waiting room, followed by its status and the cart's
 * connection state, hung up, left. A WebSocket lost during an act leaves the media as they are
 * (they go peer to peer) and marks the act reconnecting; once the socket is back the page rejoins
 * by itself (a fresh negotiation), or says the act ended meanwhile.
 */

import { byId } from '@telecart/ui/browser';
import { format } from '@telecart/ui/i18n';
import { onConvo, startConvo, stopConvo } from './conversation.js';
import type { EcgTrace } from './ecg.js';
import { statusLabel, t } from './i18n.js';
import { closePeer, onOffer, onRemoteIce, openPeer, peerState } from './peer.js';
import { releaseAll, resetPtz } from './ptz.js';
import { linkReport } from './report.js';
import { consentText, patientName } from './room.js';
import { send } from './signaling.js';
import type { CloudMessage, SessionView } from './types.js';
import { show } from './view.js';
import { clearVitals, showVitals } from './vitals.js';

interface Act {
  sessionId: string;
  view: SessionView;
  /** The act's status; 'over' when it ended while the page was away. */
  status: string;
  outcome: string | null;
  gatewayState: string | null;
  away: boolean;
}

let act: Act | null = null;
let ecg: EcgTrace | null = null;

const CONNECTION_STATES = {
  new: 'stateNew',
  connecting: 'stateConnecting',
  connected: 'stateConnected',
  disconnected: 'stateDisconnected',
  failed: 'stateFailed',
  closed: 'stateClosed',
} as const;

export function currentAct(): Readonly<Act> | null {
  return act;
}

/** An act in progress is on screen (the keyboard then drives the camera). */
export function actLive(): boolean {
  return document.body.dataset.view === 'consult' && act !== null && act.status === 'in-progress';
}

const isOver = (status: string) => status !== 'in-progress' && status !== 'waiting';

export function renderConn(): void {
  const s = peerState() ?? act?.gatewayState ?? '';
  const conn = byId('conn-state');
  conn.dataset.state = s;
  conn.dataset.cartState = act?.gatewayState ?? '';
  const key = CONNECTION_STATES[s as keyof typeof CONNECTION_STATES];
  conn.textContent = s ? (key ? t()[key] : s) : '';
}

export function renderAct(): void {
  if (!act) return;
  const w = t();
  const v = act.view;
  byId('consult-patient').textContent = `${patientName(v.patient)} — ${v.gatewayId}`;
  byId('consult-consent').textContent = consentText(v.consent);
  // Who placed the call: the nurse the cart names (nothing for an older cart, or one without sign-in).
  const caller = byId('consult-caller');
  const by = v.consent?.collectedBy ?? null;
  caller.hidden = by === null;
  caller.textContent = by === null ? '' : format(w.calledBy, { name: by });
  const status = byId('act-status');
  status.textContent = statusLabel(act.status) + (act.away ? ` — ${w.reconnecting}` : '');
  status.dataset.status = act.status;
  status.dataset.link = act.away ? 'reconnecting' : '';
  const over = isOver(act.status);
  byId('hangup').hidden = over;
  byId('back').hidden = !over;
  const message = byId('consult-message');
  if (act.status === 'over') message.textContent = w.endedAway;
  else if (over) message.textContent = format(w.ended, { status: statusLabel(act.status) + (act.outcome ? ` (${act.outcome})` : '') });
  renderConn();
}

export function join(s: SessionView): void {
  act = { sessionId: s.sessionId, view: s, status: s.status, outcome: null, gatewayState: null, away: false };
  byId('consult-message').textContent = '';
  linkReport(s.sessionId);
  resetPtz();
  ecg?.reset();
  clearVitals();
  renderAct();
  show('consult');
  send({ type: 'join', sessionId: s.sessionId, media: { video: true, audio: true, ecg: true } });
}

/** The socket is lost: an act in progress goes on peer to peer, marked reconnecting. */
export function markAway(): void {
  if (act && act.status === 'in-progress') {
    act.away = true;
    renderAct();
  }
}

/** Back online after losing the socket during an act: rejoin it, or say it ended meanwhile. */
export function resumeAct(sessions: readonly SessionView[]): void {
  if (!act?.away) return;
  const mine = sessions.find((s) => s.sessionId === act?.sessionId);
  if (mine?.rejoin) {
    join(mine);
    return;
  }
  if (!mine) {
    act.away = false;
    act.status = 'over';
    closePeer();
    stopConvo();
    renderAct();
  }
  // Still listed but not rejoinable yet: the relay has not seen the old socket go; it will say so.
}

/** Leaves the act without a word to the cloud (logout). */
export function dropAct(): void {
  closePeer();
  stopConvo();
  act = null;
}

/** A message of the relay about the act on screen (others are ignored). */
export function onActMessage(m: Exclude<CloudMessage, { type: 'hello' | 'waiting-room' | 'error' }>): void {
  const current = act;
  if (!current) return;
  if (m.type === 'session' ? m.session?.sessionId !== current.sessionId : m.sessionId !== current.sessionId) return;
  switch (m.type) {
    case 'joined':
      openPeer(Array.isArray(m.iceServers) ? m.iceServers : [], {
        onCandidate: (candidate) => {
          if (act) send({ type: 'ice', sessionId: act.sessionId, candidate });
        },
        onAnswer: (sdp) => {
          if (act) send({ type: 'answer', sessionId: act.sessionId, sdp });
        },
        onStateChange: renderConn,
        onEcg: (data) => ecg?.receive(data),
        onError: (message) => {
          byId('consult-message').textContent = message;
        },
      });
      renderConn();
      startConvo(m.sessionId, Array.isArray(m.iceServers) ? m.iceServers : []);
      return;
    case 'convo':
      onConvo(m.sessionId, m.signal);
      return;
    case 'session':
      current.view = m.session;
      current.status = m.session.status;
      current.outcome = m.outcome;
      if (isOver(current.status)) {
        closePeer();
        stopConvo();
      }
      renderAct();
      return;
    case 'offer':
      onOffer(m.sdp);
      return;
    case 'ice':
      onRemoteIce(m.candidate);
      return;
    case 'state':
      current.gatewayState = m.state;
      renderConn();
      return;
    case 'vitals':
      if (typeof m.vitals === 'object' && m.vitals !== null) showVitals(m.vitals);
      return;
  }
}

export function initAct(trace: EcgTrace, onBack: () => void): void {
  ecg = trace;
  byId('hangup').addEventListener('click', () => {
    if (!act) return;
    releaseAll();
    send({ type: 'hangup', sessionId: act.sessionId });
  });
  byId('back').addEventListener('click', () => {
    act = null;
    closePeer();
    stopConvo();
    show('room');
    onBack();
  });
}
