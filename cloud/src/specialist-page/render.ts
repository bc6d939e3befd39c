/**
 * The specialist's consultation page: one static document (login, waiting room, consultation)
 * driven by the inline script; every string from the network is put in with textContent. No
 * external resources.
 */
import { escapeHtml } from '../dashboard/render.js';
import { FAVICON_LINK } from '../http/routes/favicon.js';
import { CONSULT_SCRIPT } from './client-script.js';
import { CONSULT_TEXTS, type ConsultLang } from './i18n.js';
import { CONSULT_CSS } from './style.js';

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderConsultPage(o: { lang: ConsultLang; timeZone: string }): string {
  const t = CONSULT_TEXTS[o.lang];
  const other: ConsultLang = o.lang === 'fr' ? 'en' : 'fr';
  const i = (key: keyof typeof t) => `data-i18n="${key}"`;
  const s = (key: keyof typeof t) => escapeHtml(String(t[key]));
  return `<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title ${i('title')}>${s('title')}</title>
${FAVICON_LINK}
<style>${CONSULT_CSS}</style>
</head>
<body data-view="loading">
<header>
  <h1 ${i('heading')}>${s('heading')}</h1>
  <span id="who"></span>
  <span id="ws-state" role="status" aria-live="polite"></span>
  <button type="button" id="lang-toggle" lang="${other}">${s('switchTo')}</button>
  <button type="button" id="logout" ${i('logout')} hidden>${s('logout')}</button>
</header>
<main>
  <section id="login" hidden aria-labelledby="login-heading">
    <h2 id="login-heading" ${i('loginHeading')}>${s('loginHeading')}</h2>
    <form class="login" id="login-form" novalidate>
      <label><span ${i('loginId')}>${s('loginId')}</span><br><input id="login-id" name="id" autocomplete="username" required maxlength="64"></label>
      <label><span ${i('loginPassword')}>${s('loginPassword')}</span><br><input id="login-password" name="password" type="password" autocomplete="current-password" required maxlength="256"></label>
      <button type="submit" class="primary" ${i('loginSubmit')}>${s('loginSubmit')}</button>
      <p id="login-error" class="error" role="alert"></p>
    </form>
  </section>

  <section id="room" hidden aria-labelledby="room-heading">
    <h2 id="room-heading" ${i('roomHeading')}>${s('roomHeading')}</h2>
    <p id="room-empty" ${i('roomEmpty')}>${s('roomEmpty')}</p>
    <table id="room-table" hidden>
      <thead><tr><th scope="col" ${i('colPatient')}>${s('colPatient')}</th><th scope="col" ${i('colCart')}>${s('colCart')}</th><th scope="col" ${i('colReason')}>${s('colReason')}</th><th scope="col" ${i('colSince')}>${s('colSince')}</th><th scope="col" ${i('colStatus')}>${s('colStatus')}</th><th scope="col"></th></tr></thead>
      <tbody id="room-list"></tbody>
    </table>
  </section>

  <section id="consult" hidden aria-labelledby="consult-patient">
    <div class="top">
      <h2 id="consult-patient"></h2>
      <span><span ${i('colStatus')}>${s('colStatus')}</span> : <span id="act-status" class="status"></span></span>
      <span id="conn-state" role="status" aria-live="polite"></span>
      <button type="button" id="hangup" class="danger" ${i('hangup')}>${s('hangup')}</button>
      <button type="button" id="back" ${i('back')} hidden>${s('back')}</button>
    </div>
    <p id="consult-consent" class="muted"></p>
    <p id="consult-message" class="error" role="alert"></p>
    <div class="grid">
      <div>
        <video id="video" autoplay playsinline muted></video>
        <canvas id="ecg" width="1000" height="220" aria-label="${s('ecg')}" data-chunks="0" data-first-seq="" data-last-seq="" data-dropped="0" data-skipped="0"></canvas>
        <p class="muted" ${i('ecg')}>${s('ecg')}</p>
      </div>
      <div class="panel">
        <h3 ${i('camera')}>${s('camera')}</h3>
        <div id="joystick" tabindex="0" role="application" aria-label="${s('joystick')}"><div id="knob"></div></div>
        <div class="zoom">
          <button type="button" id="zoom-out" aria-label="${s('zoomOut')}">−</button>
          <input type="range" id="zoom" min="0" max="1" step="0.01" value="0" aria-label="${s('zoom')}">
          <button type="button" id="zoom-in" aria-label="${s('zoomIn')}">+</button>
          <button type="button" id="ptz-stop" ${i('stop')}>${s('stop')}</button>
        </div>
        <p id="ptz-info" class="muted"></p>
        <h3 ${i('presets')}>${s('presets')}</h3>
        <ol id="presets"></ol>
        <div class="zoom"><input id="preset-name" maxlength="64" aria-label="${s('presetName')}"><button type="button" id="preset-save" ${i('presetSave')}>${s('presetSave')}</button></div>
        <h3 ${i('stethoscope')}>${s('stethoscope')}</h3>
        <audio id="steth" autoplay controls></audio>
      </div>
    </div>
  </section>
</main>
<script id="consult-texts" type="application/json">${scriptJson({ fr: CONSULT_TEXTS.fr, en: CONSULT_TEXTS.en, timeZone: o.timeZone })}</script>
<script>${CONSULT_SCRIPT}</script>
</body>
</html>
`;
}
