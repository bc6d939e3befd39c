/**
 * The alerts panel: re-fetched on every `alert` event (debounced); an alert is acknowledged with
 * its optional note, then the panel is read again (409, acknowledged by someone else meanwhile,
 * ends the same way).
 */
import { fetchFragment, reloadIfSignedOut, swapIn } from './fragments.js';

export interface AlertsPanel {
  refresh(): void;
  schedule(): void;
}

export function alertsPanel(list: HTMLElement, lang: () => string, failed: () => void): AlertsPanel {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const refresh = () => {
    timer = null;
    fetchFragment(`dashboard/alerts?lang=${lang()}`).then((html) => swapIn(list, html), failed);
  };
  list.addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest<HTMLButtonElement>('button[data-ack]') : null;
    if (!button) return;
    const id = button.dataset.ack ?? '';
    const input = list.querySelector<HTMLInputElement>(`input[data-note-for="${CSS.escape(id)}"]`);
    const note = input?.value.trim() || null;
    button.disabled = true;
    fetch(`api/alerts/${encodeURIComponent(id)}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(note ? { note } : {}),
    }).then(
      (r) => {
        reloadIfSignedOut(r);
        refresh();
      },
      () => {
        button.disabled = false;
        failed();
      },
    );
  });
  return {
    refresh,
    schedule: () => {
      if (timer === null) timer = setTimeout(refresh, 250);
    },
  };
}
