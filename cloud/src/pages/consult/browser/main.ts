/**
 * The specialist's consultation page: login, the live waiting room over the WebSocket, the act
 * (WebRTC answerer, camera control, ECG trace, stethoscope). Untrusted strings go in with
 * textContent only. After a reload, the waiting room offers "Rejoin" for the act this specialist left.
 */

import { byId } from '@telecart/ui/browser';
import { format } from '@telecart/ui/i18n';
import { actLive, currentAct, dropAct, initAct, join, markAway, onActMessage, renderAct, resumeAct } from './act.js';
import { api } from './api.js';
import { initConversation, onDirectProbe, renderConvo } from './conversation.js';
import { ecgTrace } from './ecg.js';
import { initEcgCalibration, showEcgInfo, storedScale } from './ecg-calibration.js';
import { NOMINAL_CSS_PX_PER_MM } from './ecg-paper.js';
import {
  endHomeCall,
  homeMediaAgain,
  homeMediaStored,
  initHomeCall,
  onParticipantAdmitted,
  onParticipantSignal,
  onParticipantsChanged,
  renderHomeCall,
} from './home-call.js';
import { initLanguage, t } from './i18n.js';
import { drawParticipants, onParticipants } from './participants.js';
import { initPtzControls, renderPresets } from './ptz.js';
import { renderRoom } from './room.js';
import { connect, disconnect } from './signaling.js';
import type { CloudMessage, SessionView, Specialist } from './types.js';
import { actsLive, endUnitRoom, onUnitMessage, pauseUnitRoom, renderUnitRoom } from './unit-room.js';
import { show } from './view.js';
import { showVitals } from './vitals.js';

let me: Specialist | null = null;
let sessions: SessionView[] = [];
/** The WebSocket's state as shown (redrawn in the other language on a switch); null: a message of the cloud shows instead. */
let socketShown: 'live' | 'lost' | null = null;

const drawRoom = () => renderRoom(sessions, join);
const wsState = () => byId('ws-state');

function showSocket(state: 'live' | 'lost'): void {
  socketShown = state;
  wsState().textContent = state === 'live' ? t().wsLive : t().wsLost;
  wsState().dataset.state = state;
}

function onMessage(m: CloudMessage): void {
  if (m.type === 'waiting-room') {
    if (!Array.isArray(m.sessions)) return;
    sessions = m.sessions;
    actsLive(
      new Set(sessions.filter((s) => s.status === 'in-progress').map((s) => s.sessionId)),
      new Set(sessions.map((s) => s.sessionId)),
    );
    drawRoom();
    resumeAct(sessions);
    return;
  }
  if (m.type === 'hello') return;
  if (m.type === 'participants') {
    onParticipants(m.sessionId, m.participants);
    if (Array.isArray(m.participants)) onParticipantsChanged(m.sessionId, m.participants);
    return;
  }
  if (m.type === 'participant-admitted') {
    onParticipantAdmitted(m.sessionId, m.participantId, m.iceServers);
    return;
  }
  if (m.type === 'participant-signal') {
    onParticipantSignal(m.sessionId, m.participantId, m.signal);
    return;
  }
  if (m.type === 'home-media-up-stored') {
    homeMediaStored(m.sessionId);
    return;
  }
  if (m.type === 'unit-direct-probe') {
    onDirectProbe(m.sessionId);
    return;
  }
  if (m.type.startsWith('unit-')) {
    onUnitMessage(m);
    return;
  }
  if (m.type === 'error') {
    const act = currentAct();
    if (act && (!m.sessionId || m.sessionId === act.sessionId)) byId('consult-message').textContent = String(m.message);
    else {
      socketShown = null;
      wsState().textContent = String(m.message);
    }
    return;
  }
  onActMessage(m);
}

function start(specialist: Specialist): void {
  me = specialist;
  byId('who').textContent = specialist.name;
  show(currentAct() ? 'consult' : 'room');
  connect({
    onOpen() {
      showSocket('live');
      homeMediaAgain();
    },
    onLost() {
      showSocket('lost');
      // The relay keeps the act for a grace period: the media may still flow; rejoin when the socket is back.
      markAway();
      // The guests' room: offered again on the cloud's `unit-ready` over the new socket.
      pauseUnitRoom();
    },
    onMessage,
    async stillSignedIn() {
      if (!me) return false;
      const r = await api('GET', 'api/specialist/me');
      if (!r.ok) show('login');
      return r.ok;
    },
  });
}

byId('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const error = byId('login-error');
  const password = byId<HTMLInputElement>('login-password');
  error.textContent = '';
  api('POST', 'api/specialist/login', { id: byId<HTMLInputElement>('login-id').value, password: password.value })
    .then((r) => {
      if (r.status === 429) throw new Error(format(t().loginLocked, { s: r.headers.get('retry-after') || '60' }));
      if (!r.ok) throw new Error(t().loginFailed);
      return r.json() as Promise<{ specialist: Specialist }>;
    })
    .then((body) => {
      password.value = '';
      start(body.specialist);
    })
    .catch((err: unknown) => {
      error.textContent = err instanceof Error ? err.message : String(err);
    });
});

byId('logout').addEventListener('click', () => {
  api('POST', 'api/specialist/logout').then(() => {
    me = null;
    disconnect();
    dropAct();
    endHomeCall();
    endUnitRoom();
    byId('who').textContent = '';
    socketShown = null;
    wsState().textContent = '';
    show('login');
  });
});

const trace = ecgTrace(byId<HTMLCanvasElement>('ecg'), {
  grid: byId<HTMLCanvasElement>('ecg-grid'),
  cssPxPerMm: storedScale() ?? NOMINAL_CSS_PX_PER_MM,
  onRate: (bpm) => showEcgInfo(bpm),
});
initAct(trace, drawRoom);
initEcgCalibration((cssPxPerMm) => trace.rescale(cssPxPerMm));
initPtzControls(actLive);
initConversation();
initHomeCall();
initLanguage(() => {
  if (socketShown) showSocket(socketShown);
  drawRoom();
  drawParticipants();
  if (currentAct()) renderAct();
  renderPresets();
  showEcgInfo();
  showVitals();
  renderConvo();
  renderHomeCall();
  renderUnitRoom();
});

api('GET', 'api/specialist/me')
  .then((r) => {
    if (!r.ok) throw new Error('login');
    return r.json() as Promise<{ specialist: Specialist }>;
  })
  .then((b) => start(b.specialist))
  .catch(() => show('login'));
