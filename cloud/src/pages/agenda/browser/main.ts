/**
 * The agenda's scheduling form: posts JSON to api/appointments (the start as the browser's local
 * time, sent as an instant), shows the server's refusal as it is worded, reloads on success.
 */
import { byId } from '@telecart/ui/browser';
import { agenda, format, isLang, textsIn } from '@telecart/ui/i18n';

const lang = isLang(document.documentElement.lang) ? document.documentElement.lang : 'fr';
const t = textsIn(agenda, lang);
const form = byId<HTMLFormElement>('schedule-form');
const message = byId('schedule-message');
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
  fetch('api/appointments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
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
