/**
 * The nurse page's code: loads the residents, the cart's status and the latest readings, follows
 * the live stream (/api/events), the selection, the call to the specialist and the store, and
 * switches between French and English; with nurse sign-in required, the lock screen comes first (lock.ts). Text from the network or a device goes in with textContent.
 */
import { byId, el } from '@telecart/ui/browser';
import { format } from '@telecart/ui/i18n';
import { renderAgenda, watchAgenda } from './agenda.js';
import { api, errorText } from './api.js';
import { noteStatus, pollStatus, renderRefused, renderStore } from './banners.js';
import { cancelCall, placeCall, pollCall, renderCall } from './call.js';
import { CONSENT_FIELDS, resetConsent } from './consent.js';
import { initConversation, renderConvo } from './conversation.js';
import { loadDocuments, renderDocuments } from './documents.js';
import { initLock, onBadge, renderLock } from './lock.js';
import { addReading, keepReadings, renderAssignButtons, renderReadings } from './readings.js';
import { isTextKey, patientName, state, t } from './state.js';
import type { BadgeTap, Coded, Patient, PatientList, ReadingEvent, ReadingList, Status } from './types.js';
import { label, valueText } from './values.js';

// The patient the consent form was filled for: a new selection clears it.
let consentFor: string | null = null;

function renderWho(): void {
  const id = state.current?.id ?? null;
  if (id !== consentFor) {
    consentFor = id;
    resetConsent();
  }
  renderCall();
  const who = byId('who');
  who.className = state.current ? '' : 'none';
  who.textContent = state.current ? format(t().current, { name: patientName(state.current) }) : t().none;
  byId<HTMLSelectElement>('patient').value = state.current?.id ?? '';
  renderAssignButtons();
  void loadDocuments();
}

function renderStatic(): void {
  document.documentElement.lang = state.lang;
  for (const e of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = e.dataset.i18n;
    if (isTextKey(key)) e.textContent = t()[key];
  }
  for (const e of document.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    const key = e.dataset.i18nPlaceholder;
    if (isTextKey(key)) e.placeholder = t()[key];
  }
  renderCall();
  byId('patient').replaceChildren(
    el('option', { value: '' }, t().choose),
    ...state.patients.map((p) => el('option', { value: p.id }, patientName(p))),
  );
  renderWho();
}

/** The cart's residents changed: the picker, and the names in the readings and the day. */
function showResidents(patients: Patient[]): void {
  state.patients = patients;
  renderStatic();
  renderReadings();
  renderAgenda();
}

async function main(): Promise<void> {
  // First: with sign-in required, nothing shows before the lock screen has had its say.
  await initLock();
  state.patients = await api<Patient[]>('GET', '/api/patients');
  const status = await api<Status>('GET', '/api/status');
  state.current = status.currentPatient;
  renderStatic();
  noteStatus(status);
  pollStatus();
  // The controls answer from the moment they are drawn: a nurse who picks a resident while the
  // readings below still load must not see the choice silently ignored.
  const picker = byId<HTMLSelectElement>('patient');
  picker.addEventListener('change', async () => {
    const id = picker.value;
    const r = id
      ? await api<{ patient: Patient | null }>('PUT', '/api/context/patient', { patientId: id })
      : await api<{ patient: Patient | null }>('DELETE', '/api/context/patient');
    state.current = r.patient;
    renderWho();
  });
  byId('clear').addEventListener('click', async () => {
    state.current = (await api<{ patient: Patient | null }>('DELETE', '/api/context/patient')).patient;
    renderWho();
  });
  byId('tc-call').addEventListener('click', () => void placeCall());
  for (const id of CONSENT_FIELDS) {
    byId(id).addEventListener('input', renderCall);
    byId(id).addEventListener('change', renderCall);
  }
  byId('tc-cancel').addEventListener('click', () => void cancelCall());
  pollCall();
  initConversation();
  byId('lang').addEventListener('click', () => {
    state.lang = state.lang === 'fr' ? 'en' : 'fr';
    renderStatic();
    renderReadings();
    renderStore();
    renderRefused();
    renderConvo();
    renderAgenda();
    renderDocuments();
    renderLock();
  });

  const [held, pending] = await Promise.all([
    api<ReadingList>('GET', '/api/readings?state=held&limit=25'),
    api<ReadingList>('GET', '/api/readings?state=pending&limit=25'),
  ]);
  keepReadings([...held.readings, ...pending.readings]);
  renderReadings();

  const events = new EventSource('/api/events');
  // The cart's day and the current patient's documents come with the stream (the gateway pushes each new day).
  watchAgenda(events, () => void loadDocuments());
  // Marks the live stream as open (readings and live values from now on reach this page).
  events.addEventListener('open', () => {
    document.body.dataset.events = 'open';
    // A list that came while the stream was closed (at load, or the gateway restarting) is read once here.
    void api<Patient[]>('GET', '/api/patients').then(showResidents, () => undefined);
  });
  events.addEventListener('error', () => {
    document.body.dataset.events = 'reconnecting';
  });
  events.addEventListener('reading', (e) => addReading(JSON.parse((e as MessageEvent<string>).data) as ReadingEvent));
  events.addEventListener('live', (e) => {
    const v = JSON.parse((e as MessageEvent<string>).data) as Coded;
    byId('live').textContent = `${label(v.code)} ${valueText(v)} …`;
  });
  events.addEventListener('badge', (e) => void onBadge(JSON.parse((e as MessageEvent<string>).data) as BadgeTap));
  // The cloud sent the cart a new list (an admission, a transfer, a discharge): the choice follows it.
  events.addEventListener('patients', (e) => showResidents((JSON.parse((e as MessageEvent<string>).data) as PatientList).patients));
  events.addEventListener('context', (e) => {
    state.current = (JSON.parse((e as MessageEvent<string>).data) as { patient: Patient | null }).patient;
    renderWho();
  });
}

main().catch((e: unknown) => {
  byId('who').textContent = errorText(e);
});
