/**
 * The latest readings, newest first (at most 50): value, time, patient or "waiting for a patient"
 * with a button to assign it to the selected patient; a reading the device said is not valid is
 * struck through and says so. Redrawn whole on a language switch.
 */
import { byId, el } from '@telecart/ui/browser';
import { api } from './api.js';
import { nameOf, state, t } from './state.js';
import type { Observation, ReadingEvent } from './types.js';
import { label, valueText } from './values.js';

const SHOWN = 50;
const shown = new Map<number, Observation>();

function readingItem(o: Observation): HTMLLIElement {
  const li = el(
    'li',
    { id: `seq-${o.seq}` },
    el('span', { class: 'v' }, `${label(o.code)} ${valueText(o)}`),
    el('span', { class: 't' }, new Date(o.time.effective).toLocaleString(state.lang)),
  );
  const who = el('span');
  li.append(who);
  if (o.status === 'entered-in-error') {
    // The device said the value is not a valid measurement (no skin contact, invalid PLX…): say so.
    li.classList.add('invalid');
    li.append(el('span', { class: 'invalid-note' }, t().invalid));
  }
  if (o.patient) {
    who.textContent = nameOf(o.patient.id);
  } else {
    who.className = 'held';
    who.textContent = t().held;
    const assign = el('button', { class: 'assign', disabled: !state.current }, t().assign);
    assign.addEventListener('click', () => void assignHeld(o));
    li.append(assign);
  }
  return li;
}

async function assignHeld(o: Observation): Promise<void> {
  const patient = state.current;
  if (!patient) return;
  await api('POST', '/api/readings/assign', { seqs: [o.seq], patientId: patient.id });
  addReading({ observation: { ...o, patient: { id: patient.id } } });
}

export function renderReadings(): void {
  const seqs = [...shown.keys()].sort((a, b) => b - a);
  for (const seq of seqs.slice(SHOWN)) shown.delete(seq);
  const items: HTMLLIElement[] = [];
  for (const seq of seqs.slice(0, SHOWN)) {
    const o = shown.get(seq);
    if (o) items.push(readingItem(o));
  }
  byId('readings').replaceChildren(...items);
}

/** Readings loaded at start: drawn once, by the caller. */
export function keepReadings(readings: readonly ReadingEvent[]): void {
  for (const r of readings) shown.set(r.observation.seq, r.observation);
}

export function addReading(r: ReadingEvent): void {
  shown.set(r.observation.seq, r.observation);
  renderReadings();
}

/** Assign buttons follow the selection (enabled only with a patient selected). */
export function renderAssignButtons(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('button.assign')) b.disabled = !state.current;
}
