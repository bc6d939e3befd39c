/** The waiting room: the acts this specialist may see, live from the WebSocket, each joinable or rejoinable. */
import { byId, el } from '@telecart/ui/browser';
import { config, locale, statusLabel, t } from './i18n.js';
import type { Consent, SessionView } from './types.js';

export function patientName(p: SessionView['patient']): string {
  if (p.family || p.given) return `${(p.family ?? '').toUpperCase()} ${p.given ?? ''}`.trim();
  return p.id;
}

/** HH:MM in the care site's time zone. */
export function when(iso: string): string {
  try {
    return new Date(iso).toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit', timeZone: config.timeZone });
  } catch {
    return iso;
  }
}

// « Consentement oral du patient, recueilli à 14:02 » / « … de son représentant : Mme X (fille), … »
export function consentText(c: Consent | null): string {
  const w = t();
  if (!c) return w.consentNone;
  const who =
    c.by === 'representative' && c.representative
      ? `${w.consentRep} ${c.representative.name} (${c.representative.relation})`
      : w.consentPatient;
  return `${c.method === 'written' ? w.consentWritten : w.consentOral} ${who}, ${w.consentAt} ${when(c.collectedAt)}`;
}

function statusText(s: SessionView): string {
  const w = t();
  return (
    statusLabel(s.status) +
    (s.specialist ? ` (${w.with} ${s.specialist.name})` : '') +
    (s.specialistLink === 'reconnecting' ? ` — ${w.reconnecting}` : '')
  );
}

function row(s: SessionView, onJoin: (s: SessionView) => void): HTMLTableRowElement {
  const w = t();
  const details: string[] = [];
  if (s.patient.birthDate) details.push(`${w.born} ${s.patient.birthDate}`);
  if (s.patient.ins) details.push(`${w.ins} ${s.patient.ins}`);
  const patient = el(
    'td',
    {},
    patientName(s.patient),
    details.length > 0 && el('span', { class: 'details' }, details.join(' · ')),
    el('span', { class: 'details consent', 'data-consent': s.consent ? s.consent.by : '' }, consentText(s.consent)),
    s.forYou && el('span', { class: 'badge' }, w.forYou),
  );
  const action = el('td');
  if (s.status === 'waiting' || s.rejoin) {
    const button = el('button', { type: 'button', class: s.rejoin ? 'primary rejoin' : 'primary join' }, s.rejoin ? w.rejoin : w.join);
    button.addEventListener('click', () => onJoin(s));
    action.append(button);
  }
  return el(
    'tr',
    { 'data-session': s.sessionId, 'data-status': s.status, 'data-link': s.specialistLink ?? '' },
    patient,
    el('td', {}, s.gatewayId),
    el('td', {}, s.reason ?? ''),
    el('td', {}, when(s.createdAt)),
    el('td', { class: 'status' }, statusText(s)),
    action,
  );
}

export function renderRoom(sessions: readonly SessionView[], onJoin: (s: SessionView) => void): void {
  byId('room-empty').hidden = sessions.length > 0;
  byId('room-table').hidden = sessions.length === 0;
  byId('room-list').replaceChildren(...sessions.map((s) => row(s, onJoin)));
}
