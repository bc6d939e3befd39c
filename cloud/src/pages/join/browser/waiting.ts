/**
 * The join page's waiting step: a WebSocket under the link (GET /join/:token/ws) on which the cloud
 * says `waiting`, then `admitted` or `refused` by the specialist (teleconsult/participants.ts).
 * body[data-step] goes waiting → admitted | refused | lost, for the patient's page and the tests.
 */
import { byId } from '@telecart/ui/browser';
import { format, type home, type TextsOf } from '@telecart/ui/i18n';

export function startWaiting(t: TextsOf<typeof home>): void {
  const text = byId('waiting-text');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${location.pathname}/ws${location.search}`;
  const ws = new WebSocket(url);
  let decided = false;
  ws.addEventListener('message', (e) => {
    let m: unknown;
    try {
      m = JSON.parse(String(e.data));
    } catch {
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    const { type, by } = m as { type?: unknown; by?: unknown };
    const who = typeof by === 'string' ? by : '';
    if (type === 'admitted') {
      decided = true;
      document.body.dataset.step = 'admitted';
      text.textContent = format(t.admittedText, { by: who });
    } else if (type === 'refused') {
      decided = true;
      document.body.dataset.step = 'refused';
      text.textContent = format(t.refusedText, { by: who });
    }
  });
  ws.addEventListener('close', () => {
    if (decided && document.body.dataset.step === 'refused') return;
    document.body.dataset.step = 'lost';
    text.textContent = t.waitingLost;
  });
}
