/**
 * The nurses' cart credentials, in the Accounts tab: for each nurse this administrator manages, whether a
 * code and a badge are set, and a row form to set new ones (PUT …/nurse-credentials; the cloud keeps only
 * a verifier and a hash, and republishes the carts' lists). Hidden when the cloud serves no nurse lists.
 */
import { byId, el } from '@telecart/ui/browser';
import { type admin, format, type TextsOf } from '@telecart/ui/i18n';
import { call, type Reply } from './api.js';

interface Nurse {
  id: string;
  hasPin: boolean;
  pinSetAt: string | null;
  hasBadge: boolean;
  carts: string[];
}

/** Starts the section; `reload` lists the nurses again (an account was created, enabled or disabled). */
export function startNurseCredentials(t: TextsOf<typeof admin>, lang: string): { reload(): void } {
  const section = byId('nurse-credentials');
  const body = byId('nurses').querySelector('tbody') as HTMLTableSectionElement;
  const empty = byId('nurses-empty');
  const message = byId('nurses-message');

  const say = (r: Reply<unknown>) => {
    message.textContent = r.ok ? t.done : r.message ? format(t.refused, { message: r.message }) : t.error;
  };
  const day = (iso: string) => new Date(iso).toLocaleString(lang, { dateStyle: 'short', timeStyle: 'short' });

  function row(n: Nurse): HTMLTableRowElement {
    const pin = el('input', {
      type: 'password',
      inputmode: 'numeric',
      autocomplete: 'new-password',
      pattern: '[0-9]{4,6}',
      maxlength: '6',
      'aria-label': `${t.newPin} (${n.id})`,
      'data-field': 'pin',
    });
    const badge = el('input', { maxlength: '20', 'aria-label': `${t.newBadge} (${n.id})`, 'data-field': 'badge' });
    const save = el('button', { type: 'button', 'data-action': 'save-credentials' }, t.save);
    save.addEventListener('click', () => {
      const payload: { pin?: string; badgeUid?: string } = {};
      if (pin.value !== '') payload.pin = pin.value;
      if (badge.value.trim() !== '') payload.badgeUid = badge.value.trim().toUpperCase();
      if (payload.pin === undefined && payload.badgeUid === undefined) return;
      void call('PUT', `api/admin/accounts/${encodeURIComponent(n.id)}/nurse-credentials`, payload).then(async (r) => {
        say(r);
        if (r.ok) await load();
      });
    });
    return el(
      'tr',
      { 'data-nurse': n.id },
      el('td', {}, n.id),
      el('td', {}, n.carts.join(', ')),
      el('td', { 'data-pin': n.hasPin ? 'set' : 'none' }, n.hasPin && n.pinSetAt ? format(t.pinSetAt, { at: day(n.pinSetAt) }) : t.pinNone),
      el('td', { 'data-badge': n.hasBadge ? 'set' : 'none' }, n.hasBadge ? t.badgeSet : t.badgeNone),
      el('td', {}, el('span', { class: 'row-actions' }, pin, ' ', badge, ' ', save)),
    );
  }

  async function load(): Promise<void> {
    const r = await call<{ nurses: Nurse[] }>('GET', 'api/admin/nurse-credentials');
    if (!r.ok) {
      // No nurse lists on this cloud (no teleconsultation service): nothing to show.
      if (r.status === 404) return;
      return say(r);
    }
    section.hidden = false;
    body.replaceChildren(...r.body.nurses.map(row));
    empty.hidden = r.body.nurses.length > 0;
  }

  void load();
  return { reload: () => void load() };
}
