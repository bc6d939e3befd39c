/**
 * The sign-in form: posts JSON to api/specialist/login (the cookie comes back HttpOnly), then goes
 * to the form's data-next (a path of this site, checked on the server). 401 and 429 (with the
 * server's Retry-After) get their own message.
 */
import { byId } from '@telecart/ui/browser';
import { format, isLang, login, textsIn } from '@telecart/ui/i18n';

const lang = isLang(document.documentElement.lang) ? document.documentElement.lang : 'fr';
const t = textsIn(login, lang);
const form = byId<HTMLFormElement>('login-form');
const message = byId('login-message');
const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;

form.addEventListener('submit', (e) => {
  e.preventDefault();
  message.textContent = '';
  const body = JSON.stringify({ id: field('id'), password: field('password') });
  fetch('api/specialist/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
    (r) => {
      if (r.ok) {
        location.assign(form.dataset.next ?? '.');
        return;
      }
      message.textContent =
        r.status === 401 ? t.failed : r.status === 429 ? format(t.locked, { s: r.headers.get('retry-after') ?? '60' }) : t.error;
    },
    () => {
      message.textContent = t.error;
    },
  );
});
