/** The Sites tab: the administrator's sites (kind, carts, contact); they also fill the site choices of the cart and team forms. */
import { byId, el } from '@telecart/ui/browser';
import { type admin, format, type TextsOf } from '@telecart/ui/i18n';
import { call } from './api.js';
import { startOncall } from './oncall.js';

interface Site {
  id: string;
  name: string;
  kind: 'ehpad' | 'home';
  gateways: string[];
  contact: { email?: string; phone?: string } | null;
}

/** Fills the site choices of a select with the administrator's sites. */
export async function fillSiteChoices(select: HTMLSelectElement, t: TextsOf<typeof admin>): Promise<Site[]> {
  const r = await call<{ sites: Site[] }>('GET', 'api/admin/sites');
  if (!r.ok) {
    select.replaceChildren(el('option', { value: '' }, r.message ? format(t.refused, { message: r.message }) : t.error));
    return [];
  }
  select.replaceChildren(...r.body.sites.map((s) => el('option', { value: s.id }, `${s.name} (${s.id})`)));
  return r.body.sites;
}

export function startSites(t: TextsOf<typeof admin>): void {
  const body = byId('sites').querySelector('tbody') as HTMLTableSectionElement;
  void fillSiteChoices(byId('team-site') as HTMLSelectElement, t).then((sites) => {
    body.replaceChildren(
      ...sites.map((s) =>
        el(
          'tr',
          { 'data-site': s.id },
          el('td', {}, s.id),
          el('td', {}, s.name),
          el('td', {}, s.kind === 'home' ? t.kindHome : t.kindEhpad),
          el('td', {}, s.gateways.join(', ')),
          el('td', {}, [s.contact?.email, s.contact?.phone].filter((x) => x !== undefined).join(', ')),
        ),
      ),
    );
  });
  startOncall(t);
}
