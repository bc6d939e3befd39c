/**
 * The Carts tab: the carts of the administrator's sites with their online state, backlog, version and
 * last contact; a revoke button on each (after a confirmation), and the enrolment form whose one-time
 * token is shown once with a copy button; below, the shared devices' users of a cart (device-users.ts).
 */
import { byId, el } from '@telecart/ui/browser';
import { type admin, format, type TextsOf } from '@telecart/ui/i18n';
import { call, type Reply } from './api.js';
import { startDeviceUsers } from './device-users.js';
import { fillSiteChoices } from './sites.js';

interface Cart {
  gatewayId: string;
  site: string | null;
  online: boolean;
  version: string | null;
  backlog: { readings: number; held: number } | null;
  lastSeenAt: string | null;
  /** With TLS: when it was enrolled; a cart with this and no lastSeenAt never connected. */
  enrolledAt: string | null;
}

export function startCarts(t: TextsOf<typeof admin>): void {
  const body = byId('carts').querySelector('tbody') as HTMLTableSectionElement;
  const empty = byId('carts-empty');
  const message = byId('carts-message');
  const say = (r: Reply<unknown>, done: string) => {
    message.textContent = r.ok ? done : r.message ? format(t.refused, { message: r.message }) : t.error;
  };
  const locale = document.documentElement.lang === 'en' ? 'en-GB' : 'fr-FR';
  const deviceUsers = startDeviceUsers(t);

  function revokeButton(row: HTMLTableRowElement, cart: string): HTMLButtonElement {
    const revoke = el('button', { type: 'button', 'data-action': 'revoke' }, t.revoke);
    revoke.addEventListener('click', () => {
      const yes = el('button', { type: 'button', 'data-confirm': 'revoke' }, t.revoke);
      const no = el('button', { type: 'button', 'data-confirm': 'cancel' }, t.cancel);
      const ask = el('p', { class: 'confirm', role: 'alertdialog' }, format(t.confirmRevoke, { cart }), ' ', yes, ' ', no);
      row.querySelector('.confirm')?.remove();
      revoke.after(ask);
      no.addEventListener('click', () => ask.remove());
      yes.addEventListener('click', () => {
        void call('POST', `api/admin/carts/${encodeURIComponent(cart)}/revoke`).then(async (r) => {
          ask.remove();
          say(r, format(t.revoked, { cart }));
          await load();
        });
      });
    });
    return revoke;
  }

  async function load(): Promise<void> {
    const r = await call<{ carts: Cart[] }>('GET', 'api/admin/carts');
    if (!r.ok) {
      empty.hidden = false;
      empty.textContent = r.message ? format(t.refused, { message: r.message }) : t.error;
      return;
    }
    empty.hidden = r.body.carts.length > 0;
    deviceUsers.setCarts(r.body.carts.map((c) => c.gatewayId));
    body.replaceChildren(
      ...r.body.carts.map((c) => {
        const never = c.lastSeenAt === null && c.enrolledAt !== null;
        const row = el(
          'tr',
          { 'data-cart': c.gatewayId, 'data-online': String(c.online), 'data-never-connected': String(never) },
          el('td', {}, c.gatewayId),
          el('td', {}, c.site ?? ''),
          el('td', {}, c.online ? t.online : never ? t.neverConnected : t.offline),
          el('td', {}, c.backlog ? c.backlog.readings + c.backlog.held : ''),
          el('td', {}, c.version ?? ''),
          el(
            'td',
            {},
            c.lastSeenAt
              ? new Date(c.lastSeenAt).toLocaleString(locale)
              : c.enrolledAt
                ? format(t.enrolledOn, { date: new Date(c.enrolledAt).toLocaleString(locale) })
                : '',
          ),
        );
        row.append(el('td', {}, revokeButton(row, c.gatewayId)));
        return row;
      }),
    );
  }

  // Enrolment: the token is in the reply only; it stays on the page until the next enrolment.
  const form = byId('cart-form') as HTMLFormElement;
  const box = byId('cart-token');
  const value = byId('cart-token-value');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const gatewayId = String(f.get('gatewayId') ?? '');
    void call<{ token: string; expiresAt: string }>('POST', 'api/admin/carts', { gatewayId, site: String(f.get('site') ?? '') }).then(
      async (r) => {
        box.hidden = !r.ok;
        say(r, '');
        if (!r.ok) return;
        byId('cart-token-label').textContent = format(t.tokenOnce, {
          cart: gatewayId,
          until: new Date(r.body.expiresAt).toLocaleString(locale),
        });
        value.textContent = r.body.token;
        form.reset();
        await load();
      },
    );
  });
  byId('cart-token-copy').addEventListener('click', () => {
    void navigator.clipboard.writeText(value.textContent ?? '').then(
      () => {
        message.textContent = t.copied;
      },
      () => {
        message.textContent = t.error;
      },
    );
  });
  void fillSiteChoices(byId('cart-site') as HTMLSelectElement, t);
  void load();
}
