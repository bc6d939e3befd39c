/**
 * The sign-in form: posts JSON to api/specialist/login (the cookie comes back HttpOnly), then goes
 * to the form's data-next (a path of this site, checked on the server). 401 (wrong password, or a
 * second factor missing or wrong) and 429 (with the server's Retry-After) get their own message.
 */
import { byId } from '@telecart/ui/browser';
import { format, isLang, login, textsIn } from '@telecart/ui/i18n';

const lang = isLang(document.documentElement.lang) ? document.documentElement.lang : 'fr';
const t = textsIn(login, lang);
const form = byId<HTMLFormElement>('login-form');
const message = byId('login-message');
const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '';
const SECOND_FACTOR = ['totp-required', 'totp-wrong', 'totp-not-enrolled'] as const;
type SecondFactorReason = (typeof SECOND_FACTOR)[number];
const isSecondFactor = (r: unknown): r is SecondFactorReason => SECOND_FACTOR.includes(r as SecondFactorReason);

form.addEventListener('submit', (e) => {
  e.preventDefault();
  message.textContent = '';
  const totp = field('totp');
  const body = JSON.stringify({ id: field('id'), password: field('password'), ...(totp ? { totp } : {}) });
  fetch('api/specialist/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
    (r) => {
      if (r.ok) {
        location.assign(form.dataset.next ?? '.');
        return;
      }
      if (r.status === 401) {
        // The server says when the password was right but the second factor is missing or wrong.
        r.json().then(
          (b: { reason?: unknown; site?: unknown; accepted?: unknown }) => {
            if (b.reason === 'site-acr' && typeof b.site === 'string' && Array.isArray(b.accepted)) {
              message.textContent = format(t['site-acr-password'], { site: b.site, accepted: b.accepted.map(String).join(', ') });
              return;
            }
            message.textContent = isSecondFactor(b.reason) ? t[b.reason] : t.failed;
          },
          () => {
            message.textContent = t.failed;
          },
        );
        return;
      }
      message.textContent = r.status === 429 ? format(t.locked, { s: r.headers.get('retry-after') ?? '60' }) : t.error;
    },
    () => {
      message.textContent = t.error;
    },
  );
});
