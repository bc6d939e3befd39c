/**
 * "Actes du jour": the cart's acts of today as the cloud last sent them (GET /api/agenda, kept by
 * the gateway across restarts and network losses). Times in the day's time zone; patients by name
 * when the page knows them, else by the cart's id. Read again when the gateway's event stream says
 * a new day landed, and when the stream (re)opens; a slow poll only while the stream is down.
 */
import { byId, el } from '@telecart/ui/browser';
import { format } from '@telecart/ui/i18n';
import { AGENDA_FALLBACK_MS } from '../refresh.js';
import { api, errorText } from './api.js';
import { nameOf, state, t } from './state.js';

type ActStatus = 'scheduled' | 'waiting' | 'in-progress' | 'completed' | 'not-done' | 'cancelled';
interface Act {
  id: string;
  start: string;
  patient: string;
  specialist: string | null;
  specialty: string | null;
  status: ActStatus;
  reason: string | null;
}
interface Agenda {
  day: string | null;
  timeZone: string | null;
  at: string | null;
  acts: Act[];
}

let last: Agenda | null = null;

const statusText = (s: ActStatus): string =>
  ({
    scheduled: t().agScheduled,
    waiting: t().agWaiting,
    'in-progress': t().agInProgress,
    completed: t().agCompleted,
    'not-done': t().agNotDone,
    cancelled: t().agCancelled,
  })[s];

function time(iso: string, timeZone: string | null): string {
  return new Intl.DateTimeFormat(state.lang, { hour: '2-digit', minute: '2-digit', ...(timeZone ? { timeZone } : {}) }).format(
    new Date(iso),
  );
}

export function renderAgenda(): void {
  const list = byId('acts-list');
  const asOf = byId('acts-asof');
  if (last === null || last.day === null || last.at === null) {
    asOf.textContent = t().actsUnknown;
    list.replaceChildren();
    return;
  }
  const day = last.day;
  asOf.textContent = format(t().actsAsOf, { day, time: time(last.at, last.timeZone) });
  if (last.acts.length === 0) {
    list.replaceChildren(el('li', { class: 'none' }, t().actsNone));
    return;
  }
  list.replaceChildren(
    ...last.acts.map((a) =>
      el(
        'li',
        { 'data-act': a.id, 'data-status': a.status },
        el('time', { datetime: a.start }, time(a.start, last?.timeZone ?? null)),
        ' ',
        el('span', { class: 'act-patient' }, nameOf(a.patient)),
        ' — ',
        el('span', { class: 'act-specialist' }, a.specialist ?? format(t().actPool, { specialty: a.specialty ?? '?' })),
        ' — ',
        el('span', { class: 'act-status' }, statusText(a.status)),
        ...(a.reason ? [' — ', el('span', { class: 'act-reason' }, a.reason)] : []),
      ),
    ),
  );
}

export async function loadAgenda(): Promise<void> {
  try {
    last = await api<Agenda>('GET', '/api/agenda');
    renderAgenda();
  } catch (e) {
    byId('acts-asof').textContent = errorText(e);
  }
}

/**
 * The day (and, through `onDay`, the current patient's documents) follows the gateway's stream:
 * read at each `agenda` event and each (re)open, which covers what changed while it was down.
 */
export function watchAgenda(events: EventSource, onDay: () => void): void {
  const load = () => {
    void loadAgenda();
    onDay();
  };
  load();
  events.addEventListener('agenda', load);
  events.addEventListener('open', load);
  // Fallback only: a stream that stays down (a proxy that buffers it, a browser that gave up) still refreshes.
  setInterval(() => {
    if (events.readyState !== EventSource.OPEN) load();
  }, AGENDA_FALLBACK_MS);
}
