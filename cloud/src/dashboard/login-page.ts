/**
 * The care team's sign-in page in front of the dashboard and the patient-data API. The form posts
 * JSON to /api/specialist/login (the cookie comes back HttpOnly) and then goes to `next`, a path
 * of this site checked on the server. Inline script and style only, allowed by hash (no eval, no
 * third-party origin), like the dashboard.
 */

import { FAVICON_LINK } from '../http/routes/favicon.js';
import { type Lang, TEXTS } from './i18n.js';
import { escapeHtml } from './render.js';
import { DASHBOARD_CSS } from './style.js';

export const LOGIN_SCRIPT = `
(function () {
  'use strict';
  var form = document.getElementById('login-form');
  var message = document.getElementById('login-message');
  var texts = JSON.parse(document.getElementById('login-texts').textContent);
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    message.textContent = '';
    var body = JSON.stringify({ id: form.elements.id.value, password: form.elements.password.value });
    fetch('api/specialist/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: body })
      .then(function (r) {
        if (r.ok) { location.assign(form.getAttribute('data-next')); return; }
        // 429: the wait the server asks for (Retry-After, seconds).
        message.textContent = r.status === 401 ? texts.failed
          : r.status === 429 ? texts.locked.replace('{s}', r.headers.get('retry-after') || '60') : texts.error;
      }, function () { message.textContent = texts.error; });
  });
})();
`;

export function renderLoginPage(o: { lang: Lang; next: string }): string {
  const t = TEXTS[o.lang].login;
  const messages = JSON.stringify({ failed: t.failed, locked: t.locked, error: t.error }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.title)}</title>
${FAVICON_LINK}
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<main>
  <h1>${escapeHtml(t.heading)}</h1>
  <form id="login-form" data-next="${escapeHtml(o.next)}" autocomplete="on">
    <p><label for="login-id">${escapeHtml(t.id)}</label><br><input id="login-id" name="id" autocomplete="username" required maxlength="64"></p>
    <p><label for="login-password">${escapeHtml(t.password)}</label><br><input id="login-password" name="password" type="password" autocomplete="current-password" required maxlength="256"></p>
    <p><button type="submit">${escapeHtml(t.submit)}</button></p>
    <p id="login-message" role="alert"></p>
  </form>
</main>
<script id="login-texts" type="application/json">${messages}</script>
<script>${LOGIN_SCRIPT}</script>
</body>
</html>`;
}
