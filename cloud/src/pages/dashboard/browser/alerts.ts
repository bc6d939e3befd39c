/**
 * The alerts panel: re-fetched on every `alert` event (debounced); an alert is acknowledged with
 * its optional note, then the panel is read again (409, acknowledged by someone else meanwhile,
 * ends the same way). A live refresh keeps what the clinician is typing: the notes being written
 * (and the focus) are carried over to the new rows of the same alerts.
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
    fetchFragment(`dashboard/alerts?lang=${lang()}`).then((html) => swapKeepingNotes(list, html), failed);
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

/** Swaps the panel in, then puts back the notes typed for alerts still listed (and the caret). */
function swapKeepingNotes(list: HTMLElement, html: string): void {
  const typed = new Map<string, string>();
  for (const input of list.querySelectorAll<HTMLInputElement>('input[data-note-for]')) {
    if (input.value !== '') typed.set(input.dataset.noteFor ?? '', input.value);
  }
  const active = document.activeElement;
  const focused = active instanceof HTMLInputElement && list.contains(active) ? active : null;
  const focusedFor = focused?.dataset.noteFor ?? null;
  const caret = focused ? [focused.selectionStart, focused.selectionEnd] : null;
  swapIn(list, html);
  for (const input of list.querySelectorAll<HTMLInputElement>('input[data-note-for]')) {
    const id = input.dataset.noteFor ?? '';
    const value = typed.get(id);
    if (value !== undefined) input.value = value;
    if (id === focusedFor) {
      input.focus();
      if (caret) input.setSelectionRange(caret[0] ?? null, caret[1] ?? null);
    }
  }
}
