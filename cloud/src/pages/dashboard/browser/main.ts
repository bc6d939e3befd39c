/**
 * The dashboard, live: listens to api/events and re-fetches the server-rendered patient table
 * (debounced, fresh cells highlighted) and alerts panel, polls the gateways panel, switches the
 * language in place and remembers it. Relative URLs keep it working behind a reverse-proxy path prefix.
 */
import { byId } from '@telecart/ui/browser';
import { common, dashboard, isLang, type Lang, textsIn } from '@telecart/ui/i18n';
import { alertsPanel } from './alerts.js';
import { fetchFragment, swapIn } from './fragments.js';

type State = 'connecting' | 'live' | 'reconnecting' | 'failed';

const table = byId('patients-table');
const gateways = byId('gateways-table');
const status = byId('live-status');
const toggle = byId<HTMLButtonElement>('lang-toggle');
let lang: Lang = document.documentElement.lang === 'en' ? 'en' : 'fr';
let t = textsIn(dashboard, lang);
let fresh: string[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;
let state: State = 'connecting';

const clock = () => new Date().toLocaleTimeString(t.locale);

function setStatus(s: State, updatedAt?: string): void {
  state = s;
  status.dataset.state = s;
  status.textContent =
    s === 'live'
      ? t.live + (updatedAt ? ` · ${t.updated} ${updatedAt}` : '')
      : s === 'reconnecting'
        ? t.reconnecting
        : s === 'failed'
          ? t.refreshFailed
          : '';
}
const failed = () => setStatus('failed');

function applyChrome(): void {
  t = textsIn(dashboard, lang);
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = node.dataset.i18n ?? '';
    if (key in t) node.textContent = t[key as keyof typeof t];
  }
  toggle.textContent = common.switchToOther[lang];
  toggle.lang = lang === 'fr' ? 'en' : 'fr';
}

function refresh(): void {
  timer = null;
  const marked = fresh;
  fresh = [];
  fetchFragment(`dashboard/patients?lang=${lang}`).then((html) => {
    swapIn(table, html);
    for (const id of marked) table.querySelector(`[data-observation="${CSS.escape(id)}"]`)?.classList.add('fresh');
    if (state !== 'reconnecting') setStatus('live', clock());
  }, failed);
}
function schedule(): void {
  if (timer === null) timer = setTimeout(refresh, 250);
}

// Gateways report their status every minute and at once on a store alarm: poll their panel.
function refreshGateways(): void {
  fetchFragment(`dashboard/gateways?lang=${lang}`).then(
    (html) => swapIn(gateways, html),
    () => {
      /* next tick */
    },
  );
}
setInterval(refreshGateways, 10_000);

const alertsList = document.getElementById('alerts-list');
const alerts = alertsList ? alertsPanel(alertsList, () => lang, failed) : null;
alerts?.refresh();

document.getElementById('logout')?.addEventListener('click', () => {
  fetch('api/specialist/logout', { method: 'POST' }).then(
    () => location.assign(`login?lang=${lang}`),
    () => location.reload(),
  );
});

toggle.addEventListener('click', () => {
  lang = lang === 'fr' ? 'en' : 'fr';
  try {
    localStorage.setItem('telecart.lang', lang);
  } catch {
    /* private mode */
  }
  applyChrome();
  if (state !== 'connecting') setStatus(state);
  refresh();
  refreshGateways();
  alerts?.refresh();
});
try {
  const saved = localStorage.getItem('telecart.lang');
  if (isLang(saved) && saved !== lang) {
    lang = saved;
    applyChrome();
    refresh();
    alerts?.refresh();
  }
} catch {
  /* storage disabled */
}

if ('EventSource' in window) {
  const events = new EventSource('api/events');
  events.addEventListener('open', () => {
    setStatus('live');
    schedule();
    alerts?.schedule();
  });
  events.addEventListener('alert', () => alerts?.schedule());
  events.addEventListener('error', () => setStatus('reconnecting'));
  events.addEventListener('observation', (e) => {
    try {
      const id = (JSON.parse(e.data) as { observation?: { id?: unknown } }).observation?.id;
      if (typeof id === 'string') fresh.push(id);
    } catch {
      /* keep refreshing anyway */
    }
    schedule();
  });
}
