/**
 * The dashboard's inline script (plain ES2017, no build step, no dependencies). It listens to
 * /api/events and re-fetches the server-rendered table (debounced), so the browser never
 * duplicates the server's formatting rules; it also switches the language and remembers it.
 * Relative URLs keep it working behind a reverse-proxy path prefix.
 */
export const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var texts = JSON.parse(document.getElementById('dashboard-texts').textContent);
  var table = document.getElementById('patients-table');
  var status = document.getElementById('live-status');
  var toggle = document.getElementById('lang-toggle');
  var lang = document.documentElement.lang === 'en' ? 'en' : 'fr';
  var fresh = [];
  var timer = null;
  var state = 'connecting';

  function t(key) { return texts[lang][key]; }
  // Signed out elsewhere or the login expired: reloading the page leads to the login page.
  function ok(r) { if (r.status === 401) location.reload(); if (!r.ok) throw new Error('HTTP ' + r.status); return r.text(); }
  function clock() { return new Date().toLocaleTimeString(t('locale')); }
  function setStatus(s, extra) {
    state = s;
    status.setAttribute('data-state', s);
    status.textContent = s === 'live' ? t('live') + (extra ? ' · ' + t('updated') + ' ' + extra : '')
      : s === 'reconnecting' ? t('reconnecting') : s === 'failed' ? t('refreshFailed') : '';
  }
  function applyChrome() {
    document.documentElement.lang = lang;
    var nodes = document.querySelectorAll('[data-i18n]');
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute('data-i18n'));
    toggle.textContent = texts[lang].switchTo;
    toggle.setAttribute('lang', lang === 'fr' ? 'en' : 'fr');
  }
  function refresh() {
    timer = null;
    var marked = fresh; fresh = [];
    fetch('dashboard/patients?lang=' + lang, { headers: { accept: 'text/html' }, cache: 'no-store' })
      .then(ok)
      .then(function (html) {
        table.innerHTML = html;
        for (var i = 0; i < marked.length; i++) {
          var cell = table.querySelector('[data-observation="' + CSS.escape(marked[i]) + '"]');
          if (cell) cell.classList.add('fresh');
        }
        if (state !== 'reconnecting') setStatus('live', clock());
      })
      .catch(function () { setStatus('failed'); });
  }
  function schedule() { if (timer === null) timer = setTimeout(refresh, 250); }
  // Gateways report their status every minute and at once on a store alarm: poll their panel.
  var gateways = document.getElementById('gateways-table');
  function refreshGateways() {
    fetch('dashboard/gateways?lang=' + lang, { headers: { accept: 'text/html' }, cache: 'no-store' })
      .then(ok)
      .then(function (html) { gateways.innerHTML = html; })
      .catch(function () { /* next tick */ });
  }
  setInterval(refreshGateways, 10000);
  // Telemonitoring alerts: re-fetched on every alert event; acknowledged with an optional note.
  var alertsList = document.getElementById('alerts-list');
  var alertsTimer = null;
  function refreshAlerts() {
    alertsTimer = null;
    if (!alertsList) return;
    fetch('dashboard/alerts?lang=' + lang, { headers: { accept: 'text/html' }, cache: 'no-store' })
      .then(ok)
      .then(function (html) { alertsList.innerHTML = html; })
      .catch(function () { setStatus('failed'); });
  }
  function scheduleAlerts() { if (alertsTimer === null) alertsTimer = setTimeout(refreshAlerts, 250); }
  if (alertsList) {
    refreshAlerts();
    alertsList.addEventListener('click', function (e) {
      var button = e.target.closest ? e.target.closest('button[data-ack]') : null;
      if (!button) return;
      var id = button.getAttribute('data-ack');
      var input = alertsList.querySelector('input[data-note-for="' + CSS.escape(id) + '"]');
      var note = input && input.value.trim() ? input.value.trim() : null;
      button.disabled = true;
      fetch('api/alerts/' + encodeURIComponent(id) + '/ack', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(note ? { note: note } : {})
      }).then(function (r) {
        // 409: acknowledged by someone else meanwhile; either way the panel is re-read.
        if (r.status === 401) location.reload();
        refreshAlerts();
      }, function () { button.disabled = false; setStatus('failed'); });
    });
  }
  var logout = document.getElementById('logout');
  if (logout) logout.addEventListener('click', function () {
    fetch('api/specialist/logout', { method: 'POST' }).then(function () { location.assign('login?lang=' + lang); }, function () { location.reload(); });
  });

  toggle.addEventListener('click', function () {
    lang = lang === 'fr' ? 'en' : 'fr';
    try { localStorage.setItem('telecart.lang', lang); } catch (e) { /* private mode */ }
    applyChrome();
    if (state !== 'connecting') setStatus(state);
    refresh();
    refreshGateways();
    refreshAlerts();
  });
  try {
    var saved = localStorage.getItem('telecart.lang');
    if ((saved === 'fr' || saved === 'en') && saved !== lang) { lang = saved; applyChrome(); refresh(); refreshAlerts(); }
  } catch (e) { /* storage disabled */ }

  if (!('EventSource' in window)) return;
  var events = new EventSource('api/events');
  events.addEventListener('open', function () { setStatus('live'); schedule(); scheduleAlerts(); });
  events.addEventListener('alert', function () { scheduleAlerts(); });
  events.addEventListener('error', function () { setStatus('reconnecting'); });
  events.addEventListener('observation', function (e) {
    try { fresh.push(JSON.parse(e.data).observation.id); } catch (err) { /* keep refreshing anyway */ }
    schedule();
  });
})();
`;
