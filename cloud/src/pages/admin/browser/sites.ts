/**
 * The Sites tab: the administrator's sites (kind, carts, contact, required sign-in level); they also fill
 * the site choices of the cart and team forms. The level form answers as the server words it (only an
 * administrator of every cart sets one).
 */
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
  acrAccept: string[];
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
  const form = byId<HTMLFormElement>('acr-form');
  const select = byId<HTMLSelectElement>('acr-site');
  const input = byId<HTMLInputElement>('acr-accept');
  const message = byId('sites-message');
  let known: Site[] = [];
  const showLevel = () => {
    input.value = known.find((s) => s.id === select.value)?.acrAccept.join(', ') ?? '';
  };
  select.addEventListener('change', showLevel);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = select.value;
    const acrAccept = input.value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    void call<{ site: Site }>('PATCH', `api/admin/sites/${encodeURIComponent(id)}`, { acrAccept }).then((r) => {
      message.textContent = r.ok
        ? format(t.acrSaved, { id, acr: r.body.site.acrAccept.join(', ') || t.acrNone })
        : r.message
          ? format(t.refused, { message: r.message })
          : t.error;
      if (r.ok) startSitesTable();
    });
  });
  const startSitesTable = () => void fillSiteChoices(select, t).then(render);
  const teamSite = byId<HTMLSelectElement>('team-site');
  const render = (sites: Site[]) => {
    known = sites;
    // One request fills both site choices: the team form's gets the same options (or the same refusal).
    const chosen = teamSite.value;
    teamSite.replaceChildren(...[...select.options].map((o) => o.cloneNode(true)));
    if (chosen) teamSite.value = chosen;
    showLevel();
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
          el('td', { 'data-acr': s.acrAccept.join(' ') }, s.acrAccept.join(', ') || t.acrNone),
        ),
      ),
    );
  };
  startSitesTable();
  startOncall(t);
}
