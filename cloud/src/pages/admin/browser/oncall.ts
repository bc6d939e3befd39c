/**
 * The on-call teams of the Sites tab: who is told of an alert, level after level, and their quiet
 * hours. The form writes one team (two levels at most here; the API takes up to five).
 */
import { byId, el } from '@telecart/ui/browser';
import { type admin, format, type TextsOf } from '@telecart/ui/i18n';
import { call } from './api.js';

interface Contact {
  name: string;
  email?: string;
  phone?: string;
}
interface Team {
  id: string;
  site?: string;
  programmes: string[];
  quietHours?: { from: string; to: string };
  levels: { afterMinutes: number; contacts: Contact[] }[];
}

export function startOncall(t: TextsOf<typeof admin>): void {
  const body = byId('teams').querySelector('tbody') as HTMLTableSectionElement;
  const empty = byId('teams-empty');
  const message = byId('oncall-message');
  const form = byId('team-form') as HTMLFormElement;

  async function load(): Promise<void> {
    const r = await call<{ teams: { team: Team }[] }>('GET', 'api/admin/oncall-teams');
    if (!r.ok) {
      message.textContent = r.message ? format(t.refused, { message: r.message }) : t.error;
      return;
    }
    empty.hidden = r.body.teams.length > 0;
    body.replaceChildren(
      ...r.body.teams.map(({ team }) =>
        el(
          'tr',
          { 'data-team': team.id },
          el('td', {}, team.id),
          el('td', {}, team.site ?? ''),
          el('td', {}, team.programmes.join(', ')),
          el('td', {}, team.levels.flatMap((l, i) => l.contacts.map((c) => `${i + 1} : ${c.name}`)).join(' ; ')),
          el('td', {}, team.quietHours ? `${team.quietHours.from}–${team.quietHours.to}` : ''),
        ),
      ),
    );
  }

  const contact = (f: FormData, n: 1 | 2): Contact | null => {
    const name = String(f.get(`name${n}`) ?? '').trim();
    if (name === '') return null;
    const email = String(f.get(`email${n}`) ?? '').trim();
    const phone = String(f.get(`phone${n}`) ?? '').trim();
    return { name, ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const id = String(f.get('id') ?? '');
    const from = String(f.get('quietFrom') ?? '');
    const to = String(f.get('quietTo') ?? '');
    const first = contact(f, 1);
    const second = contact(f, 2);
    const levels = [
      ...(first ? [{ afterMinutes: 0, contacts: [first] }] : []),
      ...(second ? [{ afterMinutes: Number(f.get('after2') ?? 30), contacts: [second] }] : []),
    ];
    const site = String(f.get('site') ?? '');
    const team = {
      programmes: [String(f.get('programme') ?? '')],
      ...(site ? { site } : {}),
      ...(from && to ? { quietHours: { from, to } } : {}),
      levels,
    };
    void call('PUT', `api/admin/oncall-teams/${encodeURIComponent(id)}`, team).then(async (r) => {
      message.textContent = r.ok ? format(t.teamSaved, { id }) : r.message ? format(t.refused, { message: r.message }) : t.error;
      if (r.ok) await load();
    });
  });
  void load();
}
