/** The Carts tab: the carts of the administrator's sites with their online state, backlog, version and last contact. */
import { byId, el } from '@telecart/ui/browser';
import { type admin, format, type TextsOf } from '@telecart/ui/i18n';
import { call } from './api.js';

interface Cart {
  gatewayId: string;
  site: string | null;
  online: boolean;
  version: string | null;
  backlog: { readings: number; held: number } | null;
  lastSeenAt: string | null;
}

export function startCarts(t: TextsOf<typeof admin>): void {
  const body = byId('carts').querySelector('tbody') as HTMLTableSectionElement;
  const empty = byId('carts-empty');
  void call<{ carts: Cart[] }>('GET', 'api/admin/carts').then((r) => {
    if (!r.ok) {
      empty.hidden = false;
      empty.textContent = r.message ? format(t.refused, { message: r.message }) : t.error;
      return;
    }
    empty.hidden = r.body.carts.length > 0;
    const locale = document.documentElement.lang === 'en' ? 'en-GB' : 'fr-FR';
    body.replaceChildren(
      ...r.body.carts.map((c) =>
        el(
          'tr',
          { 'data-cart': c.gatewayId, 'data-online': String(c.online) },
          el('td', {}, c.gatewayId),
          el('td', {}, c.site ?? ''),
          el('td', {}, c.online ? t.online : t.offline),
          el('td', {}, c.backlog ? c.backlog.readings + c.backlog.held : ''),
          el('td', {}, c.version ?? ''),
          el('td', {}, c.lastSeenAt ? new Date(c.lastSeenAt).toLocaleString(locale) : ''),
        ),
      ),
    );
  });
}
