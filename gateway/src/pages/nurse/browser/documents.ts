/**
 * "Documents": the current patient's signed documents (GET /api/documents?patient=…), each opened
 * in a new tab from the gateway (which fetches it from the cloud): the page never talks to the cloud.
 */
import { byId, el } from '@telecart/ui/browser';
import { format } from '@telecart/ui/i18n';
import { api, errorText } from './api.js';
import { state, t } from './state.js';

interface Doc {
  id: string;
  title: string;
  date: string;
  signer: string;
  version: number;
  href: string;
}

let shown: { patient: string; documents: Doc[] } | null = null;

export function renderDocuments(): void {
  const list = byId('docs-list');
  if (state.current === null) {
    list.replaceChildren(el('li', { class: 'none' }, t().docsNoPatient));
    return;
  }
  if (shown === null || shown.patient !== state.current.id) return;
  if (shown.documents.length === 0) {
    list.replaceChildren(el('li', { class: 'none' }, t().docsNone));
    return;
  }
  const date = new Intl.DateTimeFormat(state.lang, { dateStyle: 'medium' });
  list.replaceChildren(
    ...shown.documents.map((d) =>
      el(
        'li',
        { 'data-doc': d.id },
        format(t().docLine, { title: d.title, version: String(d.version), signer: d.signer, date: date.format(new Date(d.date)) }),
        ' ',
        el('a', { class: 'button doc-open', href: d.href, target: '_blank', rel: 'noopener' }, t().docOpen),
      ),
    ),
  );
}

/** The current patient's documents, again (on a new selection, and with the day's refresh). */
export async function loadDocuments(): Promise<void> {
  const patient = state.current?.id;
  if (patient === undefined) {
    shown = null;
    renderDocuments();
    return;
  }
  try {
    shown = await api<{ patient: string; documents: Doc[] }>('GET', `/api/documents?patient=${encodeURIComponent(patient)}`);
    renderDocuments();
  } catch (e) {
    byId('docs-list').replaceChildren(el('li', { class: 'none' }, errorText(e)));
  }
}
