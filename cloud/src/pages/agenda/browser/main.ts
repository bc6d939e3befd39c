/**
 * The agenda's scheduling form: posts JSON to api/appointments (the start as the browser's local
 * time, sent as an instant), shows the server's refusal as it is worded, reloads on success. Each
 * scheduled appointment's move form (PATCH api/appointments/:id) and cancel form (after a
 * confirmation; POST api/appointments/:id/close) do the same: the API checks, audits and tells
 * the patient and the people named (the outbox).
 */
import { byId } from '@telecart/ui/browser';
import { agenda, format, isLang, textsIn } from '@telecart/ui/i18n';

const lang = isLang(document.documentElement.lang) ? document.documentElement.lang : 'fr';
const t = textsIn(agenda, lang);
const form = byId<HTMLFormElement>('schedule-form');
const message = byId('schedule-message');
// The server words its refusals in the page's language (and gives a stable `code` beside).
const headers = { 'content-type': 'application/json', 'accept-language': lang };
const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value;

form.addEventListener('submit', (e) => {
  e.preventDefault();
  message.textContent = '';
  const start = new Date(field('start'));
  const body: Record<string, unknown> = {
    patient: field('patient'),
    gateway: field('gateway'),
    start: Number.isNaN(start.getTime()) ? field('start') : start.toISOString(),
    minutes: Number(field('minutes')),
  };
  if (field('reason')) body.reason = field('reason');
  if (field('specialist')) body.specialist = field('specialist');
  else if (field('specialty')) body.specialty = field('specialty');
  fetch('api/appointments', { method: 'POST', headers, body: JSON.stringify(body) }).then(
    async (r) => {
      if (r.status === 201) {
        message.textContent = t.scheduled;
        location.reload();
        return;
      }
      const reply = (await r.json().catch(() => ({}))) as { message?: string };
      message.textContent = reply.message ? format(t.refused, { message: reply.message }) : t.error;
    },
    () => {
      message.textContent = t.error;
    },
  );
});

/** Sends one change of an appointment; the server's refusal as worded in the row, a reload on success. */
function send(url: string, method: 'PATCH' | 'POST', body: unknown, out: Element, done: string): void {
  out.textContent = '';
  fetch(url, { method, headers, body: JSON.stringify(body) }).then(
    async (r) => {
      if (r.ok) {
        out.textContent = done;
        location.reload();
        return;
      }
      const reply = (await r.json().catch(() => ({}))) as { message?: string };
      out.textContent = reply.message ? format(t.refused, { message: reply.message }) : t.error;
    },
    () => {
      out.textContent = t.error;
    },
  );
}

const inputOf = (f: HTMLFormElement, name: string) => (f.elements.namedItem(name) as HTMLInputElement).value;
const messageOf = (f: HTMLFormElement) => f.closest('details')?.querySelector('.change-message') ?? message;

for (const f of document.querySelectorAll<HTMLFormElement>('form.reschedule-form')) {
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    const start = new Date(inputOf(f, 'start'));
    const body = {
      start: Number.isNaN(start.getTime()) ? inputOf(f, 'start') : start.toISOString(),
      minutes: Number(inputOf(f, 'minutes')),
    };
    send(`api/appointments/${encodeURIComponent(f.dataset.appointment ?? '')}`, 'PATCH', body, messageOf(f), t.moved);
  });
}

for (const f of document.querySelectorAll<HTMLFormElement>('form.cancel-form')) {
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    // Cancelling tells the patient and the people named: asked once more.
    if (!window.confirm(format(t.confirmCancel, { patient: f.dataset.patient ?? '', when: f.dataset.when ?? '' }))) return;
    const body = { status: 'cancelled', reason: inputOf(f, 'reason') };
    send(`api/appointments/${encodeURIComponent(f.dataset.appointment ?? '')}/close`, 'POST', body, messageOf(f), t.cancelled);
  });
}
