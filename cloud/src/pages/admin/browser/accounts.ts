/** The Accounts tab: the accounts this administrator manages, their state and actions, the creation form. */
import { byId, el } from '@telecart/ui/browser';
import { type admin, format, type TextsOf } from '@telecart/ui/i18n';
import { call, type Reply } from './api.js';

interface Account {
  id: string;
  name: string;
  role: string;
  sites: string[];
  disabledAt: string | null;
}

/** `changed` is told after each change the administrator makes to an account. */
export function startAccounts(t: TextsOf<typeof admin>, changed: () => void = () => undefined): void {
  const body = byId('accounts').querySelector('tbody') as HTMLTableSectionElement;
  const message = byId('accounts-message');
  const form = byId<HTMLFormElement>('account-form');
  const sites = byId('account-sites');

  const say = (r: Reply<unknown>) => {
    message.textContent = r.ok ? t.done : r.message ? format(t.refused, { message: r.message }) : t.error;
  };
  const act = async (method: string, path: string, payload?: unknown) => {
    const r = await call(method, path, payload);
    say(r);
    await load();
    changed();
  };
  const button = (label: string, name: string, onClick: () => void) => {
    const b = el('button', { type: 'button', 'data-action': name }, label);
    b.addEventListener('click', onClick);
    return b;
  };

  async function load(): Promise<void> {
    const r = await call<{ accounts: Account[] }>('GET', 'api/admin/accounts');
    if (!r.ok) return say(r);
    body.replaceChildren(
      ...r.body.accounts.map((a) => {
        const path = `api/admin/accounts/${encodeURIComponent(a.id)}`;
        const disabled = a.disabledAt !== null;
        return el(
          'tr',
          { 'data-account': a.id, 'data-state': disabled ? 'disabled' : 'active' },
          el('td', {}, a.id),
          el('td', {}, a.name),
          el('td', {}, a.role),
          el('td', {}, a.sites.join(', ')),
          el('td', {}, disabled ? t.disabled : t.active),
          el(
            'td',
            {},
            el(
              'span',
              { class: 'row-actions' },
              button(
                disabled ? t.enable : t.disable,
                disabled ? 'enable' : 'disable',
                () => void act('PATCH', path, { disabled: !disabled }),
              ),
              button(t.resetTotp, 'reset-totp', () => void act('PATCH', path, { totp: null })),
              button(t.endSessions, 'end-sessions', () => void act('POST', `${path}/end-sessions`)),
            ),
          ),
        );
      }),
    );
  }

  void call<{ sites: { id: string; name: string }[] }>('GET', 'api/admin/sites').then((r) => {
    if (!r.ok) return say(r);
    for (const s of r.body.sites)
      sites.append(el('label', {}, el('input', { type: 'checkbox', name: 'sites', value: s.id, 'data-site': s.id }), ` ${s.name}`));
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const text = (k: string) => String(data.get(k) ?? '').trim();
    const payload: Record<string, unknown> = {
      id: text('id'),
      name: text('name'),
      role: text('role'),
      sites: data.getAll('sites').map(String),
      password: String(data.get('password') ?? ''),
    };
    if (text('rpps')) payload.rpps = text('rpps');
    void call('POST', 'api/admin/accounts', payload).then(async (r) => {
      say(r);
      if (r.ok) form.reset();
      await load();
      changed();
    });
  });

  void load();
}
