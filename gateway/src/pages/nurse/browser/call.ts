/**
 * The call to the specialist (POST/DELETE /api/teleconsult/call) and the act's status as
 * GET /api/teleconsult last described it, with the act's own patient (captured when the nurse
 * called, never the selection of the moment).
 */
import { byId, el } from '@telecart/ui/browser';
import { format } from '@telecart/ui/i18n';
import { api, errorText } from './api.js';
import { consentValue, resetConsent } from './consent.js';
import { nameOf, state, t } from './state.js';
import type { Act, CallReply } from './types.js';

let act: Act | null = null;
let actError = '';
const ACTIVE = ['scheduled', 'waiting', 'in-progress'];
const actActive = (): boolean => act !== null && ACTIVE.includes(act.status);

type StatusKey = 'stScheduled' | 'stWaiting' | 'stInProgress' | 'stCompleted' | 'stNotDone' | 'stCancelled' | 'stReconnecting';
const STATUS_KEYS: Record<string, StatusKey> = {
  scheduled: 'stScheduled',
  waiting: 'stWaiting',
  'in-progress': 'stInProgress',
  completed: 'stCompleted',
  'not-done': 'stNotDone',
  cancelled: 'stCancelled',
  reconnecting: 'stReconnecting',
};

function statusText(a: Act, shown: string): string {
  const key = STATUS_KEYS[shown];
  const status = key ? t()[key] : a.status;
  return a.specialist ? format(t().withSpecialist, { status, name: a.specialist.name }) : status;
}

export function renderCall(): void {
  const st = byId('tc-status');
  // In progress with the specialist's page gone (reload, lost connection): the act waits for them.
  const shown = act && act.status === 'in-progress' && act.specialistLink === 'reconnecting' ? 'reconnecting' : (act?.status ?? '');
  st.dataset.status = shown;
  const refused = act?.refused ? (act.refused === 'no-consent' ? t().refusedNoConsent : act.refused) : '';
  st.textContent = actError || refused || (act ? statusText(act, shown) : '');
  const consent = consentValue();
  const call = byId<HTMLButtonElement>('tc-call');
  call.disabled = actActive() || !state.current || !consent;
  call.title = !state.current ? t().needPatient : consent ? '' : t().needConsent;
  byId('tc-cancel').hidden = !(act && (act.status === 'waiting' || act.status === 'scheduled'));
  renderActPatient();
}

// The act's patient, as the gateway captured it when the nurse called: never the selection, which
// may change during the call (the next resident's readings) without touching the act.
function renderActPatient(): void {
  const who = byId('tc-patient');
  const id = act && !act.refused ? act.patientId : null;
  who.hidden = !id;
  if (!id) {
    who.replaceChildren();
    return;
  }
  who.dataset.patientId = id;
  who.textContent = format(t().actPatient, { name: nameOf(id) });
  if (actActive() && state.current && state.current.id !== id) who.append(el('span', { class: 'other' }, ` (${t().otherSelected})`));
}

async function refreshCall(): Promise<void> {
  try {
    const r = await api<{ session: Act | null } | null>('GET', '/api/teleconsult');
    // A finished act stays on screen until another one replaces it.
    act = r?.session ? r.session : act && !ACTIVE.includes(act.status) ? act : null;
  } catch {
    act = null;
  }
  actError = '';
  renderCall();
}

/** Follows the act: every 1.5 s while it is under way, every 5 s otherwise. */
export function pollCall(): void {
  void refreshCall().finally(() => setTimeout(pollCall, actActive() ? 1500 : 5000));
}

export async function placeCall(): Promise<void> {
  const reasonField = byId<HTMLInputElement>('tc-reason');
  const reason = reasonField.value.trim();
  const consent = consentValue();
  if (!consent) return;
  byId<HTMLButtonElement>('tc-call').disabled = true;
  try {
    const r = await api<CallReply>('POST', '/api/teleconsult/call', reason ? { reason, consent } : { consent });
    act = { sessionId: r.sessionId, status: r.status || 'waiting', specialist: null, patientId: state.current?.id ?? null };
    actError = '';
    reasonField.value = '';
    resetConsent();
  } catch (e) {
    actError = errorText(e);
  }
  renderCall();
  void refreshCall();
}

export async function cancelCall(): Promise<void> {
  if (!act) return;
  try {
    await api('DELETE', `/api/teleconsult/call/${encodeURIComponent(act.sessionId)}`);
  } catch (e) {
    actError = errorText(e);
  }
  void refreshCall();
}
